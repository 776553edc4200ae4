"""Training curves: RUN_DIR/metrics.jsonl → RUN_DIR/curves.png.

Three panels per run, one point per epoch:
1. training loss, and the dev loss when the head reports one;
2. the dev headline metric (accuracy, F1, BLEU, perplexity ...), best epoch marked;
3. gradient norm before clipping (log scale, the clip threshold dashed) and learning rate: a norm
   that collapses towards 0 means vanishing gradients, spikes mean exploding ones;
4. how many steps of each epoch clipping rescaled (runs that log `clipped_steps`).
Panels 3 and 4 are left out for runs that did not log what they draw.

Written at the end of `textrnn train` and on demand by `textrnn plot RUN_DIR` (also during a run).

A run killed while writing a record leaves a truncated last line: it is skipped with a note. A
record without a number for a series (`train_loss`, `lr`, ...) leaves out that point of that
series, with a note for the keys every record has; a record without an `epoch` is skipped.
Anything else malformed (a binary file, a line that is not a JSON object) is an error naming the
line.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from textrnn.errors import InputError

FORMAT_HINT = "metrics.jsonl is one JSON object per epoch, as `textrnn train` writes it"


def print_note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def read_run(run_dir: Path, note=print_note) -> list[dict]:
    """The run's epoch records, each a dict with a numeric "epoch"; `note(message)` hears about
    what was skipped."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="give a run directory made by `textrnn train --out DIR`")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror})", hint="check the file's permissions") from None
    raw = data.split(b"\n")
    records, no_epoch = [], 0
    for n, line in enumerate(raw, 1):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}:{n}: not UTF-8 text (a binary file?)", hint=FORMAT_HINT) from None
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            if n == len(raw):   # no newline after it: the run was killed while writing this record
                note(f"{path}:{n}: skipped a truncated last line (a run killed while writing it)")
                continue
            raise InputError(f"{path}:{n}: not valid JSON", hint=FORMAT_HINT) from None
        if not isinstance(r, dict):
            raise InputError(f"{path}:{n}: not a JSON object but {type(r).__name__ if r is not None else 'null'}",
                             hint=FORMAT_HINT)
        if number(r.get("epoch")) is None:
            note(f"{path}:{n}: skipped a record without a numeric 'epoch'")
            no_epoch += 1
            continue
        records.append(r)
    if not records:
        if no_epoch:
            raise InputError(f"{path}: no record has a numeric 'epoch'", hint=FORMAT_HINT)
        raise InputError(f"{path}: no finished epoch yet", hint="plot again after the first epoch")
    return records


def number(x) -> float | None:
    """`x` if it is a JSON number (not a bool), else None."""
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def dev_of(r: dict) -> dict:
    return r["dev"] if isinstance(r.get("dev"), dict) else {}


def series(records: list[dict], get, name: str | None = None, note=print_note) -> tuple[list, list]:
    """(epochs, values) of the records for which `get(record)` is a number; when `name` is given,
    a note says how many records lack it (keys that every record of a run should have)."""
    xs, ys = [], []
    for r in records:
        y = number(get(r))
        if y is not None:
            xs.append(r["epoch"])
            ys.append(y)
    if name and len(ys) < len(records):
        note(f"{len(records) - len(ys)} of {len(records)} records have no numeric {name!r}; their points are left out")
    return xs, ys


