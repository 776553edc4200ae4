"""`textrnn benchmark speed`: how fast a model runs on this machine, with a confidence interval.

Like spaCy's `benchmark speed`: load the model, run one warm-up pass over the data (the first pass
pays for lazy initialisation and cold caches), then `passes` timed passes. Each pass gives one
throughput; we report their mean and the half-width of its 95 % confidence interval (Student's t),
so a reader can tell a real difference from this machine's noise.

What is counted, by task (the unit a user of that command cares about):
- classify:  sentences/s (and words/s), raw text in, labels out (`textrnn classify`);
- tag:       words/s, raw text in, tags out (`textrnn tag`);
- lm:        tokens/s scored (`textrnn evaluate`'s perplexity pass);
- translate: sentences/s translated with the model's default beam (`textrnn translate`).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from textrnn.errors import InputError

T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262,
       15: 2.145, 20: 2.093, 30: 2.045}  # Student's t, 97.5th percentile, by sample size


def mean_ci(xs: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95 % confidence interval."""
    if len(xs) < 2:
        return xs[0], float("nan")
    t = T95.get(len(xs)) or T95[max(k for k in T95 if k <= len(xs))]
    return statistics.mean(xs), t * statistics.stdev(xs) / len(xs) ** 0.5


def default_data(predictor) -> tuple[str, list[str]]:
    """The model's own test (else dev) data from its training record, as raw input lines."""
    from textrnn.config import corpora_dir, resolve_data_path
    from textrnn.heads import head_module

    data = (predictor.metrics.get("data") or {})
    spec = data.get("test") or data.get("dev")
    if not spec:
        raise InputError("no --data given and the model's own test data cannot be found",
                         hint="give --data FILE (one input per line), or export TEXTRNN_CORPORA for the shipped models")
    head = head_module(predictor.task)
    specs = [spec] if isinstance(spec, str) else spec   # a split may list several files
    if any(s.startswith("corpora:") for s in specs) and corpora_dir() is None:
        raise InputError("no --data given and the model's own test data cannot be found",
                         hint="give --data FILE (one input per line), or export TEXTRNN_CORPORA for the shipped models")
    examples = [e for s in specs for e in head.read_data(resolve_data_path(s))]
    spec = " + ".join(specs)
    if predictor.task == "classify":
        texts = [t for _, t in examples]
    elif predictor.task == "tag":
        texts = [" ".join(tokens) for tokens, _ in examples]
    elif predictor.task == "translate":
        texts = [s for s, _ in examples]
    else:
        texts = examples
    return spec, texts


def runner(predictor, texts: list[str], batch_size: int, tokenized: bool = False):
    """A function running one pass over `texts` and returning how many units it processed, and the unit.
    A tagger reads `tokenized` texts as their tokens, raw ones through its segmenter (as `tag` does)."""
    task = predictor.task
    if task == "classify":
        return (lambda: len(predictor.predict(texts, batch_size))), "sentences"
    if task == "tag":
        def tag_pass():
            return sum(len(r["tokens"]) for r in predictor.predict(texts, batch_size, tokenized=tokenized) if r)
        return tag_pass, "words"
    if task == "translate":
        return (lambda: sum(r is not None for r in predictor.translate(texts, batch_size=batch_size))), "sentences"
    return (lambda: predictor.score(texts, batch_size=batch_size)["n"]), "tokens"


def speed(model: str, data: Path | None = None, batch_size: int | None = None, passes: int = 10,
          limit: int = 0) -> dict:
    import torch

    import textrnn
    from textrnn.data import iter_lines
    from textrnn.export import single

    if passes < 2:
        raise InputError(f"--passes must be at least 2 (for a confidence interval), got {passes}")
    predictor = textrnn.load(model)
    if data is not None:
        source, texts = str(data), [line for _, _, line in iter_lines([str(data)])]
        if predictor.task != "lm":
            texts = [t for t in texts if t.strip()]
        else:
            texts = [t + "\n" for t in texts]
    else:
        source, texts = default_data(predictor)
    if limit:
        texts = texts[:limit]
    if not texts:
        raise InputError(f"{source}: no input lines", hint="give a file with one input per line")
    batch_size = batch_size or {"classify": 64, "tag": 64, "lm": 1, "translate": 32}[predictor.task]   # lm: one stream
    run, unit = runner(predictor, texts, batch_size, tokenized=data is None)   # the model's own data: gold tokens
    precision = getattr(single(predictor), "precision", "fp32")
    print(f"{model}: {predictor.task}, {len(texts):,} inputs from {source}, batch {batch_size}, "
          f"{torch.get_num_threads()} threads, {precision}; warm-up, then {passes} passes", file=sys.stderr)
    run()  # warm-up
    rates = []
    for _ in range(passes):
        t0 = time.perf_counter()
        n = run()
        rates.append(n / (time.perf_counter() - t0))
    mean, half = mean_ci(rates)
    return {"model": model, "task": predictor.task, "data": source, "inputs": len(texts), "batch_size": batch_size,
            "threads": torch.get_num_threads(), "precision": precision, "unit": f"{unit}/s", "mean": mean, "ci95": half,
            "median": statistics.median(rates), "passes": rates, "torch": torch.__version__}
