"""`textrnn models` and `textrnn info`: what is shipped and how good it is, without importing torch."""

from __future__ import annotations

from pathlib import Path

from textrnn.bundle import read_config, read_metrics, resolve_model, shipped_models

HEADLINE = {"classify": "accuracy", "tag": "accuracy", "lm": "perplexity", "translate": "bleu"}
SHOWN = {"segment": ("tokens_f1", "sentences_f1")}   # a task whose headline is a mean of these: show them


def _size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6


def headline(task: str, metrics: dict) -> str:
    key = metrics.get("headline") or HEADLINE.get(task, "")
    for split in ("test", "dev"):
        scores = metrics.get(split) or {}
        if task in SHOWN and all(isinstance(scores.get(k), (int, float)) for k in SHOWN[task]):
            return f"{split} " + ", ".join(f"{k} {scores[k]:.4f}" for k in SHOWN[task])
        files = metrics.get(f"{split}_files") or {}   # a split of several files: each one's score
        scores = [(f.removeprefix("corpora:"), (s or {}).get(key)) for f, s in files.items()]
        if scores and all(isinstance(v, (int, float)) for _, v in scores):
            return f"{split} {key} " + ", ".join(f"{f} {v:.4f}" for f, v in scores)
        value = (metrics.get(split) or {}).get(key)
        if isinstance(value, (int, float)):
            return f"{split} {key} {value:.4f}"
    return "-"


def list_models() -> str:
    rows = [("name", "task", "size", "score")]
    for name, d in shipped_models().items():
        cfg = read_config(d)
        rows.append((name, cfg["task"], f"{_size_mb(d):.1f} MB", headline(cfg["task"], read_metrics(d))))
    if len(rows) == 1:
        return "no models are shipped with this installation"
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def model_info(model: str) -> dict:
    d = resolve_model(model)
    return {"path": str(d), "size_mb": round(_size_mb(d), 2), "config": read_config(d), "metrics": read_metrics(d)}
