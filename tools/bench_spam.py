"""Spam benchmark: the `spam` model on e-mail and SMS, in one run with everything it is compared to.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_spam.py [--model spam] [--baseline-rev REV]
        [--candidates RUN/model ...] [--write docs/BENCHMARKS.md]

1. Accuracy and spam F1 on the test sets — e-mail (`email_spam/test.tsv`), each e-mail source
   (SpamAssassin, Enron-Spam) and SMS (`sms_spam/test.tsv`) — for the model and for tf-idf + naive
   Bayes and tf-idf + logistic regression trained on the same training data (SMS twice, as the
   model reads it, and e-mail; settings tuned on the same dev sets; scikit-learn is needed by this
   benchmark only).
2. Speed, `textrnn benchmark speed`'s measure (raw text in, labels out, 2 threads, mean of passes
   ± 95 % CI): e-mails/s on the e-mail test text and messages/s on the SMS test text, for the model
   and, in the same run, the model at `--baseline-rev` (the SMS-only ensemble it replaced).
3. Ordinary prose the model never saw (SST-2 test sentences, WikiText-2 test paragraphs): the
   fraction called spam. A spam model should say ham.
4. Source, not spam? The SpamAssassin test e-mails rewritten the way Enron-Spam is written
   (lowercased, punctuation split off): the fraction of predictions that change. The model's
   tokenizer normalizes both to the same text; the tf-idf baselines read them as given.
5. How long e-mails are read: the model's dev accuracy and speed with each reading applied at
   prediction time, and the `--candidates` (models trained with other readings) on the same dev sets.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, publish, speed, tune_tfidf, with_reading  # noqa: E402

READINGS = [("head", 128, 0), ("head", 256, 0), ("head", 512, 0), ("head_tail", 256, 0), ("head_tail", 512, 0),
            ("chunks", 512, 256), ("chunks", 1024, 256), ("chunks", 2048, 256)]   # reading, max_len, chunk_len


def data() -> dict:
    from textrnn.data import read_labelled_tsv

    c = corpora()
    return {
        "sms_train": read_labelled_tsv(c / "sms_spam/train.tsv"), "email_train": read_labelled_tsv(c / "email_spam/train.tsv.gz"),
        "sms_dev": read_labelled_tsv(c / "sms_spam/dev.tsv"), "email_dev": read_labelled_tsv(c / "email_spam/dev.tsv"),
        "email": read_labelled_tsv(c / "email_spam/test.tsv"),
        "spamassassin": read_labelled_tsv(c / "email_spam/test.spamassassin.tsv"),
        "enron": read_labelled_tsv(c / "email_spam/test.enron.tsv"),
        "sms": read_labelled_tsv(c / "sms_spam/test.tsv"),
    }


TESTS = ("email", "spamassassin", "enron", "sms")
SHORT = 20   # words: about an SMS's length (the SMS test messages have 15.2 words on average)


def report(gold: list[str], pred: list[str]) -> dict:
    from textrnn.metrics import classification_report

    r = classification_report(gold, pred, ["ham", "spam"])
    return {"accuracy": r["accuracy"], "spam_f1": r["per_class"]["spam"]["f1"], "n": r["n"],
            "errors": sum(g != p for g, p in zip(gold, pred))}


def baselines(d: dict) -> dict:
    """tf-idf + NB / + LR on the model's training data, settings chosen on the two dev sets together."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    train = d["sms_train"] * 2 + d["email_train"]
    dev = d["sms_dev"] + d["email_dev"]
    out = {}
    for name, make, grid in [
        ("tf-idf + naive Bayes", lambda a: MultinomialNB(alpha=a), [0.003, 0.01, 0.03, 0.1]),
        ("tf-idf + logistic regression", lambda c: LogisticRegression(C=c, max_iter=3000), [10, 30, 100]),
    ]:
        predict, setting = tune_tfidf(train, dev, make, grid, min_df=2)
        out[name] = {"setting": setting, "predict": predict,
                     **{t: report([l for l, _ in d[t]], predict([x for _, x in d[t]])) for t in TESTS}}
        print(f"  {name}: {setting}", file=sys.stderr)
    return out


def labels_of(predictor, texts: list[str]) -> list[str]:
    return [r["label"] if r else "ham" for r in predictor.predict(texts)]


