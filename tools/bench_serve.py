"""Serving benchmark: `textrnn serve` under N concurrent clients, with dynamic batching on and off.

    python tools/bench_serve.py --write docs/BENCHMARKS.md              # the table (~5 minutes)
    python tools/bench_serve.py --soak 600 --write docs/BENCHMARKS.md   # and a 10-minute soak

Two real servers are started on loopback with the shipped `sentiment` and `ner` models, one with
dynamic batching and one without (`--no-batching`: each request its own forward pass); for each
number of clients (1, 8, 32, 128), measured on one server then the other (so both meet the same
machine noise), that many clients send one sentence per request, each waiting for its
answer before sending the next, for `--seconds` per cell (after a warm-up). Sentences are SST-2
test sentences (classify) and CoNLL-2003 test sentences (tag), in order. We report requests/s and
the median and 99th-percentile latency. The clients run in this process (asyncio + httpx) on the
same 2 cores as the server, speaking HTTP/1.1 by hand over keep-alive connections (a general client
would spend more CPU than the server): they take some CPU from it, as a co-located client would.

The soak runs 8 classify and 8 tag clients for `--soak` seconds with batching on, and samples the
server's resident memory (VmRSS) every 10 s: it should be flat once the models are loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import corpora, machine_line, publish  # noqa: E402

CLIENTS = (1, 8, 32, 128)


def sentences(limit: int = 2000) -> dict[str, list[str]]:
    root = corpora()
    sst = [line.split("\t", 1)[1].strip() for line in (root / "sst2/test.tsv").read_text(encoding="utf-8").splitlines()
           if "\t" in line]
    conll, words = [], []
    for line in (root / "conll2003/test.tsv").read_text(encoding="utf-8").splitlines() + [""]:
        if line.strip():
            words.append(line.split("\t")[0])
        elif words:
            conll.append(" ".join(words))
            words = []
    return {"classify": sst[:limit], "tag": conll[:limit]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(batching: bool, extra: list[str] = ()) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "textrnn", "serve", "--port", str(port), "--models", "sentiment,ner", "--preload",
           "--max-queue", "100000", "--timeout", "120", *extra] + ([] if batching else ["--no-batching"])
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"error: the server exited: {' '.join(cmd)}")
            time.sleep(0.1)
    sys.exit("error: the server did not start")


class Connection:
    """One keep-alive HTTP/1.1 connection, spoken by hand: a general client (httpx) spends ~2 ms of
    CPU per request in Python, which on 2 shared cores would measure the client, not the server."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def post(self, path: str, body: bytes) -> int:
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
        await self.reader.readexactly(length)
        return status

    def close(self):
        self.writer.close()


