"""Training curves: RUN_DIR/metrics.jsonl → RUN_DIR/curves.png.

Three panels per run, one point per epoch:
1. training loss, and the dev loss when the head reports one;
2. the dev headline metric (accuracy, F1, BLEU, perplexity ...), best epoch marked;
3. gradient norm before clipping (log scale) and learning rate: a norm that collapses towards 0
   means vanishing gradients, spikes mean exploding ones.

Written at the end of `textrnn train` and on demand by `textrnn plot RUN_DIR` (also during a run).
"""

from __future__ import annotations

import json
from pathlib import Path

from textrnn.errors import InputError


def read_run(run_dir: Path) -> list[dict]:
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="give a run directory made by `textrnn train --out DIR`")
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise InputError(f"{path}:{n}: not valid JSON", hint="the file is one JSON object per epoch") from None
    if not records:
        raise InputError(f"{path}: no finished epoch yet", hint="plot again after the first epoch")
    return records


def headline_of(run_dir: Path, records: list[dict]) -> str | None:
    """The metric that selected the best epoch: from model/metrics.json, else the first dev score."""
    try:
        head = json.loads((Path(run_dir) / "model" / "metrics.json").read_text(encoding="utf-8")).get("headline")
        if head:
            return head
    except (OSError, ValueError):
        pass
    dev = records[-1].get("dev") or {}
    return next((k for k in ("accuracy", "f1", "bleu", "perplexity", "loss") if k in dev), None)


def plot_run(run_dir: str | Path, out: str | Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    records = read_run(run_dir)
    out = Path(out) if out else run_dir / "curves.png"
    epochs = [r["epoch"] for r in records]
    headline = headline_of(run_dir, records)

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax = axes[0]
    ax.plot(epochs, [r["train_loss"] for r in records], "o-", label="train loss")
    if all("loss" in (r.get("dev") or {}) for r in records):
        ax.plot(epochs, [r["dev"]["loss"] for r in records], "s-", label="dev loss")
    ax.set_xlabel("epoch")
    ax.set_title("loss")
    ax.legend()

    ax = axes[1]
    if headline and all(headline in (r.get("dev") or {}) for r in records):
        ys = [r["dev"][headline] for r in records]
        ax.plot(epochs, ys, "o-", color="tab:green")
        best = min(ys) if headline in ("perplexity", "loss") else max(ys)
        ax.axhline(best, color="grey", lw=0.8, ls="--")
        ax.set_title(f"dev {headline} (best {best:.4g})")
    else:
        ax.set_title("no dev scores")
    ax.set_xlabel("epoch")

    ax = axes[2]
    if all("grad_norm" in r for r in records):
        ax.semilogy(epochs, [max(r["grad_norm"], 1e-12) for r in records], "o-", color="tab:red", label="gradient norm")
        ax.set_ylabel("gradient norm (before clipping)")
    else:  # runs from before gradient norms were logged
        ax.text(0.5, 0.5, "no gradient norms logged", ha="center", va="center", transform=ax.transAxes, color="grey")
        ax.set_yticks([])
    ax2 = ax.twinx()
    ax2.plot(epochs, [r["lr"] for r in records], ":", color="tab:purple", label="learning rate")
    ax2.set_ylabel("learning rate (end of epoch)")
    ax.set_xlabel("epoch")
    ax.set_title("gradients and learning rate")

    from matplotlib.ticker import MaxNLocator

    for a in axes:
        a.grid(alpha=0.3)
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(str(run_dir), fontsize=9)
    fig.tight_layout()
    tmp = out.with_name(out.name + ".tmp")
    fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    tmp.replace(out)
    return out
