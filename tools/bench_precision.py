"""Precision and threads at prediction time (textrnn/runtime.py, textrnn/encoder.py's padded_directions).

    python tools/bench_precision.py [--write docs/BENCHMARKS.md]

1. The encoders of the shipped networks, on batches of their own shape (64 texts, lengths drawn
   between half the longest and the longest), forward in inference mode on one thread: fp32 packed
   (textrnn's path before 2026-12-02), bfloat16 packed, and bfloat16 by `padded_directions` (one
   kernel call per layer and direction on the padded batch). Interleaved rounds, the median of each
   path's calls per round, the median over rounds; ratios against fp32 packed.
2. Whether this CPU has bfloat16 arithmetic natively (if not, the shipped models predict in fp32).
3. What predicting in bfloat16 changed in each shipped model's recorded dev and test scores
   (`tools/rescore.py --table`: the scores were measured again by tools/rescore.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import machine_line, publish  # noqa: E402

# (what, shipped model, longest sequence in a batch): the encoder's shape is read from the model
SHAPES = [("`sentiment` on SST-2 sentences (~25 pieces)", "sentiment", 25),
          ("`sentiment` on long reviews (256 pieces, head_tail)", "sentiment", 256),
          ("`segmenter` on windows of 400 characters", "segmenter", 400),
          ("`pos` on EWT sentences (~30 words)", "pos", 30)]
RESCORED = ["sentiment", "sentiment-ko", "spam", "pos", "pos-ko", "ner", "segmenter"]


def encoder_times(enc, T: int, rounds: int = 7) -> dict[str, float]:
    """Seconds per forward of the encoder `enc` (fp32) on each path."""
    import copy

    import torch

    from textrnn.encoder import padded_directions

    torch.manual_seed(0)
    enc = enc.eval()
    bf = copy.deepcopy(enc).to(torch.bfloat16).eval()
    x = torch.randn(64, T, enc.config.input_size)
    lengths = torch.randint(T // 2, T + 1, (64,))
    lengths[0] = T
    xb = x.bfloat16()
    paths = {"fp32, packed": lambda: enc(x, lengths), "bf16, packed": lambda: bf(xb, lengths),
             "bf16, padded_directions": lambda: padded_directions(bf.rnn, xb, lengths)}
    per_round: dict[str, list[float]] = {k: [] for k in paths}
    with torch.inference_mode():
        for f in paths.values():
            f()
        for _ in range(rounds):
            for name, f in paths.items():
                times = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    f()
                    times.append(time.perf_counter() - t0)
                per_round[name].append(statistics.median(times))
    return {k: statistics.median(v) for k, v in per_round.items()}


def main() -> None:
    import contextlib
    import io

    import torch

    import textrnn
    from textrnn.runtime import native_bf16
    from tools.rescore import print_table

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    lines = ["## Precision and threads at prediction time", "",
             f"Command: `python tools/bench_precision.py {' '.join(sys.argv[1:])}`  ", machine_line(), "",
             f"This CPU has bfloat16 arithmetic natively: {'yes' if native_bf16() else 'no'} "
             "(`textrnn.runtime.native_bf16`: AVX512-BF16 or AMX). Where it has, a model whose config says "
             "`precision = \"bf16\"` predicts in bfloat16; `TEXTRNN_PRECISION=fp32` turns that off.", "",
             "Encoder forward, one thread, a batch of 64 with lengths between half the longest and the longest "
             "(milliseconds, median over interleaved rounds; the ratio is fp32 packed's time over the path's):", "",
             "| encoder | fp32, packed (before) | bf16, packed | bf16, padded_directions (now) |", "|---|---|---|---|"]
    for name, model, T in SHAPES:
        enc = textrnn.load(model).model.encoder
        c = enc.config
        t = encoder_times(enc, T)
        base = t["fp32, packed"]
        name += f": {c.num_layers}-layer Bi{c.cell.upper()} {c.hidden_size}, input {c.input_size}"
        lines.append(f"| {name} | {1000 * base:.1f} ms | " + " | ".join(
            f"{1000 * t[k]:.1f} ms ({base / t[k]:.2f}×)" for k in ("bf16, packed", "bf16, padded_directions")) + " |")
        print(lines[-1], file=sys.stderr)
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        print_table(RESCORED)
    lines += ["", "What predicting in bfloat16 changed in the shipped models' recorded scores (%; dev selects, "
              "test is reported): each was scored again as it now predicts by the command in its row, and "
              "`python tools/rescore.py --table " + " ".join(RESCORED) + "` prints this table from their metrics.json:", "",
              *table.getvalue().splitlines()]
    publish(lines, "precision", args.write)


if __name__ == "__main__":
    main()
