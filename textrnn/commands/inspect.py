"""`textrnn inspect gates|gradients|embeddings|hidden|attention`: see inside a recurrent network.

Each command computes with textrnn/inspect.py (or word_vectors.py), prints a short summary on
stdout (or one JSON object with `--json`) and writes a PNG (figures: textrnn/commands/inspect_plots.py).
An existing PNG is never overwritten without `--force`; the PNG is written atomically.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from pathlib import Path

from textrnn.commands.inspect_plots import ARROWS
from textrnn.commands.output import json_line
from textrnn.errors import InputError, check_size


def check_out(out: Path, force: bool) -> Path:
    """Refuse to overwrite an existing file without --force, before any work is done."""
    from textrnn.commands.output import check_new_file

    out = check_new_file(out, "--out", force)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("plotting needs matplotlib", hint="pip install matplotlib") from None
    return out


def shown(token: str) -> str:
    """A token as it can be read in a table or on an axis: a character model's spaces and line ends
    made visible, other control and format characters written as escapes (`\\x01`): no font draws
    them, and a terminal would act on them."""
    visible = {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}.get(token, token.replace("\n", "↵"))
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c)[0] == "C" and ord(c) < 0x100
                   else f"\\u{ord(c):04x}" if unicodedata.category(c)[0] == "C" else c for c in visible)


def num(x: float) -> float:
    """A number for JSON: 4 significant digits (gradient norms span 1e-20 … 1e9)."""
    x = float(x)
    return x if not math.isfinite(x) or x == 0 else float(f"{x:.4g}")


def nums(t) -> list[float]:
    return [num(v) for v in t.tolist()]


def _read(model: str, text: str, out: Path, force: bool):
    """Check the cheap things first (the text, the model's name, --out), then load and read."""
    from textrnn.bundle import resolve_model
    from textrnn.inspect import check_text

    check_text(text)
    resolve_model(model)
    out = check_out(out, force)
    return _read_model(model, text), out


def _read_model(model: str, text: str):
    """Load the model and read the text as it does (for commands that draw nothing)."""
    import textrnn
    from textrnn.bundle import resolve_model
    from textrnn.inspect import check_text, read

    check_text(text)
    resolve_model(model)
    reading = read(textrnn.load(model), text)
    if reading.unknown:
        print(f"note: not in the model's vocabulary (read as <unk>): {', '.join(map(shown, reading.unknown))}",
              file=sys.stderr)
    return reading


def _emit(summary: dict, text: str, as_json: bool, out: Path | None) -> None:
    if as_json:
        print(json_line(summary))   # never NaN or Infinity: not JSON
    else:
        print(text)
    if out is not None:
        print(f"wrote {out}", file=sys.stderr)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header] + rows)


def _prediction(reading) -> str:
    who = f"member 1 of {reading.members} " if reading.members > 1 else ""
    what = reading.prediction if len(reading.prediction) <= 80 else reading.prediction[:79] + "…"
    return f"{who}predicts {what} (p = {reading.probability:.3f})"


# -- gates ------------------------------------------------------------------------------------
UNIT_ORDERS = ("variance", "index")   # --sort: which units a gate heatmap shows (textrnn.inspect.select_units)


