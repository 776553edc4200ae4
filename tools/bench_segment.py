"""Raw text in: the segmenter and the `pos` tagger on UD English EWT test, scored as the CoNLL 2018
shared task scores systems, beside the rule-based splitting textrnn used before.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_segment.py [--segmenter segmenter] [--write docs/BENCHMARKS.md]

1. From the treebank's raw text (paragraphs as written; segment_data.py): tokens, words, sentences
   and UPOS F1 (ud_eval.py) for segmenter + `pos` and for the old rules + `pos`; and UPOS accuracy
   of `pos` on the gold words, for reference.
2. Speed on the same raw text (2 threads, mean ± 95 % CI over passes): the segmenter alone in
   characters/s (`textrnn tokenize`'s work), and segmenter + tagger end to end in words/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, publish  # noqa: E402


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
    seg_speed = rates(lambda: seg.segment(texts), chars, args.passes)
    both_speed = rates(lambda: tag_raw(seg, tagger, texts), words, args.passes)
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
              f"Speed on the same text, 2 threads, mean ± 95 % CI over {args.passes} passes: segmenter "
              f"{seg_speed[0]:,.0f} ± {seg_speed[1]:,.0f} characters/s; segmenter + `{args.tagger}` end to end "
              f"{both_speed[0]:,.0f} ± {both_speed[1]:,.0f} words/s ({words:,} words)."]
    publish(lines, "segment", args.write)


if __name__ == "__main__":
    main()
