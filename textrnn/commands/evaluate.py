"""`textrnn evaluate MODEL DATA`: the task's standard scores on labelled data."""

from __future__ import annotations

from textrnn.errors import InputError


def evaluate_model(model: str, data: str, batch_size: int | None = None) -> dict:
    import re
    from pathlib import Path

    import textrnn
    from textrnn.heads import head_module

    path = re.sub(r"\[[\d.%]*:[\d.%]*\]$", "", data)  # a language model's FILE[90%:] slice
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file", hint="give labelled data in the task's corpus format")
    predictor = textrnn.load(model)
    head = head_module(predictor.task)
    options = {"batch_size": batch_size} if batch_size else {}
    scores = head.evaluate(predictor, head.read_data(data), **options)
    return {"model": model, "data": data, "task": predictor.task, **scores}


def format_scores(scores: dict) -> str:
    """A short human-readable summary (the --json output has everything)."""
    lines = [f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}"
             for k, v in scores.items() if isinstance(v, (int, float, str))]
    for label, c in scores.get("per_class", {}).items():
        lines.append(f"  {label}: precision {c['precision']:.4f} recall {c['recall']:.4f} f1 {c['f1']:.4f} support {c['support']}")
    if "confusion" in scores:
        lines.append("confusion (rows gold, columns predicted, order " + ", ".join(scores["labels"]) + "):")
        lines += ["  " + " ".join(f"{n:6d}" for n in row) for row in scores["confusion"]]
    return "\n".join(lines)