def gates(model: str, text: str, out: Path, force: bool = False, as_json: bool = False,
          layer: int = 0, units: int = 32, sort: str = "variance") -> None:
    from textrnn.commands.inspect_plots import plot_gates
    from textrnn.inspect import gate_activations

    if units < 1:
        raise InputError(f"--units {units}: must be at least 1")
    if sort not in UNIT_ORDERS:
        raise InputError(f"unknown --sort {sort!r}; choose one of: {', '.join(UNIT_ORDERS)}",
                         hint="--sort variance shows the units that change most over the text; --sort index units 0, 1, 2 ...")
    reading, out = _read(model, text, out, force)
    L = reading.encoder.config.num_layers
    if not 0 <= layer < L:
        raise InputError(f"--layer {layer}: this encoder has {L} layer{'s' * (L > 1)}, 0 to {L - 1}")
    result = gate_activations(reading)
    shown_rows = [d for d in result["directions"] if d["layer"] == layer]
    plot_gates(result, shown_rows, [shown(t) for t in reading.tokens], units,
               f"{model}: {_prediction(reading)}", out, sort)

    names = result["gates"]
    header, rows = ["token"], [[shown(t)] for t in reading.tokens]
    for d in shown_rows:
        arrow = ARROWS[d["direction"]]
        cols = [(f"{n} {arrow}", d["gates"][n].mean(1), "{:.3f}") for n in names]      # the mean over units
        if "cell_norm" in d:
            cols.append((f"‖c‖ {arrow}", d["cell_norm"], "{:.2f}"))
        else:
            cols.append((f"‖h‖ {arrow}", d["hidden_norm"], "{:.2f}"))
        for name, values, fmt in cols:
            header.append(name)
            for row, v in zip(rows, values.tolist()):
                row.append(fmt.format(v))
    D = result["hidden_size"]
    layers = f"{L} layers, layer {layer} shown" if L > 1 else "1 layer"
    U = min(units, D)
    picked = (f"the {U} units that vary most over the text, per gate" if sort == "variance" and U < D else
              "all units, those that vary most over the text first" if sort == "variance" else f"units 0–{U - 1}")
    text_out = (f"{model}: {result['cell']}, {layers}, {D} units per direction; {_prediction(reading)}\n"
                f"gate values are means over the {D} units (0: closed, 1: open)"
                + ("; update = 1 keeps the past (torch's convention, see cells.py)" if result["cell"] == "gru" else "")
                + f"; the picture shows {picked}\n"
                f"the reference cells match the model's fused kernels to {result['max_diff']:.1e}\n"
                + _table(header, rows))
    summary = {"model": model, "task": reading.task, "cell": result["cell"], "tokens": reading.tokens,
               "prediction": reading.prediction, "probability": num(reading.probability), "hidden_size": D,
               "max_diff": num(result["max_diff"]), "layer_plotted": layer, "units_plotted": min(units, D),
               "unit_order": sort,
               "directions": [{"layer": d["layer"], "direction": d["direction"],
                               "mean": {n: nums(d["gates"][n].mean(1)) for n in names},
                               **({"cell_norm": nums(d["cell_norm"])} if "cell_norm" in d else {}),
                               "hidden_norm": nums(d["hidden_norm"])} for d in result["directions"]],
               "png": str(out)}
    _emit(summary, text_out, as_json, out)


# -- hidden states ----------------------------------------------------------------------------
def hidden(model: str, text: str, out: Path, force: bool = False, as_json: bool = False,
           direction: str = "both") -> None:
    from textrnn.commands.inspect_plots import plot_hidden
    from textrnn.inspect import HIDDEN_DIRECTIONS, hidden_states

    if direction not in HIDDEN_DIRECTIONS:
        raise InputError(f"unknown --direction {direction!r}; choose one of: {', '.join(HIDDEN_DIRECTIONS)}",
                         hint="--direction forward shows the left-to-right reader's states alone")
    reading, out = _read(model, text, out, force)
    result = hidden_states(reading, direction)
    ex = result["explained"].tolist()
    size = result["states"].size(1)
    two_way = reading.encoder.config.directions == 2
    what = {"both": "the encoder's output per token" + (" (→ and ← joined)" if two_way else ""),
            "forward": "the forward (→) half of the encoder's output per token",
            "backward": "the backward (←) half of the encoder's output per token"}[direction]
    plot_hidden(result, [shown(t) for t in reading.tokens], f"{model}: {what}; {_prediction(reading)}", out)
    rows = [[shown(t), f"{n:.3f}", f"{x:+.3f}", f"{y:+.3f}"]
            for t, n, (x, y) in zip(reading.tokens, result["norms"].tolist(), result["pca"].tolist())]
    note = ("\n→ has read the text up to each token, ← the text from the end back to it; "
            "--direction forward shows → alone" if two_way and direction == "both" else "")
    text_out = (f"{model}: {what} ({size} numbers each); {_prediction(reading)}{note}\n"
                f"PC1 and PC2 explain {ex[0]:.0%} and {ex[1]:.0%} of how this text's states vary\n"
                + _table(["token", "‖h‖", "PC1", "PC2"], rows))
    summary = {"model": model, "task": reading.task, "tokens": reading.tokens, "prediction": reading.prediction,
               "probability": num(reading.probability), "direction": direction, "size": size,
               "norms": nums(result["norms"]), "pca": [nums(p) for p in result["pca"]],
               "explained": nums(result["explained"]), "png": str(out)}
    _emit(summary, text_out, as_json, out)