def prose() -> dict:
    """Ordinary text of a third kind: SST-2 test sentences (film reviews), UD English EWT test
    sentences (web text: reviews, blogs, newsgroups, e-mail), WikiText-2 test paragraphs (as given,
    with WikiText's `@-@` / `@,@` number and hyphen marks and `<unk>`, and with those undone)."""
    import re

    from textrnn.data import read_labelled_tsv

    c = corpora()
    wiki = [l.strip() for l in (c / "wikitext2/wiki.test.tokens").read_text(encoding="utf-8").splitlines()]
    wiki = [l for l in wiki if l and not l.startswith("=")]
    plain = [" ".join(re.sub(r" @(.)@ ", r"\1", l).replace("<unk>", " ").split()) for l in wiki]
    ewt = [l[len("# text = "):] for l in (c / "ud_english_ewt/en_ewt-ud-test.conllu").read_text(encoding="utf-8").splitlines()
           if l.startswith("# text = ")]
    return {"SST-2 test sentences": [t for _, t in read_labelled_tsv(c / "sst2/test.tsv")],
            "UD English EWT test sentences": ewt,
            "WikiText-2 test paragraphs as given": wiki,
            "WikiText-2 test paragraphs, `@-@` marks and `<unk>` undone": [p for p in plain if p]}


def enron_style(text: str) -> str:
    from textrnn.tokenizer import split_punct

    return split_punct(text.lower())


