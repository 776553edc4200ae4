"""`textrnn inspect ...` and `textrnn longrange`: looking inside recurrent networks, for learners."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from textrnn.cli.app import app, handle_errors


inspect_app = typer.Typer(
    no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
    help="See inside a recurrent network: gates, hidden states, gradients through time, word vectors, attention. "
         "Each command prints a summary (or --json) and writes a PNG.",
)
app.add_typer(inspect_app, name="inspect")

FORCE_HELP = "Overwrite --out if it exists."
JSON_HELP = "Print one JSON object on stdout instead of the summary."


@inspect_app.command("gates")
@handle_errors
def inspect_gates(
    model: str = typer.Argument(..., help="A shipped model name or a model directory."),
    text: str = typer.Argument(..., help="The text to read."),
    out: Path = typer.Option(Path("gates.png"), "--out", "-o", help="The PNG to write."),
    layer: int = typer.Option(0, "--layer", help="Which encoder layer to plot (0 reads the word vectors)."),
    units: int = typer.Option(32, "--units", help="How many units each heatmap shows."),
    sort: str = typer.Option("variance", "--sort", help="Which units: variance (those whose value changes most over "
                                                        "the text, most first; each heatmap its own) or index (0, 1, 2 ...)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Gate activations per token and unit (LSTM input/forget/output, candidate and cell state; GRU reset/update,
    where update = 1 keeps the past)."""
    from textrnn.commands.inspect import gates

    gates(model, text, out, force=force, as_json=as_json, layer=layer, units=units, sort=sort)


class InspectCell(str, Enum):
    rnn = "rnn"
    gru = "gru"
    lstm = "lstm"
    all = "all"


@inspect_app.command("gradients")
@handle_errors
def inspect_gradients(
    cell: Optional[InspectCell] = typer.Option(None, "--cell", help="Synthetic task: which cell (default: all three)."),
    length: int = typer.Option(100, "--length", help="Synthetic task: time steps."),
    clip: Optional[float] = typer.Option(None, "--clip", help="Show gradient-norm clipping at this norm (adds an "
                                                              "exploding RNN to the synthetic task)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="A trained model instead of the synthetic task."),
    text: Optional[str] = typer.Option(None, "--text", help="With --model: the text to read."),
    hidden_size: int = typer.Option(64, "--hidden", help="Synthetic task: hidden size."),
    seed: int = typer.Option(0, "--seed", help="Synthetic task: the seed of inputs and weights."),
    forget_bias: float = typer.Option(0.0, "--forget-bias", help="Synthetic task: add this to the LSTM's forget-gate bias."),
    out: Path = typer.Option(Path("gradients.png"), "--out", "-o", help="The PNG to write."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Vanishing gradients: ‖∂loss/∂h_t‖ over time steps for RNN, GRU and LSTM, or on a model and a text."""
    from textrnn.commands.inspect import gradients

    gradients(cell.value if cell else None, length, clip, model, text, out, force=force, as_json=as_json,
              hidden_size=hidden_size, seed=seed, forget_bias=forget_bias)


@inspect_app.command("embeddings")
@handle_errors
def inspect_embeddings(
    model: str = typer.Argument(..., help="A shipped model name or a model directory."),
    word: Optional[str] = typer.Argument(None, help="List this word's nearest neighbours (a sentencepiece model's "
                                                    "are pieces: `free` is looked up as `▁free`, then `free`)."),
    top: int = typer.Option(10, "--top", "-k", help="How many neighbours."),
    plot_words: Optional[str] = typer.Option(None, "--plot", help="Comma-separated words to map to 2-D (PCA)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="With --plot: the PNG to write (default embeddings.png)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """Nearest neighbours of a word by cosine similarity of the model's word vectors; --plot maps words to 2-D."""
    from textrnn.commands.inspect import embeddings

    embeddings(model, word, top=top, plot_words=plot_words, out=out, force=force, as_json=as_json)


@inspect_app.command("hidden")
@handle_errors
def inspect_hidden(
    model: str = typer.Argument(..., help="A shipped model name or a model directory."),
    text: str = typer.Argument(..., help="The text to read."),
    out: Path = typer.Option(Path("hidden.png"), "--out", "-o", help="The PNG to write."),
    direction: str = typer.Option("both", "--direction", help="A bidirectional encoder's both halves joined, or "
                                                              "forward (has read up to each token) or backward alone."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """The hidden-state trajectory: the encoder output's norm per token and its path in 2-D (PCA)."""
    from textrnn.commands.inspect import hidden

    hidden(model, text, out, force=force, as_json=as_json, direction=direction)


@inspect_app.command("attention")
@handle_errors
def inspect_attention(
    model: str = typer.Argument(..., help="A translation model directory (or shipped name)."),
    text: str = typer.Argument(..., help="The source sentence."),
    beam: Optional[int] = typer.Option(None, "--beam", "-b", help="Beam size (default: the model's); 1 is greedy."),
    out: Path = typer.Option(Path("attention.png"), "--out", "-o", help="The PNG to write."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """The translation attention heatmap: which source pieces each translated piece looked at."""
    from textrnn.commands.inspect import attention

    attention(model, text, out, force=force, as_json=as_json, beam=beam)


@inspect_app.command("activations")
@handle_errors
def inspect_activations(
    out: Path = typer.Option(Path("activations.png"), "--out", "-o", help="The PNG to write."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """σ and tanh with their derivatives, and the product of many derivatives: why gradients vanish."""
    from textrnn.commands.inspect_activations import activations

    activations(out, force=force, as_json=as_json)


@inspect_app.command("step")
@handle_errors
def inspect_step(
    model: str = typer.Argument(..., help="A shipped model name or a model directory."),
    text: str = typer.Argument(..., help="The text whose first token is read."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
):
    """One recurrent step by hand: h_1 from cells.py with the model's own weights, beside torch's fused layer."""
    from textrnn.commands.inspect_step import step

    step(model, text, as_json=as_json)


@app.command()
@handle_errors
def longrange(
    cells: str = typer.Option("rnn,gru,lstm", "--cells", help="Comma-separated cells to train: rnn, gru, lstm."),
    distances: str = typer.Option("20,50,100", "--distances", help="Sequence lengths the key must be carried over."),
    layers: str = typer.Option("1", "--layers", help="Comma-separated layer counts, e.g. 1,2 (1 to 4)."),
    directions: str = typer.Option("1", "--directions", help="1 (left to right), 2 (bidirectional) or 1,2."),
    runs: Path = typer.Option(Path("runs/longrange"), "--runs", help="Where each model's run directory goes."),
    out: Path = typer.Option(Path("longrange.png"), "--out", "-o", help="The PNG to write (accuracy and gradients)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    quick: bool = typer.Option(False, "--quick", help="Seconds of training per model instead of about a minute: "
                                                      "checks that it runs; its numbers are not the full run's."),
):
    """Remember the first symbol over 20, 50, 100 steps: rnn, gru and lstm trained on one task, compared."""
    from textrnn.commands.longrange import longrange as run

    run(cells, distances, layers, directions, runs, out, force=force, quick=quick)