# -- gradients --------------------------------------------------------------------------------
def gradients(cell: str | None, length: int, clip: float | None, model: str | None, text: str | None,
              out: Path, force: bool = False, as_json: bool = False, hidden_size: int = 64, seed: int = 0,
              forget_bias: float = 0.0) -> None:
    if not math.isfinite(forget_bias):
        raise InputError(f"--forget-bias {forget_bias}: must be a finite number", hint="e.g. --forget-bias 1 "
                         "(Jozefowicz et al. 2015); 0 leaves torch's initialisation")
    if clip is not None and not (clip > 0 and math.isfinite(clip)):
        raise InputError(f"--clip {clip}: must be a positive number", hint="e.g. --clip 1")
    if (model is None) != (text is None):
        raise InputError("--model and --text go together", hint='textrnn inspect gradients --model sentiment '
                         '--text "not a good film"; without both, the synthetic task')
    if model is not None:
        if cell is not None:
            raise InputError("--cell is for the synthetic task; with --model the model's own cell is used")
        return _model_gradients(model, text, clip, out, force, as_json)
    check_size("--length", length, 2, MAX_STEPS, hint="a few hundred steps already show gradients vanish")
    check_size("--hidden", hidden_size, 1, MAX_HIDDEN, hint="the picture is the same at 64 units")
    return _synthetic_gradients(cell or "all", length, clip, out, force, as_json, hidden_size, seed, forget_bias)


MAX_STEPS = 1_000    # synthetic task bounds: memory and time grow with steps × hidden size (issue 20, row 7:
MAX_HIDDEN = 256     # 5,000 × 1,024 passed 8 GB; 500 × 256 took 0.8 GB and 4 minutes on a busy machine)
EXPLODE = 4.0   # --clip adds a plain RNN with its recurrent weights ×4: its gradients explode


def _synthetic_gradients(cell, length, clip, out, force, as_json, hidden_size, seed, forget_bias):
    from textrnn.commands.inspect_plots import plot_synthetic_gradients
    from textrnn.inspect import synthetic_gradients

    out = check_out(out, force)
    cells = ["rnn", "gru", "lstm"] if cell == "all" else [cell]
    runs = [(c, synthetic_gradients(c, length, hidden_size, seed=seed, clip=clip, forget_bias=forget_bias))
            for c in cells]
    if clip is not None:
        runs.append((f"rnn, W_hh ×{EXPLODE:g}",
                     synthetic_gradients("rnn", length, hidden_size, seed=seed, clip=clip, recurrent_scale=EXPLODE)))
    names = [n if n != "lstm" or not forget_bias else f"lstm, forget bias +{forget_bias:g}" for n, _ in runs]
    setup = f"a loss on the last of {length} steps; hidden size {hidden_size}, 16 random sequences, seed {seed}"
    plot_synthetic_gradients(names, [r for _, r in runs], clip, setup, out)

    T = length
    at = sorted({T - 1, max(0, T - 11), max(0, T - 51), 0}, reverse=True)
    header = ["cell"] + [f"t={t}" + (" (loss)" if t == T - 1 else "") for t in at] + ["total grad norm"]
    if clip is not None:
        header.append(f"clipped at {clip:g}")
    rows = []
    for name, (_, r) in zip(names, runs):
        row = [name] + [f"{float(r['norms'][t]):.2e}" for t in at] + [f"{r['total_norm']:.3g}"]
        if clip is not None:
            row.append(f"{r['clipped_norm']:.3g}")
        rows.append(row)
    text_out = f"‖∂loss/∂h_t‖, mean over the batch, for {setup}\n" + _table(header, rows)
    if "lstm" in cells and not forget_bias:
        print("note: at torch's default initialisation the LSTM's forget gate is about σ(0) = 0.5, so its "
              "gradient fades too; training opens it where memory is needed (try --forget-bias 3)", file=sys.stderr)
    summary = {"length": length, "hidden_size": hidden_size, "seed": seed, "clip": clip, "forget_bias": forget_bias,
               "cells": [{"cell": name, "norms": nums(r["norms"]), "total_norm": num(r["total_norm"]),
                          "clipped_norm": None if r["clipped_norm"] is None else num(r["clipped_norm"])}
                         for name, (_, r) in zip(names, runs)],
               "png": str(out)}
    _emit(summary, text_out, as_json, out)


