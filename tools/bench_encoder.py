"""Encoder overhead: textrnn's `Encoder` against raw torch.nn.LSTM / GRU / RNN on the same shapes,
and the step-by-step reference cells against the fused kernels.

    python tools/bench_encoder.py [--cells lstm gru rnn] [--quick] [--write docs/BENCHMARKS.md]

For each cell, B ∈ {1, 32, 128}, T ∈ {16, 64}, H ∈ {128, 512} (input size = H), one direction:
- padded: every sequence has length T (the Encoder is given the lengths and must notice that
  packing is not needed); the baseline calls the torch module on the padded batch;
- packed: lengths spread uniformly in [T/4, T]; the baseline packs, runs and pads back itself, as
  any torch user would;
- forward (inference mode) and forward+backward (training).
Ratio = baseline time / Encoder time (≥ 1: the Encoder is as fast; the target is ≥ 0.95). Timing:
the two are interleaved, 5 rounds, each round the median of a few calls after a warm-up; the
ratio of the medians over rounds is reported, so both see the same machine noise.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import machine_line, write_section  # noqa: E402


def timer(fn, budget: float = 0.05) -> float:
    """Median seconds of one call, over enough calls to fill `budget` seconds (at least 3)."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    n = max(3, min(50, int(budget / max(one, 1e-6))))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def pair(cell: str, B: int, T: int, H: int, packed: bool, backward: bool, rounds: int = 5) -> dict:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from textrnn.encoder import FUSED, Encoder, EncoderConfig

    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell=cell, input_size=H, hidden_size=H))
    raw = FUSED[cell](H, H, batch_first=True)
    raw.load_state_dict(enc.rnn.state_dict())
    x = torch.randn(B, T, H, requires_grad=backward)
    lengths = (torch.randint(T // 4, T + 1, (B,)) if packed else torch.full((B,), T)).clamp(min=1)
    lengths[0] = T

    def baseline():
        if packed:
            p = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, _ = raw(p)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        else:
            out, _ = raw(x)
        return out

    def ours():
        out, _ = enc(x, lengths)
        return out

    def run(f):
        if backward:
            return lambda: f().sum().backward()
        def fwd():
            with torch.inference_mode():
                f()
        return fwd

    a, b = [], []
    for _ in range(rounds):
        a.append(timer(run(baseline)))
        b.append(timer(run(ours)))
    return {"baseline": statistics.median(a), "ours": statistics.median(b),
            "ratio": statistics.median(a) / statistics.median(b)}


def reference_slowdown(cell: str, B: int, T: int, H: int) -> float:
    import torch

    from textrnn.encoder import Encoder, EncoderConfig

    fused = Encoder(EncoderConfig(cell=cell, input_size=H, hidden_size=H))
    ref = Encoder(EncoderConfig(cell=cell, input_size=H, hidden_size=H, impl="reference"))
    ref.load_state_dict(fused.state_dict())
    x = torch.randn(B, T, H)
    with torch.inference_mode():
        tf = statistics.median(timer(lambda: fused(x)) for _ in range(3))
        tr = statistics.median(timer(lambda: ref(x)) for _ in range(3))
    return tr / tf


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", nargs="+", default=["lstm", "gru", "rnn"])
    ap.add_argument("--quick", action="store_true", help="B 32 only, forward+backward and forward, 3 rounds")
    ap.add_argument("--write", type=Path, help="rewrite the encoder section of this markdown file")
    args = ap.parse_args()
    Bs = [32] if args.quick else [1, 32, 128]
    rows = []
    for cell, B, T, H, packed, backward in itertools.product(args.cells, Bs, [16, 64], [128, 512], [False, True], [False, True]):
        r = pair(cell, B, T, H, packed, backward, rounds=3 if args.quick else 5)
        rows.append({"cell": cell, "B": B, "T": T, "H": H, "packed": packed, "backward": backward, **r})
        print(f"{cell} B={B} T={T} H={H} {'packed' if packed else 'padded'} {'fwd+bwd' if backward else 'fwd'}: "
              f"torch {r['baseline'] * 1e3:.2f} ms, Encoder {r['ours'] * 1e3:.2f} ms, ratio {r['ratio']:.2f}", file=sys.stderr)
    refs = {(cell, T, H): reference_slowdown(cell, 32, T, H) for cell in args.cells for T in (16, 64) for H in (128, 512)}

    command = ("python tools/bench_encoder.py " + " ".join(sys.argv[1:])).strip()
    ratios = [r["ratio"] for r in rows]
    lines = ["<!-- encoder:begin -->", "## Encoder overhead", "", f"`{command}`", "", machine_line(),
             f" torch threads: {torch.get_num_threads()}.", "",
             "Ratio = raw torch time / `Encoder` time on the same shapes, one direction, input size = H (≥ 1: no "
             "overhead; target ≥ 0.95). Packed batches have lengths spread in [T/4, T]; the torch baseline packs and "
             "pads itself. Interleaved timing, median of rounds.", "",
             f"Over all {len(rows)} cases: median ratio **{statistics.median(ratios):.3f}**, lowest {min(ratios):.3f}, "
             f"{sum(r >= 0.95 for r in ratios)} of {len(rows)} at or above 0.95.", "",
             "| cell | B | T | H | batch | pass | torch ms | Encoder ms | ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['cell']} | {r['B']} | {r['T']} | {r['H']} | {'packed' if r['packed'] else 'padded'} | "
                     f"{'fwd+bwd' if r['backward'] else 'fwd'} | {r['baseline'] * 1e3:.2f} | {r['ours'] * 1e3:.2f} | "
                     f"{r['ratio']:.2f} |")
    lines += ["", "Reference cells (`impl=\"reference\"`, textrnn/cells.py step by step) vs fused kernels, forward, B = 32: "
              "how many times slower the readable version is.", "", "| cell | T | H | slowdown |", "|---|---|---|---|"]
    lines += [f"| {c} | {T} | {H} | {s:.1f}× |" for (c, T, H), s in refs.items()]
    lines.append("<!-- encoder:end -->")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, text, "encoder")


if __name__ == "__main__":
    main()
