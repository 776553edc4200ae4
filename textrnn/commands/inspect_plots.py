"""The figures of `textrnn inspect`: matplotlib with the Agg backend (no display needed), each PNG
written beside its name as NAME.tmp and renamed into place, so a half-written file is never left.

The attention heatmap is `textrnn.commands.translate.plot`, shared with `textrnn translate`.
"""

from __future__ import annotations

import math
from pathlib import Path

ARROWS = {"forward": "→", "backward": "←"}


# Korean tokens on the axes: matplotlib falls back from font to font (3.6+), so Hangul is drawn by
# the first of these that is installed (`make install` adds Debian's fonts-nanum where it can)
FONTS = ["DejaVu Sans", "NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = FONTS
    return plt


def save(fig, path: Path) -> None:
    import warnings

    plt = _pyplot()
    tmp = path.with_name(path.name + ".tmp")
    try:
        with warnings.catch_warnings():   # a glyph no installed font has is drawn as a box, not a warning
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            warnings.filterwarnings("ignore", message="findfont", category=UserWarning)
            fig.savefig(tmp, dpi=110, format="png")
    finally:
        plt.close(fig)
    tmp.replace(path)


def _width(T: int, lo: float = 6.0, hi: float = 24.0) -> float:
    """Figure width in inches for T tokens along the x axis: about a third of an inch per token."""
    return min(hi, max(lo, 0.3 * T + 2.5))


def _token_axis(ax, tokens: list[str]) -> None:
    """Tokens as x tick labels (every k-th one for a long text, so they stay readable)."""
    step = max(1, math.ceil(len(tokens) / 70))
    ticks = list(range(0, len(tokens), step))
    ax.set_xticks(ticks, [tokens[i] for i in ticks], rotation=60, ha="right", fontsize=9)
    ax.set_xlim(-0.5, len(tokens) - 0.5)


def _positive(values) -> list[float]:
    """Values for a log-scale axis: zeros (a gradient that underflowed) and infinities become gaps."""
    values = values.tolist() if hasattr(values, "tolist") else values
    return [v if v > 0 and math.isfinite(v) else float("nan") for v in values]


# Where a point's label may go, in points from the point, tried in this order: (dx, dy, ha, va).
LABEL_SPOTS = [(5, 3, "left", "bottom"), (5, -3, "left", "top"), (-5, 3, "right", "bottom"),
               (-5, -3, "right", "top"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
               (9, 0, "left", "center"), (-9, 0, "right", "center")]


def label_points(ax, xs: list[float], ys: list[float], labels: list[str], fontsize: float = 9) -> None:
    """Label each point where its label covers the fewest labels and points already drawn: points
    close together (synonyms, Monday and Friday) get labels on different sides, not on top of each other."""
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.canvas.draw()                                   # settle the layout, so pixel positions are final
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    dots = [Bbox.from_bounds(px - 4, py - 4, 8, 8) for px, py in ax.transData.transform(list(zip(xs, ys)))]
    taken: list = []

    def cost(box, own: int) -> float:
        covered = sum(_overlap(box, b) for b in taken) + sum(_overlap(box, d) for k, d in enumerate(dots) if k != own)
        outside = box.width * box.height - _overlap(box, frame)
        return covered + 2 * outside

    for k, (x, y, label) in enumerate(zip(xs, ys, labels)):
        best = None
        for dx, dy, ha, va in LABEL_SPOTS:
            text = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                               ha=ha, va=va, zorder=4)
            text.set_in_layout(False)
            box = text.get_window_extent(renderer)
            c = cost(box, k)
            if best is None or c < best[0]:
                if best is not None:
                    best[1].remove()
                best = (c, text, box)
            else:
                text.remove()
            if c == 0:
                break
        taken.append(best[2])


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def plot_gates(result: dict, rows: list[dict], tokens: list[str], units: int, title: str, path: Path) -> None:
    """One column per direction of a layer; one heatmap per gate (units × tokens), then the norms of
    h_t (and of the LSTM's cell state c_t) per token."""
    plt = _pyplot()
    names, D, T = result["gates"], result["hidden_size"], len(tokens)
    shown_units = min(units, D)
    fig, axes = plt.subplots(len(names) + 1, len(rows), squeeze=False, sharex="col", layout="constrained",
                             figsize=(len(rows) * _width(T, lo=5.5, hi=16), 1.3 + 0.045 * shown_units * len(names) + 2.6),
                             height_ratios=[max(1.0, shown_units / 24)] * len(names) + [1.2])
    image = None
    for j, d in enumerate(rows):
        for i, name in enumerate(names):
            ax = axes[i, j]
            values = d["gates"][name][:, :shown_units].T.numpy()               # (units, T)
            image = ax.imshow(values, cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            ax.set_ylabel(f"{name} gate\nunit", fontsize=9)
            if i == 0:
                ax.set_title(f"layer {d['layer']}, {d['direction']} (reads {ARROWS[d['direction']]})", fontsize=10)
        ax = axes[-1, j]
        ax.plot(range(T), d["hidden_norm"].tolist(), "o-", ms=3, label=r"$\Vert h_t \Vert$ hidden state")
        if "cell_norm" in d:
            ax.plot(range(T), d["cell_norm"].tolist(), "s-", ms=3, label=r"$\Vert c_t \Vert$ cell state")
        ax.set_ylabel("norm", fontsize=9)
        ax.legend(fontsize=8, loc="best")
        ax.grid(True, alpha=0.3)
        _token_axis(ax, tokens)
    fig.colorbar(image, ax=axes[:-1, :].ravel().tolist(), shrink=0.9, label="gate value (0 closed, 1 open)")
    fig.suptitle(f"{title}\n{result['cell'].upper()} gates, units 0–{shown_units - 1} of {D}", fontsize=11)
    save(fig, path)


def plot_hidden(result: dict, tokens: list[str], title: str, path: Path) -> None:
    """Left: ‖h_t‖ per token. Right: the states projected to 2-D (PCA), joined in reading order."""
    plt = _pyplot()
    T = len(tokens)
    norms, coords, explained = result["norms"].tolist(), result["pca"].tolist(), result["explained"].tolist()
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(12, _width(T, hi=16) + 7), 5.2), layout="constrained",
                                      width_ratios=[max(1.0, T / 25), 1.3])
    colours = plt.get_cmap("viridis")([i / max(1, T - 1) for i in range(T)])
    left.bar(range(T), norms, color=colours)
    _token_axis(left, tokens)
    left.set_ylabel(r"$\Vert h_t \Vert$")
    left.set_title("size of the encoder's output after each token", fontsize=10)

    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    for i in range(T - 1):
        right.annotate("", xy=(xs[i + 1], ys[i + 1]), xytext=(xs[i], ys[i]),
                       arrowprops={"arrowstyle": "-|>", "color": "0.55", "lw": 0.9, "shrinkA": 5, "shrinkB": 5})
    points = right.scatter(xs, ys, c=range(T), cmap="viridis", s=45, zorder=3, edgecolors="white", linewidths=0.5)
    right.margins(0.15)
    right.set_xlabel(f"PC1 ({explained[0]:.0%} of the variance)")
    right.set_ylabel(f"PC2 ({explained[1]:.0%})")
    right.set_title("the state's path through the text (PCA of its states)", fontsize=10)
    right.grid(True, alpha=0.3)
    fig.colorbar(points, ax=right, label="token position", shrink=0.8)
    fig.suptitle(title, fontsize=11)
    label_points(right, xs, ys, tokens)
    save(fig, path)


