"""Length bucketing vs batches in input order, at inference, on real length distributions.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_bucketing.py [--write docs/BENCHMARKS.md]

`textrnn classify` and `textrnn tag` sort the lines of each chunk by length before cutting them
into batches of 64 (`Predictor.probabilities`, `Tags.tag_tokens`), so a batch holds sentences of
similar length and little padding. Two naive ways take batches of 64 in input order: padded and
run over every step, as a plain `nn.LSTM` on a padded batch does (every length set to the batch's
longest, so the Encoder does not pack: the timing of a naive loop, not a correct result), and
packed (the same results as bucketed). The network's time is what differs. Data: the SST-2 test sentences (sentiment) and the CoNLL-2003 test sentences (ner).
Interleaved, 5 rounds, median; ratio = input order time / bucketed time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, write_section  # noqa: E402


def batches_of(p, texts: list[str], bucketed: bool, size: int = 64):
    """Forward inputs for every batch, prepared beforehand (tokenizing is not what is compared)."""
    from textrnn.export import example_inputs

    order = sorted(range(len(texts)), key=lambda i: len(texts[i].split())) if bucketed else list(range(len(texts)))
    return [example_inputs(p, [texts[i] for i in order[b: b + size]])[0] for b in range(0, len(order), size)]


def bench(name: str) -> dict:
    import torch

    import textrnn
    from textrnn.export import networks
    from textrnn.heads import head_module

    p = textrnn.load(name)
    rel = {"sentiment": "sst2/test.tsv", "ner": "conll2003/test.tsv"}[name]
    data = head_module(p.task).read_data(corpora() / rel)
    texts = [t for _, t in data] if p.task == "classify" else [" ".join(toks) for toks, _ in data]
    nets = networks(p)
    lengths = sorted(len(t.split()) for t in texts)
    naive = batches_of(p, texts, False)
    padded = [(*b[:-1], torch.full_like(b[-1], int(b[-1].max()))) for b in naive]   # lengths = T: no packing
    sets = {"padded": padded, "input order": naive, "bucketed": batches_of(p, texts, True)}

    def timed(batches):
        t0 = time.perf_counter()
        with torch.inference_mode():
            for b in batches:
                for n in nets:
                    n(*b)
        return time.perf_counter() - t0

    times = {k: [] for k in sets}
    for k in sets:
        timed(sets[k])
    for _ in range(5):
        for k in sets:
            times[k].append(timed(sets[k]))
    med = {k: statistics.median(v) for k, v in times.items()}
    row = {"name": name, "n": len(texts), "median_len": lengths[len(lengths) // 2], "max_len": lengths[-1],
           "padded": len(texts) / med["padded"], "naive": len(texts) / med["input order"],
           "bucketed": len(texts) / med["bucketed"], "ratio_padded": med["padded"] / med["bucketed"],
           "ratio": med["input order"] / med["bucketed"]}
    print(f"{name}: padded {row['padded']:.0f}/s, input order packed {row['naive']:.0f}/s, bucketed "
          f"{row['bucketed']:.0f}/s; ratios {row['ratio_padded']:.2f}, {row['ratio']:.2f}", file=sys.stderr)
    return row


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["sentiment", "ner"])
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    rows = [bench(m) for m in args.models]
    command = ("python tools/bench_bucketing.py " + " ".join(sys.argv[1:])).strip()
    lines = ["<!-- bucketing:begin -->", "## Length bucketing", "", f"`{command}`", "", machine_line(),
             f" torch threads: {torch.get_num_threads()}.", "",
             "Network time only, batches of 64, sentences/s; ratio = naive time / bucketed time (target ≥ 1.5× over "
             "naive padded batches).", "",
             "| model | test sentences | median / max words | input order, padded | input order, packed | bucketed (textrnn) "
             "| bucketed vs padded | bucketed vs packed |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['name']}` | {r['n']:,} | {r['median_len']} / {r['max_len']} | {r['padded']:,.0f} | "
                     f"{r['naive']:,.0f} | {r['bucketed']:,.0f} | **{r['ratio_padded']:.2f}×** | **{r['ratio']:.2f}×** |")
    lines.append("<!-- bucketing:end -->")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, text, "bucketing")


if __name__ == "__main__":
    main()