async def load(url: str, endpoint: str, texts: list[str], clients: int, seconds: float) -> dict:
    """`clients` closed-loop clients for `seconds`: requests/s and latency percentiles (ms)."""
    host, port = url.removeprefix("http://").split(":")
    bodies = [json.dumps({"text": t}).encode() for t in texts]
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(k: int):
        nonlocal errors
        conn = await Connection(host, int(port)).open()
        i = k
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            if await conn.post(endpoint, bodies[i % len(bodies)]) == 200:
                latencies.append(time.perf_counter() - t0)
            else:
                errors += 1
            i += clients
        conn.close()
    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    pct = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    return {"rps": len(latencies) / elapsed, "p50": pct(0.50), "p99": pct(0.99), "n": len(latencies), "errors": errors}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def soak(url: str, pid: int, data: dict, seconds: float) -> list[tuple[float, float]]:
    samples = [(0.0, rss_mb(pid))]
    t0 = time.perf_counter()

    async def sampler():
        while time.perf_counter() - t0 < seconds:
            await asyncio.sleep(10)
            samples.append((time.perf_counter() - t0, rss_mb(pid)))
    await asyncio.gather(load(url, "/v1/classify", data["classify"], 8, seconds),
                         load(url, "/v1/tag", data["tag"], 8, seconds), sampler())
    return samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per cell")
    ap.add_argument("--clients", default=",".join(map(str, CLIENTS)))
    ap.add_argument("--soak", type=float, default=0.0, help="soak seconds (0: no soak)")
    ap.add_argument("--serve-args", default="", help="more `textrnn serve` options for both servers, e.g. '--threads 1'")
    ap.add_argument("--note", default="", help="what else ran on the machine meanwhile (written under the table)")
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    data = sentences()
    results: dict = {}
    soak_samples = None
    servers = {batching: start_server(batching, args.serve_args.split()) for batching in (True, False)}   # both up: cells alternate
    try:
        for task, endpoint in (("classify", "/v1/classify"), ("tag", "/v1/tag")):
            for batching, (_, url) in servers.items():
                asyncio.run(load(url, endpoint, data[task], 8, 2.0))                # warm-up
            for c in clients:
                for batching, (_, url) in servers.items():   # on, then off, for each cell: the same noise
                    r = asyncio.run(load(url, endpoint, data[task], c, args.seconds))
                    results[(batching, task, c)] = r
                    print(f"batching={'on' if batching else 'off'} {task} clients={c}: {r['rps']:.0f} req/s, "
                          f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms ({r['n']} requests, {r['errors']} errors)",
                          file=sys.stderr)
        if args.soak:
            proc, url = servers[True]
            soak_samples = asyncio.run(soak(url, proc.pid, data, args.soak))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(30)
    publish(report(results, clients, args, soak_samples), "serve", args.write)


def describe(name: str) -> str:
    """What a shipped classifier is, for the report: `3 BiLSTMs` (an ensemble) or `one BiLSTM 160`."""
    import textrnn

    p = textrnn.load(name)
    c = p.config
    cell = ("Bi" if c.bidirectional else "") + c.cell.upper()
    return f"{len(p.members)} {cell}s" if hasattr(p, "members") else f"one {cell} {c.hidden_size}"


def report(results: dict, clients: list[int], args, soak_samples) -> list[str]:
    lines = ["## Serving (`textrnn serve`)", "",
             f"Command: `python tools/bench_serve.py {shlex.join(sys.argv[1:])}`  ",
             machine_line() + "  ",
             f"Models `sentiment` ({describe('sentiment')}) and `ner` (BiLSTM-CRF with language-model features; raw "
             f"text, so the `segmenter` runs first), one sentence per request, closed-loop keep-alive clients in the benchmark's own process on the same 2 cores, {args.seconds:g} s per "
             f"cell after a warm-up; the server's defaults (2 threads, batches of ≤ 64 texts, ≤ 5 ms wait)"
             + (f" with `{args.serve_args}`" if args.serve_args else "") + ".", "",
             "| task | clients | batching on: req/s | p50 / p99 ms | batching off: req/s | p50 / p99 ms | throughput ratio |",
             "|---|---|---|---|---|---|---|"]
    for task in ("classify", "tag"):
        for c in clients:
            on, off = results[(True, task, c)], results[(False, task, c)]
            lines.append(f"| {task} | {c} | {on['rps']:,.0f} | {on['p50']:.1f} / {on['p99']:.1f} | {off['rps']:,.0f} | "
                         f"{off['p50']:.1f} / {off['p99']:.1f} | **{on['rps'] / off['rps']:.2f}×** |")
    errs = sum(r["errors"] for r in results.values())
    lines += ["", f"Errors (non-200 answers) over all cells: {errs}." + (f" {args.note}" if args.note else "")]
    if soak_samples:
        first = [m for t, m in soak_samples if t >= 60] or [soak_samples[-1][1]]
        lines += ["", f"Soak: {args.soak / 60:g} minutes of 8 classify + 8 tag clients, batching on. Resident memory "
                      f"(VmRSS, MB) every 10 s: at start {soak_samples[0][1]:.0f}, after 1 minute {first[0]:.0f}, "
                      f"at the end {soak_samples[-1][1]:.0f}, highest {max(m for _, m in soak_samples):.0f} "
                      f"({len(soak_samples)} samples)."]
    return lines


if __name__ == "__main__":
    main()
