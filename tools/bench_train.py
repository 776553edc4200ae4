"""Training-engine benchmark: bf16 autocast vs fp32, and 2 processes (DDP) vs 1, on the spam config.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_train.py [--epochs 3] [--ddp] [--write docs/BENCHMARKS.md]

Each variant trains textrnn/configs/spam.toml as one model (ensemble 1, seed 1) for `--epochs`
epochs from scratch and reports seconds per epoch (median over epochs, from metrics.jsonl) and
the dev/test accuracy of its best epoch. Variants:
- fp32, 1 thread;   bf16 autocast, 1 thread  (the same work: their ratio is bf16's effect);
- with --ddp (needs 2 idle cores): 1 process × 2 threads vs `torchrun --nproc_per_node=2` × 1 thread
  each, the same global batch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, write_section  # noqa: E402

CONFIG = ROOT / "textrnn" / "configs" / "spam.toml"


def run(name: str, out: Path, epochs: int, sets: list[str], procs: int = 1) -> dict:
    base = ["--set", "train.ensemble=1", "--set", f"train.epochs={epochs}", "--set", f"train.patience={epochs}",
            *[x for s in sets for x in ("--set", s)]]
    if procs == 1:
        cmd = [sys.executable, "-m", "textrnn", "train", str(CONFIG), "--out", str(out), *base]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={procs}", "-m", "textrnn", "train",
               str(CONFIG), "--out", str(out), *base]
    env = {**os.environ, "TEXTRNN_CORPORA": str(corpora())}
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    recs = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    final = json.loads((out / "model" / "metrics.json").read_text())
    row = {"name": name, "seconds": statistics.median(r["seconds"] for r in recs),
           "dev": final["dev"]["accuracy"], "test": final["test"]["accuracy"]}
    print(f"{name}: {row['seconds']:.1f} s/epoch, dev {row['dev']:.4f}, test {row['test']:.4f}", file=sys.stderr)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--ddp", action="store_true", help="also 1 process × 2 threads vs 2 processes × 1 thread")
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        rows.append(run("fp32, 1 process × 1 thread", t / "fp32", args.epochs, ["train.threads=1"]))
        rows.append(run("bf16 autocast, 1 process × 1 thread", t / "bf16", args.epochs, ["train.threads=1", "train.precision=bf16"]))
        if args.ddp:
            rows.append(run("fp32, 1 process × 2 threads", t / "one", args.epochs, ["train.threads=2"]))
            rows.append(run("fp32, 2 processes × 1 thread (DDP, gloo)", t / "two", args.epochs, ["train.threads=1"], procs=2))
    command = ("python tools/bench_train.py " + " ".join(sys.argv[1:])).strip()
    lines = ["<!-- train:begin -->", "## Training engine", "", f"`{command}`", "", machine_line(), "",
             f"`textrnn/configs/spam.toml` as one model (seed 1), {args.epochs} epochs from scratch; seconds per epoch "
             "are the median over epochs.", "",
             "| variant | s/epoch | vs first row | dev acc | test acc |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['seconds']:.1f} | {rows[0]['seconds'] / r['seconds']:.2f}× | "
                     f"{r['dev'] * 100:.2f} | {r['test'] * 100:.2f} |")
    lines.append("<!-- train:end -->")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, text, "train")


if __name__ == "__main__":
    main()
