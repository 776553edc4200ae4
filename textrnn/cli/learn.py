"""`textrnn evaluate | train | plot`: scoring and training models."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from textrnn.cli.app import MAX_BATCH, app, handle_errors
from textrnn.errors import TextrnnError


@app.command()
@handle_errors
def evaluate(
    model: str = typer.Argument(..., help="A shipped model name or a model directory."),
    data: str = typer.Argument(..., help="Data in the task's corpus format (label<TAB>text; token<TAB>tag; CoNLL-U; "
                                         "plain text for a language model, FILE[90%:] for a slice; for translation "
                                         "a source file with --ref, or PREFIX.{de,en}, or PREFIX)."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object on stdout."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, max=MAX_BATCH, help="Examples per batch (default 64); does not "
                                             "apply to language models, which read the text as one stream."),
    ref: Optional[str] = typer.Option(None, "--ref", help="Translation: the reference translations of DATA, line by line."),
    beam: Optional[int] = typer.Option(None, "--beam", help="Translation: beam size (default: the model's)."),
    raw: bool = typer.Option(False, "--raw", help="Tagging: start from the CoNLL-U treebank's raw text (segmenter, then "
                                                  "tagger) and give the CoNLL 2018 scores: tokens, words, sentences, UPOS F1."),
    segmenter: str = typer.Option("segmenter", "--segmenter", help="With --raw: the segmenter (shipped name or directory; `rules`: the old rule-based splitting, for comparison)."),
    write_conllu: Optional[Path] = typer.Option(None, "--write-conllu", help="With --raw: also write the system's CoNLL-U here."),
    force: bool = typer.Option(False, "--force", help="Overwrite --write-conllu if it exists."),
):
    """Score MODEL on DATA: accuracy, F1, confusion matrix, n; perplexity for a language model."""
    from textrnn.commands.evaluate import evaluate_model

    scores = evaluate_model(model, data, batch_size=batch_size, ref=ref, beam=beam, raw=raw, segmenter=segmenter,
                            write_conllu=write_conllu, force=force)
    if as_json:
        from textrnn.commands.output import json_line

        print(json_line(scores))   # never NaN: not JSON
    else:
        from textrnn.commands.evaluate import format_scores

        print(format_scores(scores))


@app.command()
@handle_errors
def train(
    config: Optional[Path] = typer.Argument(None, help="A TOML config (see --example)."),
    set_: List[str] = typer.Option([], "--set", help="Override a config key: --set train.lr=3e-4 (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory (default: runs/CONFIG_NAME)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last checkpoint."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, mps or auto (same as --set train.device=...)."),
    example: Optional[str] = typer.Option(None, "--example", help="Print a commented example config for a task (classify, "
                                          "tag, lm, translate) and exit; `hello` trains the \"hell\" → \"o\" toy RNN in seconds."),
):
    """Train a model from a TOML config; the best dev model is saved in OUT/model."""
    from textrnn.commands.train import example_config, train_from_file

    if example == "hello":
        from textrnn.commands.hello import hello

        if config is not None or resume:
            raise TextrnnError("--example hello trains its own config (textrnn/configs/hello.toml)",
                               hint="leave out the config file and --resume; --set and --out apply to it")
        hello(set_, out)
        return
    if example is not None:
        print(example_config(example), end="")
        return
    if config is None:
        raise TextrnnError("no config given", hint="textrnn train CONFIG.toml, or `textrnn train --example classify`")
    train_from_file(config, set_ + ([f"train.device={device}"] if device else []), out, resume)


@app.command()
@handle_errors
def plot(
    run_dir: Path = typer.Argument(..., help="A run directory made by `textrnn train --out DIR`."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The PNG to write (default: RUN_DIR/curves.png, "
                                       "which is redrawn each time)."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
):
    """Plot a training run's curves (loss, dev score, gradient norm, learning rate) as a PNG."""
    from textrnn.plot import plot_run

    if out is not None:
        from textrnn.commands.output import check_new_file

        check_new_file(out, "--out", force)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise TextrnnError("plotting needs matplotlib", hint="pip install matplotlib") from None
    print(plot_run(run_dir, out))
