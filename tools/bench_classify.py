"""Classification benchmark: shipped models vs tf-idf baselines on the same test sets.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_classify.py [--cv] [--write docs/BENCHMARKS.md]

For each shipped classifier (sentiment on SST-2, spam on SMS Spam) it reports test accuracy,
macro-F1 and the minority-class F1, the model's size and training time (from its metrics.json),
and two baselines tuned on dev: tf-idf + multinomial naive Bayes and tf-idf + logistic regression
(scikit-learn, needed by this benchmark only: `pip install scikit-learn`). `--cv` adds 5-fold
cross-validated accuracy of the spam model's config on train+dev (the spam test set has only 75
spam messages). With `--write`, the table replaces the classification section of the file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, tune_tfidf, write_section  # noqa: E402

TASKS = {  # model → corpus folder, minority/positive class whose F1 is reported
    "sentiment": ("sst2", "positive"),
    "spam": ("sms_spam", "spam"),
}


def baselines(folder: Path, cls: str) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    from textrnn.data import read_labelled_tsv
    from textrnn.metrics import classification_report

    train, dev, test = (read_labelled_tsv(folder / f"{s}.tsv") for s in ("train", "dev", "test"))
    labels = sorted({l for l, _ in train})
    out = {}
    for name, make, grid in [
        ("tf-idf + naive Bayes", lambda a: MultinomialNB(alpha=a), [0.01, 0.03, 0.1, 0.3, 1.0]),
        ("tf-idf + logistic regression", lambda c: LogisticRegression(C=c, max_iter=2000), [1, 3, 10, 30, 100]),
    ]:
        predict, setting = tune_tfidf(train, dev, make, grid)
        pred = predict([t for _, t in test])
        rep = classification_report([l for l, _ in test], pred, labels)
        out[name] = {"accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"],
                     "class_f1": rep["per_class"][cls]["f1"], "setting": setting, "n": rep["n"]}
    return out


def shipped(name: str, folder: Path, cls: str) -> dict:
    import textrnn
    from textrnn.bundle import read_metrics, resolve_model
    from textrnn.data import read_labelled_tsv
    from textrnn.heads.classify import evaluate

    d = resolve_model(name)
    model = textrnn.load(name)
    test = read_labelled_tsv(folder / "test.tsv")
    t0 = time.perf_counter()
    rep = evaluate(model, test)
    seconds = time.perf_counter() - t0
    meta = read_metrics(d)
    dev = evaluate(model, read_labelled_tsv(folder / "dev.tsv"))
    stored = meta.get("config", {}).get("train", {})
    weights = ("fp16" if stored.get("half") else "fp32") + (", int8 word vectors" if stored.get("int8_embeddings") else "")
    return {"accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"], "class_f1": rep["per_class"][cls]["f1"],
            "dev_accuracy": dev["accuracy"], "n": rep["n"], "test_sentences_per_s": rep["n"] / seconds,
            "size_mb": sum(p.stat().st_size for p in d.rglob("*") if p.is_file()) / 1e6,
            "train_seconds": meta.get("train_seconds"), "parameters": meta.get("parameters"), "weights": weights,
            "members": meta.get("ensemble", 1), "summed": "build_seconds" in meta,  # older ensembles recorded wall time
            "model": f"{meta.get('config', {}).get('model', {})}"}


def cross_validate(name: str, folder: Path, k: int = 5) -> dict:
    """k-fold accuracy of the shipped config, trained on k-1 folds of train+dev, scored on the held-out fold."""
    import tempfile

    from textrnn.config import load_toml
    from textrnn.data import read_labelled_tsv
    from textrnn.train import train

    config = load_toml(ROOT / "textrnn" / "configs" / f"{name}.toml")
    data = read_labelled_tsv(folder / "train.tsv") + read_labelled_tsv(folder / "dev.tsv")
    random.Random(0).shuffle(data)
    accs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(k):
            held = data[i::k]
            rest = [x for j, x in enumerate(data) if j % k != i]
            paths = {}
            for split, rows in (("train", rest), ("dev", held)):
                p = Path(tmp) / f"{split}{i}.tsv"
                p.write_text("".join(f"{l}\t{t}\n" for l, t in rows), encoding="utf-8")
                paths[split] = str(p)
            # the held-out fold picks the epoch too, so CV accuracy is slightly optimistic; one
            # member per fold (not the shipped ensemble) keeps this to minutes
            cfg = {**config, "data": paths, "train": {**config["train"], "half": False, "ensemble": 1}}
            final = train(cfg, Path(tmp) / f"run{i}", quiet=True)
            accs.append(final["dev"]["accuracy"])
            print(f"  fold {i + 1}/{k}: {accs[-1]:.4f}", file=sys.stderr)
    mean = sum(accs) / k
    sd = (sum((a - mean) ** 2 for a in accs) / (k - 1)) ** 0.5
    return {"folds": accs, "mean": mean, "sd": sd}


def markdown(results: dict, command: str) -> str:
    lines = ["<!-- classify:begin -->", "## Classification", "", f"Command: `{command}`  ", machine_line(), ""]
    for name, r in results.items():
        corpus, cls = TASKS[name]
        s = r["shipped"]
        lines += [f"### `{name}` ({corpus} test, n = {s['n']})", "",
                  f"| system | test accuracy | macro-F1 | {cls} F1 |", "|---|---|---|---|",
                  f"| **textrnn `{name}`** | **{100 * s['accuracy']:.2f}** | {100 * s['macro_f1']:.2f} | {s['class_f1']:.4f} |"]
        for b, v in r["baselines"].items():
            lines.append(f"| {b} ({v['setting']}, tuned on dev) | {100 * v['accuracy']:.2f} | {100 * v['macro_f1']:.2f} | {v['class_f1']:.4f} |")
        trained = f"{s['train_seconds']:.0f} s" + (f" (its {s['members']} members' times summed)" if s["summed"] else "")
        lines += ["", f"Model: {s['parameters']:,} parameters, {s['size_mb']:.1f} MB on disk ({s['weights']}); "
                  f"dev accuracy {100 * s['dev_accuracy']:.2f}; trained in {trained} on this machine; "
                  f"scores the test set at {s['test_sentences_per_s']:.0f} sentences/s.", ""]
        if "cv" in r:
            cv = r["cv"]
            lines += [f"5-fold cross-validated accuracy on train+dev of one member of the config (not the ensemble): "
                      f"{100 * cv['mean']:.2f} ± {100 * cv['sd']:.2f} "
                      f"(folds: {', '.join(f'{100 * a:.2f}' for a in cv['folds'])}).", ""]
    lines.append("<!-- classify:end -->")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=list(TASKS), choices=list(TASKS))
    ap.add_argument("--cv", action="store_true", help="also 5-fold cross-validate one member of the spam config (~5 min)")
    ap.add_argument("--write", type=Path, help="replace the classification section of this markdown file")
    args = ap.parse_args()
    results = {}
    for name in args.models:
        corpus, cls = TASKS[name]
        folder = corpora() / corpus
        print(f"{name}: scoring the shipped model and baselines on {folder}/test.tsv", file=sys.stderr)
        results[name] = {"shipped": shipped(name, folder, cls), "baselines": baselines(folder, cls)}
        if args.cv and name == "spam":
            results[name]["cv"] = cross_validate(name, folder)
    print(json.dumps(results, indent=2))
    if args.write:
        command = "python tools/bench_classify.py " + " ".join(sys.argv[1:])
        write_section(args.write, markdown(results, command), "classify")


if __name__ == "__main__":
    main()