def headline_of(run_dir: Path, records: list[dict]) -> str | None:
    """The metric that selected the best epoch: from model/metrics.json, else the first dev score."""
    try:
        head = json.loads((Path(run_dir) / "model" / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        head = None
    if isinstance(head, dict) and isinstance(head.get("headline"), str) and head["headline"]:
        return head["headline"]
    dev = dev_of(records[-1])
    return next((k for k in ("accuracy", "f1", "bleu", "perplexity", "loss") if k in dev), None)


def plot_run(run_dir: str | Path, out: str | Path | None = None, note=print_note) -> Path:
    """Draw RUN_DIR/metrics.jsonl into `out` (default RUN_DIR/curves.png); `note(message)` hears
    about skipped lines and missing values (default: `note: ...` on stderr)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    records = read_run(run_dir, note)
    where = run_dir / "metrics.jsonl"
    out = Path(out) if out else run_dir / "curves.png"
    headline = headline_of(run_dir, records)

    grads = series(records, lambda r: r.get("grad_norm"))
    clipped = series(records, lambda r: r.get("clipped_steps"))
    panels = 2 + bool(grads[1]) + bool(clipped[1])    # runs from before gradient norms were logged: no empty panel
    fig, axes = plt.subplots(1, panels, figsize=(4.4 * panels, 3.6), squeeze=False)
    axes = axes[0]
    ax = axes[0]
    ax.plot(*series(records, lambda r: r.get("train_loss"), "train_loss",
                    lambda m: note(f"{where}: {m}")), "o-", label="train loss")
    dev_loss = series(records, lambda r: dev_of(r).get("loss"))
    if dev_loss[1]:
        ax.plot(*dev_loss, "s-", label="dev loss")
    ax.set_xlabel("epoch")
    ax.set_title("loss")
    ax.legend()

    ax = axes[1]
    xs, ys = series(records, lambda r: dev_of(r).get(headline)) if headline else ([], [])
    finite = [y for y in ys if math.isfinite(y)]
    if finite:
        ax.plot(xs, ys, "o-", color="tab:green")
        best = min(finite) if headline in ("perplexity", "loss") else max(finite)
        ax.axhline(best, color="grey", lw=0.8, ls="--")
        ax.set_title(f"dev {headline} (best {best:.4g})")
    else:
        ax.set_title("no dev scores")
    ax.set_xlabel("epoch")

    lr = series(records, lambda r: r.get("lr"), "lr", lambda m: note(f"{where}: {m}"))
    if grads[1]:
        _gradients_panel(axes[2], grads, lr, records)
    if clipped[1]:
        _clipping_panel(axes[-1], clipped, records)

    from matplotlib.ticker import MaxNLocator

    for a in axes:
        a.grid(alpha=0.3)
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(run_title(run_dir), fontsize=10)
    fig.tight_layout()
    tmp = out.with_name(out.name + ".tmp")
    fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    tmp.replace(out)
    return out


def run_title(run_dir: Path) -> str:
    """What was trained, from the run's model/config.json (task, cell, size), else the run's folder name —
    never an absolute path, which says where the run lives on one machine and nothing about it."""
    try:
        cfg = json.loads((run_dir / "model" / "config.json").read_text(encoding="utf-8"))
        task, m = cfg["task"], cfg["model"]
        layers = m.get("num_layers", 1)
        shape = (f"{m['cell'].upper()}, {layers} layer{'s' * (layers > 1)} of {m['hidden_size']}"
                 + (", bidirectional" if m.get("bidirectional") else ""))
        return f"{run_dir.resolve().name}: {task}, {shape}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return run_dir.resolve().name


def _gradients_panel(ax, grads, lr, records) -> None:
    """Gradient norm (log scale, left axis) and learning rate (right axis), one legend for both. A
    learning rate that never changes is drawn on an axis from 0, not magnified into a slope of noise."""
    lines = ax.semilogy(grads[0], [max(y, 1e-12) for y in grads[1]], "o-", color="tab:red",
                        label="gradient norm (mean before clipping)")
    clip = next((number(r.get("clip")) for r in reversed(records) if number(r.get("clip"))), None)
    if clip:
        lines += [ax.axhline(clip, color="tab:red", ls="--", lw=0.8, label=f"clip = {clip:g}")]
    ax.set_ylabel("gradient norm")
    ax.set_xlabel("epoch")
    ax.set_title("gradients and learning rate")
    if lr[1]:
        ax2 = ax.twinx()
        lines += ax2.plot(*lr, ":", color="tab:purple", label="learning rate (right axis)")
        lo, hi = min(lr[1]), max(lr[1])
        if hi > 0 and hi - lo <= 0.01 * hi:        # constant: show it as the flat line it is
            ax2.set_ylim(0, 1.5 * hi)
        ax2.set_ylabel("learning rate (end of epoch)")
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="best")


def _clipping_panel(ax, clipped, records) -> None:
    """How many optimisation steps of each epoch had a gradient norm above `clip` (and were rescaled)."""
    steps = {r["epoch"]: number(r.get("step")) for r in records}
    xs, ys = clipped
    ax.bar(xs, ys, color="tab:orange", width=0.6)
    per_epoch = [steps.get(x) for x in xs]
    if all(per_epoch):   # the record's "step" is cumulative: the steps of epoch e are step_e − step_{e−1}
        totals = [b - a for a, b in zip([0.0] + per_epoch[:-1], per_epoch)]
        for x, y, n in zip(xs, ys, totals):
            ax.annotate(f"{y:g}/{n:g}", (x, y), ha="center", va="bottom", fontsize=7, xytext=(0, 2),
                        textcoords="offset points")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("steps clipped")
    clip = next((number(r.get("clip")) for r in reversed(records) if number(r.get("clip"))), None)
    ax.set_title(f"gradient clipping at {clip:g}: steps rescaled" if clip else "gradient clipping (off)")
