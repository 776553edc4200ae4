"""What every benchmark script shares: where the corpora are, the machine line, and rewriting
one section of docs/BENCHMARKS.md."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import sys
import time
from pathlib import Path


def corpora() -> Path:
    d = os.environ.get("TEXTRNN_CORPORA")
    if not d:
        sys.exit("error: set TEXTRNN_CORPORA to the shared corpora folder (the Makefile does)")
    return Path(d)


def machine_line() -> str:
    import torch

    return (f"Machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"Python {platform.python_version()}; date {time.strftime('%Y-%m-%d')}.")


def write_section(path: Path, section: str, name: str) -> None:
    """Replace the `<!-- name:begin -->` ... `<!-- name:end -->` block of a markdown file (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\nEvery number here was measured by the command above it.\n\n"
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def publish(lines: list[str], name: str, write: Path | None) -> None:
    """Print the `<!-- name:begin -->` ... `<!-- name:end -->` section made of `lines`, and write it
    into the markdown file `write` (if given)."""
    section = f"<!-- {name}:begin -->\n" + "\n".join(lines) + f"\n<!-- {name}:end -->"
    print(section)
    if write:
        write_section(write, section, name)


def tune_tfidf(train: list[tuple[str, str]], dev: list[tuple[str, str]], make, grid: list,
               ngrams=((1, 1), (1, 2)), analyzers=("word",), **vectorizer):
    """A tf-idf baseline tuned on dev: for each analyzer of `analyzers` (words; characters within
    words, "char_wb"; or characters across them, "char"), each n-gram range of `ngrams` and each value
    `g` of `grid`, fit `make(g)` (a scikit-learn classifier) on [(label, text)] `train`; keep the best
    on `dev`. Returns (predict(texts) → labels, "[analyzer ]ngrams A-B, g" naming the choice)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    best = None
    for analyzer in analyzers:
        for ngram in ngrams:
            vec = TfidfVectorizer(ngram_range=ngram, sublinear_tf=True, analyzer=analyzer, **vectorizer)
            xtr = vec.fit_transform([t for _, t in train])
            for g in grid:
                clf = make(g).fit(xtr, [l for l, _ in train])
                acc = (clf.predict(vec.transform([t for _, t in dev])) == [l for l, _ in dev]).mean()
                if best is None or acc > best[0]:
                    kind = {"char_wb": "characters within words, ", "char": "characters across words, "}
                    name = "" if len(analyzers) == 1 else kind.get(analyzer, f"{analyzer}, ")
                    best = (acc, vec, clf, f"{name}ngrams {ngram[0]}-{ngram[1]}, {g}")
    _, vec, clf, setting = best
    return (lambda texts: list(clf.predict(vec.transform(texts)))), setting


def speed(predictor, texts: list[str], passes: int) -> tuple[float, float]:
    from textrnn.commands.benchmark import mean_ci

    predictor.predict(texts[:256])   # warm-up
    rates = []
    for _ in range(passes):
        t0 = time.perf_counter()
        predictor.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return mean_ci(rates)


def with_reading(predictor, reading: str, max_len: int, chunk_len: int = 0):
    """The same weights, reading long texts another way (the classifier's `reading`, `max_len`, `chunk_len`)."""
    from textrnn.heads.classify import Predictor

    p = Predictor(predictor.model, predictor.tokenizer, predictor.metrics)
    p.config = dataclasses.replace(predictor.config, reading=reading, max_len=max_len,
                                   chunk_len=chunk_len or predictor.config.chunk_len)
    p.model.config = p.config
    return in_precision(p, predictor.precision)


def in_precision(predictor, precision: str):
    """The same classifier, tagger or segmenter predicting in `precision` (fp32 | bf16, as
    textrnn/runtime.py makes it)."""
    return type(predictor)(predictor.model, predictor.tokenizer, predictor.metrics, precision=precision)


@contextlib.contextmanager
def one_batch_at_a_time():
    """Predict as textrnn did before runtime.map_batches: one batch after another, each spread over
    torch's threads. For a benchmark's "before" row, measured in the same run as the "after" one."""
    from textrnn import runtime

    saved = runtime.map_batches
    runtime.map_batches = lambda fn, batches, threads=None: [fn(b) for b in batches]
    try:
        yield
    finally:
        runtime.map_batches = saved
