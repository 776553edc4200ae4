"""Sentiment across kinds of text: each model on film snippets, long film reviews, product reviews
and tweets, in one run with tf-idf + logistic regression trained on the same mixed data.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_sentiment.py [--model sentiment ...]
        [--readings] [--write docs/BENCHMARKS.md]

1. Accuracy on the test sets: SST-2 sentences, IMDB reviews, Amazon product reviews (the four
   domains together, and each), SemEval-2017 tweets (the polar ones: negative and positive; macro-F1
   too), and the 42 sentences of `tests/fixtures/sentiment_hard.tsv` (negation, contrast, intensity),
   and on the four dev sets together (what selects).
2. tf-idf + logistic regression trained on the candidate's mixed training data (the same files, the
   same repeats, the polar tweets), its n-grams and C chosen on the four dev sets together.
3. Speed: sentences/s on the SST-2 test text, raw text in, labels out (2 threads, mean ± 95 % CI),
   in the precision the model predicts in on this machine (textrnn/runtime.py); the first model is
   also scored and timed in fp32 if it runs in bfloat16, and timed as textrnn ran it before
   (fp32, one batch at a time over both threads), in the same run: the rows' ratios are the gains.
4. With `--readings`: the first model's IMDB dev accuracy and speed with other readings of long
   reviews applied to the same weights at prediction time (head, head + tail, chunks).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import (corpora, in_precision, machine_line, one_batch_at_a_time, publish, speed, tune_tfidf,  # noqa: E402
                          with_reading)

POLAR = ("negative", "positive")
TRAIN = [("sst2/train_phrases.tsv", 1), ("imdb/train.tsv.gz", 1), ("amazon_reviews/train.tsv", 3),
         ("semeval_tweets/train.tsv", 1)]
DEV = ["sst2/dev.tsv", "imdb/dev.tsv", "amazon_reviews/dev.tsv", "semeval_tweets/dev.tsv"]
TESTS = {"SST-2": "sst2/test.tsv", "IMDB": "imdb/test.tsv.gz", "Amazon": "amazon_reviews/test.tsv",
         "books": "amazon_reviews/test.books.tsv", "dvd": "amazon_reviews/test.dvd.tsv",
         "electronics": "amazon_reviews/test.electronics.tsv", "kitchen": "amazon_reviews/test.kitchen.tsv",
         "tweets": "semeval_tweets/test.tsv"}
HARD = ROOT / "tests/fixtures/sentiment_hard.tsv"
READINGS = [("head", 128, 0), ("head", 256, 0), ("head", 400, 0), ("head_tail", 256, 0), ("head_tail", 400, 0),
            ("head_tail", 800, 0), ("chunks", 1024, 256)]


def read(rel: str | Path) -> list[tuple[str, str]]:
    from textrnn.data import read_labelled_tsv

    path = rel if isinstance(rel, Path) else corpora() / rel
    return [(l, t) for l, t in read_labelled_tsv(path) if l in POLAR]


def score(gold: list[str], pred: list[str]) -> dict:
    from textrnn.metrics import classification_report

    r = classification_report(gold, pred, list(POLAR))
    return {"accuracy": r["accuracy"], "macro_f1": r["macro_f1"], "n": r["n"]}


def labels(predictor, texts: list[str]) -> list[str]:
    return [r["label"] if r else "positive" for r in predictor.predict(texts)]


def evaluate(predict, sets: dict) -> dict:
    return {name: score([l for l, _ in ex], predict([t for _, t in ex])) for name, ex in sets.items()}


def main() -> None:
    import torch

    import textrnn
    from textrnn.bundle import resolve_model

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", nargs="+", default=["sentiment"], help="models (names or directories), first = the candidate")
    ap.add_argument("--readings", action="store_true", help="also compare readings of long reviews (IMDB dev)")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="at most N examples per set (a quick look; not for the report)")
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(2)

    cap = (lambda xs: xs[: args.limit]) if args.limit else (lambda xs: xs)  # noqa: E731
    sets = {name: cap(read(rel)) for name, rel in TESTS.items()} | {"hard sentences": read(HARD)}
    dev = [ex for rel in DEV for ex in cap(read(rel))]
    sets["dev (all four)"] = dev
    print("tf-idf + logistic regression", file=sys.stderr)
    from sklearn.linear_model import LogisticRegression

    train = [ex for rel, times in TRAIN for ex in cap(read(rel)) * times]
    predict, setting = tune_tfidf(train, dev, lambda c: LogisticRegression(C=c, max_iter=3000), [1, 3, 10], min_df=2)
    rows = [(f"tf-idf + logistic regression ({setting}; same mixed training data)", evaluate(predict, sets), None, None)]
    sst_text = [t for _, t in sets["SST-2"]]
    for name in args.model:
        p = textrnn.load(name)
        print(f"{name}: scoring", file=sys.stderr)
        size = sum(f.stat().st_size for f in resolve_model(name).rglob("*") if f.is_file()) / 1e6
        rows.append((f"textrnn `{name}` ({getattr(p, 'precision', 'fp32')})", evaluate(lambda texts: labels(p, texts), sets),
                     speed(p, sst_text, args.passes), size))
        if name == args.model[0]:   # the same weights in fp32, and as textrnn ran them before, in the same run
            q = in_precision(p, "fp32")
            if getattr(p, "precision", "fp32") != "fp32":
                print(f"{name} in fp32: scoring", file=sys.stderr)
                rows.append((f"textrnn `{name}` (fp32: TEXTRNN_PRECISION=fp32)", evaluate(lambda texts: labels(q, texts), sets),
                             speed(q, sst_text, args.passes), size))
            with one_batch_at_a_time():
                print(f"{name} in fp32, one batch at a time: timing", file=sys.stderr)
                rows.append((f"`{name}` as textrnn ran it before (fp32, one batch at a time; same labels as fp32)", None,
                             speed(q, sst_text, args.passes), size))
    readings = []
    if args.readings and hasattr(textrnn.load(args.model[0]), "members"):
        print("note: --readings needs a single network, not an ensemble: skipped", file=sys.stderr)
    elif args.readings:
        p = textrnn.load(args.model[0])
        imdb_dev = read("imdb/dev.tsv")
        for reading, max_len, chunk_len in READINGS:
            q = with_reading(p, reading, max_len, chunk_len)
            acc = score([l for l, _ in imdb_dev], labels(q, [t for _, t in imdb_dev]))["accuracy"]
            readings.append((f"{reading} {max_len}" + (f" (chunks of {chunk_len})" if chunk_len else ""), acc,
                             speed(q, [t for _, t in imdb_dev], 2)))
            print(f"  reading {readings[-1]}", file=sys.stderr)
    publish(report(rows, sets, readings, args), "sentiment-domains", args.write)


def report(rows, sets, readings, args) -> list[str]:
    cols = ["SST-2", "IMDB", "Amazon", "books", "dvd", "electronics", "kitchen", "tweets", "hard sentences", "dev (all four)"]
    lines = ["## Sentiment across kinds of text", "", f"Command: `python tools/bench_sentiment.py {' '.join(sys.argv[1:])}`  ",
             machine_line(), "", "Accuracy (%) on the test sets (tweets: the polar ones; macro-F1 after the slash); "
             "`hard sentences`: tests/fixtures/sentiment_hard.tsv; the last column is the four dev sets together. "
             "Speed: SST-2 test sentences/s, raw text in, labels out, 2 threads.", "",
             "| system | " + " | ".join(f"{c} (n = {len(sets[c]):,})" for c in cols) + " | sentences/s | size |",
             "|---|" + "---|" * (len(cols) + 2)]
    for name, r, sp, size in rows:
        cells = [f"{100 * r[c]['accuracy']:.2f}" + (f" / {100 * r[c]['macro_f1']:.2f}" if c == "tweets" else "")
                 if r else "" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " | " + (f"{sp[0]:,.0f} ± {sp[1]:,.0f}" if sp else "") + " | "
                     + (f"{size:.1f} MB" if size else "") + " |")
    if readings:
        lines += ["", f"Reading long reviews: `{args.model[0]}`'s weights with each reading at prediction time (IMDB dev):", "",
                  "| reading (pieces) | IMDB dev accuracy | IMDB dev reviews/s |", "|---|---|---|"]
        lines += [f"| {n} | {100 * a:.2f} | {sp[0]:,.0f} ± {sp[1]:,.0f} |" for n, a, sp in readings]
    return lines


if __name__ == "__main__":
    main()