def plot_synthetic_gradients(names: list[str], runs: list[dict], clip: float | None, setup: str, path: Path) -> None:
    """‖∂loss/∂h_t‖ against t on a log scale, one line per cell; with `clip`, the total gradient
    norm of each cell's parameters before and after clipping."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2 if clip else 1, squeeze=False, layout="constrained",
                             figsize=(12.5 if clip else 8, 5), width_ratios=[2, 1] if clip else None)
    ax = axes[0, 0]
    T = len(runs[0]["norms"])
    for name, r in zip(names, runs):
        ax.plot(range(T), _positive(r["norms"]), lw=1.8, label=name)
    ax.set_yscale("log")
    ax.set_xlim(0, T - 1)
    ax.set_xlabel(f"time step t (the loss reads step {T - 1} only)")
    ax.set_ylabel(r"$\Vert \partial\,\mathrm{loss} / \partial h_t \Vert$")
    ax.set_title("how much gradient reaches each step", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    if clip:
        ax = axes[0, 1]
        x = list(range(len(names)))
        before = [r["total_norm"] for r in runs]
        after = [r["clipped_norm"] for r in runs]
        ax.bar([i - 0.2 for i in x], _positive(before), width=0.4, label="before clipping", color="tab:red")
        ax.bar([i + 0.2 for i in x], _positive(after), width=0.4, label="after clipping", color="tab:blue")
        ax.axhline(clip, color="0.3", ls="--", lw=1, label=f"clip = {clip:g}")
        ax.set_yscale("log")
        ax.set_xticks(x, names, rotation=25, ha="right", fontsize=9)
        ax.set_ylabel("total gradient norm of the parameters")
        ax.set_title("gradient-norm clipping", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(f"{'Vanishing and exploding' if clip else 'Vanishing'} gradients\n{setup}", fontsize=11)
    save(fig, path)


def plot_model_gradients(result: dict, tokens: list[str], title: str, path: Path) -> None:
    """‖∂ log p / ∂h_t‖ per token on a log scale, one line per layer and direction."""
    plt = _pyplot()
    T = len(tokens)
    fig, ax = plt.subplots(figsize=(_width(T, lo=7, hi=22), 4.8), layout="constrained")
    for d in result["directions"]:
        ax.plot(range(T), _positive(d["norms"]), "o-", ms=3.5, lw=1.5,
                label=f"layer {d['layer']}, {d['direction']} (reads {ARROWS[d['direction']]})")
    ax.set_yscale("log")
    _token_axis(ax, tokens)
    ax.set_ylabel(r"$\Vert \partial \log p \,/\, \partial h_t \Vert$")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(title, fontsize=10)
    save(fig, path)


def plot_embeddings(projected: dict, title: str, path: Path) -> None:
    """The listed words at their 2-D PCA coordinates, labelled."""
    plt = _pyplot()
    coords, explained = projected["coords"].tolist(), projected["explained"].tolist()
    fig, ax = plt.subplots(figsize=(7.5, 6), layout="constrained")
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    ax.scatter(xs, ys, s=40, color="tab:blue", zorder=3)
    ax.margins(0.18)
    ax.axhline(0, color="0.85", lw=0.8, zorder=1)
    ax.axvline(0, color="0.85", lw=0.8, zorder=1)
    ax.set_xlabel(f"PC1 ({explained[0]:.0%} of the variance)")
    ax.set_ylabel(f"PC2 ({explained[1]:.0%})")
    ax.set_title(title, fontsize=11)
    label_points(ax, xs, ys, projected["words"], fontsize=11)
    save(fig, path)
