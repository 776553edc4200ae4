"""Raw text in: the segmenter and the `pos` tagger on UD English EWT test, scored as the CoNLL 2018
shared task scores systems, beside the rule-based splitting textrnn used before.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_segment.py [--segmenter segmenter] [--write docs/BENCHMARKS.md]

1. From the treebank's raw text (paragraphs as written; segment_data.py): tokens, words, sentences
   and UPOS F1 (ud_eval.py) for segmenter + `pos` and for the old rules + `pos`; and UPOS accuracy
   of `pos` on the gold words, for reference.
2. Speed on the same raw text (2 threads, mean ± 95 % CI over passes): the segmenter alone in
   characters/s (`textrnn tokenize`'s work), and segmenter + tagger end to end in words/s; as the
   models predict on this machine (textrnn/runtime.py), in fp32, and as textrnn ran them before
   (fp32, one batch at a time), in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, in_precision, machine_line, one_batch_at_a_time, publish  # noqa: E402


def rates(fn, n: int, passes: int) -> tuple[float, float]:
    from textrnn.commands.benchmark import mean_ci

    fn()   # warm-up
    out = []
    for _ in range(passes):
        t0 = time.perf_counter()
        fn()
        out.append(n / (time.perf_counter() - t0))
    return mean_ci(out)


def main() -> None:
    import torch

    import textrnn
    from textrnn.heads import tag as tag_head
    from textrnn.raw_text import RuleSegmenter, evaluate_raw, tag_raw
    from textrnn.segment_data import read_paragraphs

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segmenter", default="segmenter")
    ap.add_argument("--tagger", default="pos")
    ap.add_argument("--split", default="test", choices=["dev", "test"])
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(2)
    treebank = corpora() / f"ud_english_ewt/en_ewt-ud-{args.split}.conllu"
    tagger = textrnn.load(args.tagger, task="tag")
    seg = textrnn.load(args.segmenter, task="segment")
    rows = {}
    for name, s in ((f"`{args.segmenter}` + `{args.tagger}`", seg), (f"rules + `{args.tagger}` (before)", RuleSegmenter())):
        rows[name] = evaluate_raw(tagger, treebank, s)
        print(name, {k: round(100 * v["f1"], 2) for k, v in rows[name].items()}, file=sys.stderr)
    gold = tag_head.evaluate(tagger, tag_head.read_data(str(treebank)))["accuracy"]
    texts = [p.text for p in read_paragraphs(treebank)]
    chars = sum(len(t) for t in texts)
    words = sum(len(w["form"]) > 0 for doc in tag_raw(seg, tagger, texts) for s in doc for t in s["tokens"] for w in t["words"])
    runs = [("as shipped", seg, tagger)]
    fp32 = (in_precision(seg, "fp32"), in_precision(tagger, "fp32"))
    if (seg.precision, tagger.precision) != ("fp32", "fp32"):
        runs.append(("fp32 (TEXTRNN_PRECISION=fp32)", *fp32))
    speeds = []
    for name, s, t in runs + [("before: fp32, one batch at a time", *fp32)]:
        with one_batch_at_a_time() if name.startswith("before") else contextlib.nullcontext():
            speeds.append((f"{name}: segmenter {s.precision}, tagger {t.precision}" if not name.startswith("before") else name,
                           rates(lambda: s.segment(texts), chars, args.passes),
                           rates(lambda: tag_raw(s, t, texts), words, args.passes)))
        print(speeds[-1], file=sys.stderr)
    size = sum(f.stat().st_size for f in textrnn.bundle.resolve_model(args.segmenter).rglob("*") if f.is_file()) / 1e6
    lines = ["## Raw text in: segmenter and tagger (CoNLL 2018 scores)", "",
             f"Command: `python tools/bench_segment.py {' '.join(sys.argv[1:])}`  ", machine_line(), "",
             f"UD English EWT {args.split} ({len(texts):,} paragraphs, {chars:,} characters) from its raw text; "
             f"F1 (%) as the CoNLL 2018 shared task scores them (textrnn/ud_eval.py). Segmenter `{args.segmenter}`: "
             f"{size:.1f} MB. `{args.tagger}` on the gold words: UPOS accuracy {100 * gold:.2f}.", "",
             "| system | tokens | words | sentences | UPOS |", "|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{100 * r[k]['f1']:.2f}" for k in ("tokens", "words", "sentences", "upos")) + " |")
    lines += ["", "Published (EWT test from raw text, UD 2.x; context): Stanza tokens 99.01, sentences 81.13, UPOS 95.40; "
              "UDPipe 2 (with BERT) 99.0 / 87.55 / 96.57.", "",
              f"Speed on the same text ({words:,} words), 2 threads, mean ± 95 % CI over {args.passes} passes, "
              "in one run: the models as they predict on this machine (textrnn/runtime.py), in fp32, and as "
              "textrnn ran them before (fp32, one batch at a time over both threads).", "",
              f"| run | segmenter characters/s | segmenter + `{args.tagger}` words/s |", "|---|---|---|"]
    lines += [f"| {name} | {a[0]:,.0f} ± {a[1]:,.0f} | {b[0]:,.0f} ± {b[1]:,.0f} |" for name, a, b in speeds]
    publish(lines, "segment", args.write)


if __name__ == "__main__":
    main()
