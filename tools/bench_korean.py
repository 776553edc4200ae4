"""The Korean models on their test sets, beside a tf-idf baseline, with their speed (issue 23).

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_korean.py [--path sentiment-ko=DIR] [--path pos-ko=DIR]
                                                                  [--write docs/BENCHMARKS.md]

- `sentiment-ko` on `nsmc/test.tsv` (40,000 reviews of movies in no other split): accuracy and
  macro-F1, beside tf-idf over character n-grams + logistic regression trained on the same
  150,000 reviews (n-gram range, within words or across them, and C chosen on dev); reviews per
  second, raw text in.
- `pos-ko` on UD Korean GSD test with the gold words (eojeol): UPOS accuracy; eojeol per second
  from raw text (the sentences' `# text`, split as `textrnn tag` splits Korean).
- How well that split (tokenizer style `ko`) finds the treebank's words from their `# text`:
  precision, recall and F1 over each sentence's multiset of words, on dev and test.
Dev selected every model; test is scored here, for the report.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.bench_spam import speed  # noqa: E402
from tools.bench_tag import words_per_second  # noqa: E402
from tools.common import corpora, machine_line, publish, tune_tfidf  # noqa: E402

GSD = "ud_korean_gsd/ko_gsd-ud-{}.conllu"


def treebank(split: str) -> list[tuple[str, list[str], list[str]]]:
    """(# text, words, UPOS) per sentence of a GSD file."""
    out, text, words, tags = [], None, [], []
    for line in (corpora() / GSD.format(split)).read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("# text = "):
            text = line[len("# text = "):]
        elif not line.strip():
            if words:
                out.append((text, words, tags))
            text, words, tags = None, [], []
        elif not line.startswith("#"):
            cols = line.split("\t")
            if cols[0].isdigit():
                words.append(cols[1])
                tags.append(cols[3])
    return out


def split_f1(sentences) -> dict:
    from textrnn.tokenizer import split_words

    tp = fp = fn = 0
    for text, gold, _ in sentences:
        g, p = Counter(gold), Counter(split_words(text, "ko"))
        hit = sum((g & p).values())
        tp, fp, fn = tp + hit, fp + sum(p.values()) - hit, fn + sum(g.values()) - hit
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def size_of(directory: Path) -> float:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 1e6


def sentiment(path: str | None, passes: int) -> dict:
    import textrnn
    from sklearn.linear_model import LogisticRegression

    from textrnn.bundle import resolve_model
    from textrnn.data import read_labelled_tsv
    from textrnn.heads.classify import evaluate

    c = corpora()
    train, dev, test = (read_labelled_tsv(c / f"nsmc/{f}") for f in ("train.tsv.gz", "dev.tsv", "test.tsv"))
    model = textrnn.load(path or "sentiment-ko", task="classify")
    scores = evaluate(model, test)
    rate, ci = speed(model, [t for _, t in test], passes)
    predict, setting = tune_tfidf(train, dev, lambda C: LogisticRegression(C=C, max_iter=2000), [1, 3, 10],
                                  ngrams=((1, 3), (2, 4), (1, 5)), analyzers=("char_wb", "char"), min_df=2)
    from textrnn.metrics import classification_report

    base = classification_report([l for l, _ in test], predict([t for _, t in test]), model.labels)
    return {"test": {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"], "n": scores["n"]},
            "dev": model.metrics.get("dev", {}), "speed": [rate, ci],
            "size_mb": size_of(resolve_model(path or "sentiment-ko")),
            "baseline": {"setting": setting, "accuracy": base["accuracy"], "macro_f1": base["macro_f1"]}}


def tagger(path: str | None, passes: int) -> dict:
    import textrnn
    from textrnn.bundle import resolve_model
    from textrnn.heads.tag import evaluate

    model = textrnn.load(path or "pos-ko", task="tag")
    test = treebank("test")
    scores = evaluate(model, [(w, t) for _, w, t in test])
    return {"test": {"accuracy": scores["accuracy"], "n": scores.get("n")}, "dev": model.metrics.get("dev", {}),
            "speed": words_per_second(model, [s for s, _, _ in test], passes),
            "size_mb": size_of(resolve_model(path or "pos-ko"))}


def markdown(r: dict, command: str) -> list[str]:
    lines = ["## Korean models (issue 23)", "", f"Command: `{command}`  ", machine_line(), ""]
    if "sentiment-ko" in r:
        s = r["sentiment-ko"]
        lines += ["### `sentiment-ko` (nsmc test, n = {:,}; target ≥ 88.0)".format(s["test"]["n"]), "",
                  "| system | test accuracy | macro-F1 |", "|---|---|---|",
                  f"| **textrnn `sentiment-ko`** | **{100 * s['test']['accuracy']:.2f}** | {100 * s['test']['macro_f1']:.2f} |",
                  f"| tf-idf + logistic regression ({s['baseline']['setting']}, tuned on dev) | "
                  f"{100 * s['baseline']['accuracy']:.2f} | {100 * s['baseline']['macro_f1']:.2f} |", "",
                  f"Model: {s['size_mb']:.1f} MB on disk; dev accuracy {100 * s['dev'].get('accuracy', float('nan')):.2f}; "
                  f"{s['speed'][0]:,.0f} ± {s['speed'][1]:,.0f} reviews/s on the test text (target ≥ 3,000).", ""]
    if "pos-ko" in r:
        p = r["pos-ko"]
        lines += ["### `pos-ko` (UD Korean GSD r2.10 test, gold words; target ≥ 96.0)", "",
                  "| model | dev UPOS | test UPOS | eojeol/s from raw text (median, min–max; target ≥ 20,000) | size |",
                  "|---|---|---|---|---|",
                  f"| `pos-ko` | {100 * p['dev'].get('accuracy', float('nan')):.2f} | **{100 * p['test']['accuracy']:.2f}** | "
                  f"{p['speed']['median']:,.0f} ({p['speed']['min']:,.0f}–{p['speed']['max']:,.0f}) | {p['size_mb']:.1f} MB |", ""]
    w = r["split"]
    lines += ["Korean raw text split into words (tokenizer style `ko`) against the treebank's words, from each "
              "sentence's `# text`: " + "; ".join(f"{k} P {100 * v['precision']:.2f} R {100 * v['recall']:.2f} "
                                                   f"F1 {100 * v['f1']:.2f}" for k, v in w.items()) + "."]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["sentiment-ko", "pos-ko"], choices=["sentiment-ko", "pos-ko"])
    ap.add_argument("--path", action="append", default=[], metavar="NAME=DIR", help="score DIR in place of shipped NAME")
    ap.add_argument("--passes", type=int, default=3, help="timed passes over the test text")
    ap.add_argument("--write", type=Path, help="replace the Korean section of this markdown file")
    args = ap.parse_args()
    paths = dict(p.split("=", 1) for p in args.path)
    r = {"split": {s: split_f1(treebank(s)) for s in ("dev", "test")}}
    if "sentiment-ko" in args.models:
        r["sentiment-ko"] = sentiment(paths.get("sentiment-ko"), args.passes)
    if "pos-ko" in args.models:
        r["pos-ko"] = tagger(paths.get("pos-ko"), args.passes)
    print(json.dumps(r, indent=1), file=sys.stderr)
    publish(markdown(r, "python tools/bench_korean.py " + " ".join(sys.argv[1:])), "korean", args.write)


if __name__ == "__main__":
    main()