def old_model(rev: str, tmp: str) -> Path:
    """textrnn/pretrained/spam as it was at git revision `rev`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "textrnn/pretrained/spam"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
    return Path(tmp) / "textrnn/pretrained/spam"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="spam")
    ap.add_argument("--baseline-rev", default="0596474", help="git revision whose shipped spam model is the speed baseline")
    ap.add_argument("--candidates", nargs="*", default=[], help="other models to score on dev (e.g. other readings)")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()

    import torch

    import textrnn

    d = data()
    model = textrnn.load(args.model)
    print("scoring the model", file=sys.stderr)
    results = {"model": {t: report([l for l, _ in d[t]], labels_of(model, [x for _, x in d[t]])) for t in TESTS}}
    print("training the baselines", file=sys.stderr)
    base = baselines(d)
    email_text, sms_text = [x for _, x in d["email"]], [x for _, x in d["sms"]]
    print("speed", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        old = textrnn.load(old_model(args.baseline_rev, tmp))
        sp = {"model": {"email": speed(model, email_text, args.passes), "sms": speed(model, sms_text, args.passes)},
              "old": {"email": speed(old, email_text, 2), "sms": speed(old, sms_text, args.passes)}}
        old_email = report([l for l, _ in d["email"]], labels_of(old, email_text))
    print("prose and source checks", file=sys.stderr)
    texts_of = prose()
    third = {name: sum(l == "spam" for l in labels_of(model, texts)) / len(texts) for name, texts in texts_of.items()}
    third_n = {name: len(texts) for name, texts in texts_of.items()}
    sa = [x for _, x in d["spamassassin"]]
    restyled = [enron_style(x) for x in sa]
    flips = {"model": sum(a != b for a, b in zip(labels_of(model, sa), labels_of(model, restyled))) / len(sa)}
    for name, b in base.items():
        flips[name] = sum(a != b_ for a, b_ in zip(b["predict"](sa), b["predict"](restyled))) / len(sa)
    # length: SMS is short and mostly ham, e-mail long and 40 % spam; cut to an SMS's length, an
    # e-mail must still be judged by what it says
    short = [(l, " ".join(x.split()[:SHORT])) for l, x in d["email"]]
    cut = {"model": report([l for l, _ in short], labels_of(model, [x for _, x in short]))}
    for name, b in base.items():
        cut[name] = report([l for l, _ in short], b["predict"]([x for _, x in short]))
    print("readings", file=sys.stderr)
    dev_email, dev_sms = d["email_dev"], d["sms_dev"]
    readings = []
    shipped_cfg = model.config
    for reading, max_len, chunk_len in READINGS:
        p = with_reading(model, reading, max_len, chunk_len)
        acc = report([l for l, _ in dev_email], labels_of(p, [x for _, x in dev_email]))["accuracy"]
        sms_acc = report([l for l, _ in dev_sms], labels_of(p, [x for _, x in dev_sms]))["accuracy"]
        name = f"{reading} {max_len}" + (f" (chunks of {chunk_len})" if reading == "chunks" else "")
        readings.append((name, acc, sms_acc, speed(p, [x for _, x in dev_email], 3)))
    model.model.config = shipped_cfg   # the shipped reading again
    cands = []
    for c in args.candidates:
        p = textrnn.load(c)
        acc = report([l for l, _ in dev_email], labels_of(p, [x for _, x in dev_email]))["accuracy"]
        sms_acc = report([l for l, _ in dev_sms], labels_of(p, [x for _, x in dev_sms]))["accuracy"]
        cands.append((c, f"{p.config.reading} {p.config.max_len}", acc, sms_acc, speed(p, [x for _, x in dev_email], 3)))

    size = sum(f.stat().st_size for f in Path(textrnn.bundle.resolve_model(args.model)).rglob("*") if f.is_file()) / 1e6
    cfg = model.config
    command = "python tools/bench_spam.py " + " ".join(sys.argv[1:])
    pct = lambda r: f"{100 * r['accuracy']:.2f} / {r['spam_f1']:.4f}"  # noqa: E731
    lines = ["## Spam on e-mail and SMS", "", f"Command: `{command}`  ", machine_line(),
             f"{torch.get_num_threads()} threads.", "",
             f"Model `{args.model}`: {cfg.cell} {cfg.hidden_size}×{1 + cfg.bidirectional}, reading `{cfg.reading}` "
             f"{cfg.max_len} tokens" + (f" in chunks of {cfg.chunk_len}" if cfg.reading == "chunks" else "")
             + f", {size:.1f} MB. Accuracy / spam F1 on the test sets (errors in brackets):", "",
             "| system | e-mail test (n = %d) | SpamAssassin (n = %d) | Enron-Spam (n = %d) | SMS test (n = %d) |"
             % tuple(results["model"][t]["n"] for t in TESTS), "|---|---|---|---|---|",
             "| **textrnn `%s`** | " % args.model + " | ".join(f"**{pct(results['model'][t])}** ({results['model'][t]['errors']})" for t in TESTS) + " |"]
    for name, b in base.items():
        lines.append(f"| {name} ({b['setting']}; same training data) | "
                     + " | ".join(f"{pct(b[t])} ({b[t]['errors']})" for t in TESTS) + " |")
    lines.append(f"| the SMS-only model it replaced (git {args.baseline_rev}) | {pct(old_email)} ({old_email['errors']}) | | | |")
    m, o = sp["model"], sp["old"]
    lines += ["", "Speed (raw text in, labels out; mean ± 95 % CI over passes, one run):", "",
              "| input | textrnn `%s` | SMS-only model it replaced | ratio |" % args.model, "|---|---|---|---|",
              f"| e-mail test text ({len(email_text):,} e-mails) | {m['email'][0]:,.0f} ± {m['email'][1]:,.0f} e-mails/s | "
              f"{o['email'][0]:,.0f} ± {o['email'][1]:,.0f} | {m['email'][0] / o['email'][0]:.2f}× |",
              f"| SMS test text ({len(sms_text):,} messages) | {m['sms'][0]:,.0f} ± {m['sms'][1]:,.0f} messages/s | "
              f"{o['sms'][0]:,.0f} ± {o['sms'][1]:,.0f} | {m['sms'][0] / o['sms'][0]:.2f}× |", "",
              "Ordinary prose it never saw, called spam: "
              + "; ".join(f"{name} {100 * f:.2f} % of {third_n[name]:,}" for name, f in third.items()) + ".", "",
              f"Source, not spam? The {len(sa)} SpamAssassin test e-mails rewritten as Enron-Spam is written "
              "(lowercased, punctuation split off): predictions changed for "
              + "; ".join(f"{name} {100 * f:.2f} %" for name, f in flips.items()) + ". "
              f"The e-mail test set cut to its first {SHORT} words (an SMS's length; the subject and the opening): "
              "accuracy / spam F1 " + "; ".join(f"{name} {pct(r)}" for name, r in cut.items())
              + f" (whole e-mails: model {pct(results['model']['email'])}).", "",
              "Reading long e-mails: the same weights with each reading at prediction time (dev sets):", "",
              "| reading (tokens) | e-mail dev accuracy | SMS dev accuracy | e-mail dev speed (e-mails/s) |", "|---|---|---|---|"]
    for name, acc, sms_acc, (rate, ci) in readings:
        shipped = name.split(" (")[0] == f"{cfg.reading} {cfg.max_len}"
        lines.append(f"| {'**' + name + '** (shipped)' if shipped else name} | {100 * acc:.2f} | {100 * sms_acc:.2f} | {rate:,.0f} ± {ci:,.0f} |")
    if cands:
        lines += ["", "Models trained with another reading (same data and settings otherwise), same dev sets:", "",
                  "| model | reading (tokens) | e-mail dev accuracy | SMS dev accuracy | e-mail dev speed (e-mails/s) |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{c}` | {r} | {100 * a:.2f} | {100 * s:.2f} | {rate:,.0f} ± {ci:,.0f} |" for c, r, a, s, (rate, ci) in cands]
    publish(lines, "spam", args.write)
    print(json.dumps({"results": results, "baselines": {k: {t: v[t] for t in TESTS} for k, v in base.items()},
                      "speed": sp, "prose": third, "flips": flips, "cut": cut}, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()