def _model_gradients(model, text, clip, out, force, as_json):
    from textrnn.commands.inspect_plots import plot_model_gradients
    from textrnn.inspect import model_gradients

    reading, out = _read(model, text, out, force)
    result = model_gradients(reading, clip)
    tokens = [shown(t) for t in reading.tokens]
    title = f"{model} {_prediction(reading)}\nthe gradient of its log-probability p with respect to each hidden state"
    plot_model_gradients(result, tokens, title, out)
    labels = [f"layer {d['layer']} {ARROWS[d['direction']]}" for d in result["directions"]]
    rows = [[t] + [f"{float(d['norms'][i]):.2e}" for d in result["directions"]] for i, t in enumerate(tokens)]
    text_out = (f"{model} {_prediction(reading)}; ‖∂ log p / ∂h_t‖ per token, layer and direction\n"
                + _table(["token"] + labels, rows)
                + f"\ntotal gradient norm over the model's parameters: {result['total_norm']:.3g}"
                + (f", clipped at {clip:g}: {result['clipped_norm']:.3g}" if clip is not None else ""))
    summary = {"model": model, "task": reading.task, "tokens": reading.tokens, "prediction": reading.prediction,
               "probability": num(reading.probability),
               "directions": [{"layer": d["layer"], "direction": d["direction"], "norms": nums(d["norms"])}
                              for d in result["directions"]],
               "total_norm": num(result["total_norm"]), "clip": clip,
               "clipped_norm": None if result["clipped_norm"] is None else num(result["clipped_norm"]), "png": str(out)}
    _emit(summary, text_out, as_json, out)


# -- word vectors -----------------------------------------------------------------------------
def embeddings(model: str, word: str | None, top: int = 10, plot_words: str | None = None,
               out: Path | None = None, force: bool = False, as_json: bool = False) -> None:
    import textrnn
    from textrnn.bundle import resolve_model
    from textrnn.word_vectors import WordVectors

    if word is None and plot_words is None:
        raise InputError("give a WORD (its nearest neighbours) or --plot WORD1,WORD2,... (a 2-D map)",
                         hint="textrnn inspect embeddings sentiment good --top 10")
    if word is not None and not word.strip():
        raise InputError("the word is empty", hint="textrnn inspect embeddings sentiment good")
    if top < 1:
        raise InputError(f"--top {top}: must be at least 1")
    if out is not None and plot_words is None:
        raise InputError("--out is for the --plot map", hint="add --plot WORD1,WORD2,...")
    words = [w.strip() for w in plot_words.split(",") if w.strip()] if plot_words is not None else []
    resolve_model(model)
    if plot_words is not None:
        out = check_out(out or Path("embeddings.png"), force)
    vectors = WordVectors(textrnn.load(model))
    summary, parts = {"model": model}, []
    if word is not None:
        near = vectors.neighbours(word, top)
        summary.update(word=word, neighbours=[{"word": w, "similarity": num(s)} for w, s in near])
        parts.append("\n".join(f"{w}\t{s:.4f}" for w, s in near))
    if plot_words is not None:
        from textrnn.commands.inspect_plots import plot_embeddings

        projected = vectors.project(words)
        plot_embeddings(projected, f"{model}: word vectors, PCA of the listed words", out)
        summary.update(plot={"words": words, "coords": [nums(c) for c in projected["coords"]],
                             "explained": nums(projected["explained"])}, png=str(out))
        parts.append("\n".join(f"{w}\t{x:+.4f}\t{y:+.4f}" for w, (x, y) in zip(words, projected["coords"].tolist())))
    _emit(summary, "\n\n".join(parts), as_json, out)


# -- attention --------------------------------------------------------------------------------
def attention(model: str, text: str, out: Path, force: bool = False, as_json: bool = False,
              beam: int | None = None) -> None:
    import textrnn
    from textrnn.bundle import resolve_model
    from textrnn.commands.inspect_plots import plot_attention
    from textrnn.inspect import check_text

    check_text(text)
    resolve_model(model)
    out = check_out(out, force)
    predictor = textrnn.load(model, task="translate")
    rec = predictor.translate([text], beam=beam, attention=True)[0]
    title = f"{model}: attention while translating\n{text}\n→ {rec['translation']}"
    plot_attention(rec, title if len(title) < 240 else f"{model}: attention while translating", out)
    src, tgt, weights = rec["source_pieces"], rec["target_pieces"], rec["attention"]
    rows = []
    for piece, row in zip(tgt, weights):
        j = max(range(len(row)), key=row.__getitem__)
        rows.append([piece, src[j], f"{row[j]:.2f}"])
    text_out = (rec["translation"] + "\n" + _table(["translation piece", "most attended source piece", "weight"], rows))
    summary = {"model": model, "source": text, "translation": rec["translation"], "source_pieces": src,
               "target_pieces": tgt, "attention": [[num(w) for w in row] for row in weights], "png": str(out)}
    _emit(summary, text_out, as_json, out)
