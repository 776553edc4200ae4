"""The figures of `textrnn inspect`: matplotlib with the Agg backend (no display needed), each PNG
written beside its name as NAME.tmp and renamed into place, so a half-written file is never left.

`textrnn translate --plot-attention` draws its own heatmaps (textrnn/commands/translate.py);
`inspect attention`'s adds a title saying what the picture is.
"""

from __future__ import annotations

import math
from pathlib import Path

ARROWS = {"forward": "→", "backward": "←"}


# Korean tokens on the axes: matplotlib falls back from font to font (3.6+), so Hangul is drawn by
# the first of these that is installed (`make install` adds Debian's fonts-nanum where it can)
FONTS = ["DejaVu Sans", "NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum"]


def _pyplot():
    import logging

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = FONTS
    # each fallback font of FONTS that is not installed logs "findfont: Font family ... not found"
    # once per label drawn: thousands of lines on stderr, about fonts we only try
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
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
    """Tokens as x tick labels (every k-th one for a long text, so they stay readable). Words are
    slanted so that long ones fit; a character model's one-character labels stand upright, since
    a slanted `␣` reads as a `u`."""
    step = max(1, math.ceil(len(tokens) / 70))
    ticks = list(range(0, len(tokens), step))
    labels = [tokens[i] for i in ticks]
    if max(map(len, labels), default=0) <= 2:
        ax.set_xticks(ticks, labels, rotation=0, ha="center", fontsize=10)
    else:
        ax.set_xticks(ticks, labels, rotation=60, ha="right", fontsize=9)
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


def plot_gates(result: dict, rows: list[dict], tokens: list[str], units: int, title: str, path: Path,
               sort: str = "variance") -> None:
    """One column per direction of a layer; one heatmap per gate (units × tokens), then the
    candidate (g_t or n_t, in −1 … 1), then the norms of h_t (and of the LSTM's cell state c_t)
    per token. Each heatmap shows `units` units chosen by `select_units(…, sort)`, labelled with
    their numbers: with "variance" each heatmap has its own units, those that change most."""
    from textrnn.inspect import select_units

    plt = _pyplot()
    names, D, T = result["gates"], result["hidden_size"], len(tokens)
    shown_units = min(units, D)
    maps = [(n, f"{n} gate", "viridis", 0, 1) for n in names] + [("candidate", "candidate", "RdBu_r", -1, 1)]
    fig, axes = plt.subplots(len(maps) + 1, len(rows), squeeze=False, sharex="col", layout="constrained",
                             figsize=(len(rows) * _width(T, lo=6, hi=16), 1.3 + 0.045 * shown_units * len(maps) + 2.6),
                             height_ratios=[max(1.0, shown_units / 24)] * len(maps) + [1.2])
    images = {}
    for j, d in enumerate(rows):
        for i, (name, label, cmap, lo, hi) in enumerate(maps):
            ax = axes[i, j]
            values = d[name] if name == "candidate" else d["gates"][name]        # (T, D)
            chosen = select_units(values, shown_units, sort)                     # (U,)
            images[cmap] = ax.imshow(values[:, chosen].T.numpy(), cmap=cmap, vmin=lo, vmax=hi, aspect="auto",
                                     interpolation="nearest")                    # (U, T)
            step = max(1, math.ceil(len(chosen) / 12))
            ax.set_yticks(range(0, len(chosen), step), [str(int(u)) for u in chosen[::step]], fontsize=7)
            ax.set_ylabel(f"{label}\nunit", fontsize=9)
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
    fig.colorbar(images["viridis"], ax=axes[:-2, :].ravel().tolist(), shrink=0.9, label="gate value (0 closed, 1 open)")
    fig.colorbar(images["RdBu_r"], ax=axes[-2, :].ravel().tolist(), shrink=0.9, label="candidate")
    which = (f"in each heatmap the {shown_units} of {D} units that vary most over the text, most first"
             if sort == "variance" and shown_units < D else
             "units sorted by how much they vary over the text" if sort == "variance" else
             f"units 0–{shown_units - 1} of {D}")
    convention = "; update = 1 keeps the past" if result["cell"] == "gru" else ""
    fig.suptitle(f"{title}\n{result['cell'].upper()} gates: {which}{convention}", fontsize=11)
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


def plot_attention(rec: dict, title: str, path: Path) -> None:
    """One heatmap of attention weights: a row per translated piece, a column per source piece."""
    plt = _pyplot()
    src, tgt, weights = rec["source_pieces"], rec["target_pieces"], rec["attention"]
    fig, ax = plt.subplots(figsize=(max(5, 0.45 * len(src) + 2), max(3.5, 0.4 * len(tgt) + 2)), layout="constrained")
    image = ax.imshow(weights, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(src)), src, rotation=60, ha="right", fontsize=9)
    ax.set_yticks(range(len(tgt)), tgt, fontsize=9)
    ax.set_xlabel("source piece")
    ax.set_ylabel("translation piece (one decoder step per row)")
    fig.colorbar(image, ax=ax, fraction=0.04, label="attention weight (each row sums to 1)")
    ax.set_title(title, fontsize=10)
    save(fig, path)


def plot_activations(funcs: dict, products: dict, steps, path: Path) -> None:
    """Left: σ, tanh and their derivatives. Right: the product of n derivatives against n (log scale)."""
    import torch

    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    a = torch.linspace(-6, 6, 601)
    colours = {"σ": "tab:blue", "tanh": "tab:orange"}
    for name, (f, df) in funcs.items():
        left.plot(a, f(a), color=colours[name], lw=2, label=f"{name}(a)")
        left.plot(a, df(a), color=colours[name], lw=1.6, ls="--", label=f"{name}'(a)")
    left.axhline(0.25, color="tab:blue", lw=0.6, ls=":")
    left.annotate("σ' ≤ 0.25", (2.2, 0.27), color="tab:blue", fontsize=9)
    left.set_xlabel("pre-activation a")
    left.set_title("activations (solid) and their derivatives (dashed)", fontsize=10)
    left.legend(fontsize=9, loc="lower right")
    n = list(range(1, max(steps) + 1))
    for name in funcs:
        best, typical = products[name][1]
        left_best, left_typ = math.log(best), math.log(typical)
        right.plot(n, [math.exp(k * left_best) for k in n], color=colours[name], lw=2, label=f"{name}': best (a = 0)")
        right.plot(n, [math.exp(k * left_typ) for k in n], color=colours[name], lw=1.6, ls="--",
                   label=f"{name}': typical (a ~ N(0, 1))")
    right.set_yscale("log")
    right.set_xlabel("n: steps back through time")
    right.set_ylabel("product of n derivatives")
    right.set_title("why gradients vanish: a product of numbers below 1", fontsize=10)
    right.legend(fontsize=9)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    fig.suptitle("σ and tanh, and what backpropagation through time multiplies", fontsize=11)
    save(fig, path)
