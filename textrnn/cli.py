"""The `textrnn` command: a thin typer shell over plain functions.

Each subcommand parses options and calls a function that does the work. Heavy imports (torch)
happen inside the commands, so `textrnn --help` is instant. A user's mistake (TextrnnError)
prints `error:` and `hint:` lines on stderr and exits 1; `--debug` shows the traceback too.
Results go to stdout, chatter to stderr.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from textrnn import __version__
from textrnn.errors import TextrnnError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Recurrent neural networks on text: classify, tag, generate, translate, train, evaluate.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        print(f"textrnn {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
):
    """textrnn — RNN, GRU and LSTM models for text, on the CPU."""


def handle_errors(fn):
    """Turn TextrnnError into `error: ...` / `hint: ...` on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TextrnnError as e:
            import click

            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("debug"):
                import traceback

                traceback.print_exc()
            print(f"error: {e.message}", file=sys.stderr)
            if e.hint:
                print(f"hint: {e.hint}", file=sys.stderr)
            raise typer.Exit(1)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130)
        except Signalled as e:   # SIGTERM / SIGHUP: like Ctrl-C, every `finally` (temporary files) has run
            import signal

            print(f"stopped by {signal.Signals(e.signum).name}", file=sys.stderr)
            raise typer.Exit(128 + e.signum)
        except BrokenPipeError:
            # the reader went away (`| head -1`): stop quietly, as Unix tools do when SIGPIPE kills them
            _silence_stdout()
            raise typer.Exit(141)
        except OSError as e:
            if e.errno not in WRITE_ERRNOS:
                raise
            where = e.filename or "stdout"
            print(f"error: cannot write to {where}: {e.strerror}", file=sys.stderr)
            print("hint: free some space, or write elsewhere" + (" with --output" if where == "stdout" else ""),
                  file=sys.stderr)
            _silence_stdout()
            raise typer.Exit(1)

    return wrapper


class Signalled(BaseException):
    """SIGTERM or SIGHUP arrived. A BaseException, as KeyboardInterrupt is, so that no `except Exception`
    swallows it on its way up through the `finally` blocks that remove temporary files."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum, frame):
    raise Signalled(signum)


def _write_errnos() -> set:
    import errno

    return {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


MAX_BATCH = 4096   # --batch-size: more gains no speed and costs memory (1e8 on 67k lines took 1.4 GB)
WRITE_ERRNOS = _write_errnos()   # a full disk or a failing device: a message, not a traceback


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):   # no real file descriptor (a test runner's stdout)
        pass


class OutFormat(str, Enum):
    tsv = "tsv"
    jsonl = "jsonl"
    table = "table"


class InFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"
    eml = "eml"
    mbox = "mbox"


class Runtime(str, Enum):
    torch = "torch"
    onnx = "onnx"


def check_runtime(runtime: Runtime, model: str) -> None:
    if runtime == Runtime.onnx and not model.endswith(".onnx"):
        raise TextrnnError(f"--runtime onnx runs an exported .onnx file; {model!r} is not one",
                           hint=f"textrnn export {model} --onnx {Path(model).name}.onnx, then --model {Path(model).name}.onnx")


@app.command()
@handle_errors
def classify(
    files: Optional[List[str]] = typer.Argument(None, help="Text files, one example per line (or e-mail: see --input-format); "
                                                "`-` or nothing reads stdin."),
    model: str = typer.Option("sentiment", "--model", "-m", help="A shipped model name (sentiment, spam) or a model directory."),
    format: OutFormat = typer.Option(OutFormat.tsv, "--format", "-f", help="tsv: label<TAB>probability<TAB>text; jsonl; table."),
    input_format: InFormat = typer.Option(InFormat.text, "--input-format", help="text (one example per line), jsonl, "
                                          "eml (.eml files or folders of them: one record per message, named by "
                                          "file) or mbox (one record per message, named file:N)."),
    text_field: str = typer.Option("text", "--text-field", help="With --input-format jsonl: the field holding the text."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, max=MAX_BATCH, help="Examples per forward pass."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
    runtime: Runtime = typer.Option(Runtime.torch, "--runtime", help="torch, or onnx (ONNX Runtime: give --model FILE.onnx "
                                    "from `textrnn export`; a .onnx model implies it)."),
):
    """Classify each input line (sentiment, spam, or your own model): one record per line, in order."""
    from textrnn.commands.classify import classify_files

    check_runtime(runtime, model)
    classify_files(files or ["-"], model=model, fmt=format.value, input_format=input_format.value,
                   text_field=text_field, batch_size=batch_size, output=output, force=force)


class TagFormat(str, Enum):
    inline = "inline"
    conll = "conll"
    jsonl = "jsonl"
    spans = "spans"


class TagInput(str, Enum):
    text = "text"
    conll = "conll"
    conllu = "conllu"


@app.command()
@handle_errors
def tag(
    files: Optional[List[str]] = typer.Argument(None, help="Text files, one sentence per line; `-` or nothing reads stdin."),
    model: str = typer.Option("ner", "--model", "-m", help="A shipped model name (ner, pos) or a model directory."),
    format: TagFormat = typer.Option(TagFormat.inline, "--format", "-f",
                                     help="inline: word/TAG; conll: token<TAB>tag blocks (an empty line: `# (empty line)`); jsonl; spans (entities)."),
    tokenized: bool = typer.Option(False, "--tokenized", help="Lines are space-separated tokens; do not split words."),
    input_format: Optional[TagInput] = typer.Option(None, "--input-format",
                                                    help="text, conll or conllu (default: conllu for .conllu files, else text)."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, max=MAX_BATCH, help="Sentences per forward pass."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
    runtime: Runtime = typer.Option(Runtime.torch, "--runtime", help="torch, or onnx (ONNX Runtime: give --model FILE.onnx "
                                    "from `textrnn export`; a .onnx model implies it)."),
    segmenter: str = typer.Option("auto", "--segmenter", help="Raw text: auto (the shipped segmenter for English "
                                  "taggers), rules (a line is one sentence, split by rules), or a segmenter directory."),
):
    """Tag each input line with parts of speech (pos) or named entities (ner): one record per line, in order."""
    from textrnn.commands.tag import tag_files

    check_runtime(runtime, model)
    tag_files(files or ["-"], model=model, fmt=format.value, tokenized=tokenized,
              input_format=input_format.value if input_format else None, batch_size=batch_size,
              output=output, force=force, segmenter=segmenter)


class TokFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"
    conllu = "conllu"


@app.command()
@handle_errors
def tokenize(
    files: Optional[List[str]] = typer.Argument(None, help="Text files; `-` or nothing reads stdin."),
    model: str = typer.Option("segmenter", "--model", "-m", help="A segmenter: the shipped `segmenter` or a model directory."),
    format: TokFormat = typer.Option(TokFormat.text, "--format", "-f",
                                     help="text: tokens apart by spaces, sentences by a tab; jsonl (with offsets); conllu."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, max=MAX_BATCH, help="Windows of text per forward pass."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
):
    """Split raw text into sentences, tokens and words (UD style: `don't` → do n't): one record per input line."""
    from textrnn.commands.tokenize import tokenize_files

    tokenize_files(files or ["-"], model=model, fmt=format.value, batch_size=batch_size, output=output, force=force)


class NextFormat(str, Enum):
    tsv = "tsv"
    jsonl = "jsonl"


@app.command("next-word")
@handle_errors
def next_word(
    texts: Optional[List[str]] = typer.Argument(None, help="Texts to continue; `-` or nothing reads one per line from stdin."),
    model: str = typer.Option("wikitext2", "--model", "-m", help="A shipped language model (wikitext2, shakespeare) or a model directory."),
    top_k: int = typer.Option(5, "--top-k", "-k", help="How many next words to list."),
    format: NextFormat = typer.Option(NextFormat.tsv, "--format", "-f", help="tsv: text<TAB>word<TAB>probability...; jsonl."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
):
    """The most probable next words after each text, with their probabilities: one record per line."""
    from textrnn.commands.lm import next_word as run

    run(texts or ["-"], model=model, top_k=top_k, fmt=format.value, output=output, force=force)


class GenFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


@app.command()
@handle_errors
def generate(
    files: Optional[List[str]] = typer.Argument(None, help="Files of prompts, one per line (`-`: stdin); or use --prompt."),
    model: str = typer.Option("wikitext2", "--model", "-m", help="A shipped language model (wikitext2, shakespeare) or a model directory."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="The text to continue (default: start a new text)."),
    max_tokens: int = typer.Option(100, "--max-tokens", "-n", help="Tokens (words or characters) to generate per sample."),
    temperature: float = typer.Option(1.0, "--temperature", "-t", help="Below 1: safer; above 1: wilder; 0: greedy."),
    top_k: int = typer.Option(0, "--top-k", help="Sample among the k most probable tokens (0: all; 1: greedy)."),
    top_p: float = typer.Option(1.0, "--top-p", help="Nucleus sampling: the smallest set of tokens with this much probability."),
    num: int = typer.Option(1, "--num", help="Samples per prompt."),
    seed: Optional[int] = typer.Option(None, "--seed", help="The same seed gives the same text."),
    format: GenFormat = typer.Option(GenFormat.text, "--format", "-f", help="text (streamed) or jsonl (one record per sample)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
):
    """Generate text with a language model: sampled continuations of a prompt, streamed as they come."""
    from textrnn.commands.lm import generate as run, read_prompts

    run(read_prompts(prompt, files or []), model=model, max_tokens=max_tokens, temperature=temperature, top_k=top_k,
        top_p=top_p, num=num, seed=seed, fmt=format.value, output=output, force=force)


class TransFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


@app.command()
@handle_errors
def translate(
    files: Optional[List[str]] = typer.Argument(None, help="Text files, one sentence per line; `-` or nothing reads stdin."),
    model: str = typer.Option("de-en", "--model", "-m", help="A shipped translation model (de-en) or a model directory."),
    beam: Optional[int] = typer.Option(None, "--beam", "-b", help="Beam size (default: the model's, 5); 1 is greedy."),
    max_len: Optional[int] = typer.Option(None, "--max-len", help="Most pieces per translation (default: 2 x source + 10)."),
    format: TransFormat = typer.Option(TransFormat.text, "--format", "-f", help="text (one translation per line) or jsonl."),
    plot_attention: Optional[Path] = typer.Option(None, "--plot-attention", help="Write one attention heatmap PNG per line here."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, max=MAX_BATCH, help="Sentences decoded together."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (atomically) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists, and the heatmaps in --plot-attention."),
):
    """Translate each input line (German to English with de-en): one translation per line, in order."""
    from textrnn.commands.translate import translate_files

    translate_files(files or ["-"], model=model, beam=beam, max_len=max_len, fmt=format.value,
                    plot_attention=plot_attention, batch_size=batch_size, output=output, force=force)


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


@app.command()
@handle_errors
def export(
    model: str = typer.Argument(..., help="A classify or tag model: a shipped name or a model directory."),
    onnx: Path = typer.Option(..., "--onnx", help="The .onnx file to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite --onnx if it exists."),
    int8: bool = typer.Option(False, "--int8", help="int8 weights (dynamic quantization): faster for the "
                              "classifiers, scores within ~0.1 point (docs/BENCHMARKS.md)."),
):
    """Export a model's network to ONNX; run it with `--model FILE.onnx` (ONNX Runtime)."""
    import textrnn
    from textrnn.export import export as run

    if onnx.suffix != ".onnx":
        raise TextrnnError(f"{onnx}: the file name must end in .onnx", hint="e.g. --onnx sentiment.onnx")
    diff = run(textrnn.load(model), model, onnx, force, int8=int8)
    print(f"wrote {onnx}{' with int8 weights' if int8 else ''} (largest difference from torch on sample "
          f"inputs: {diff:.1e}); run it with "
          f"`--model {onnx}`", file=sys.stderr)
    print(onnx)


benchmark_app = typer.Typer(help="Measure a model on this machine.", no_args_is_help=True)
app.add_typer(benchmark_app, name="benchmark")


@benchmark_app.command("speed")
@handle_errors
def benchmark_speed(
    model: str = typer.Option(..., "--model", "-m", help="A shipped model name or a model directory."),
    data: Optional[Path] = typer.Option(None, "--data", help="Inputs, one per line (default: the model's own test data)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, max=MAX_BATCH, help="Inputs per batch (default: the command's)."),
    passes: int = typer.Option(10, "--passes", help="Timed passes after one warm-up pass."),
    limit: int = typer.Option(0, "--limit", min=0, help="Use only the first N inputs (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
):
    """Throughput (words/s, sentences/s or tokens/s by task): mean and 95 % confidence interval over passes."""
    from textrnn.commands.benchmark import speed

    r = speed(model, data, batch_size, passes, limit)
    if as_json:
        from textrnn.commands.output import json_line

        print(json_line(r))
    else:
        print(f"{r['model']}: {r['mean']:,.0f} ± {r['ci95']:,.0f} {r['unit']} (mean ± 95 % CI over {len(r['passes'])} "
              f"passes; median {r['median']:,.0f}; {r['inputs']:,} inputs, batch {r['batch_size']}, {r['threads']} threads)")


@app.command()
@handle_errors
def models():
    """List the models shipped with textrnn: name, task, size and headline score."""
    from textrnn.commands.info import list_models

    print(list_models())


@app.command()
@handle_errors
def info(model: str = typer.Argument(..., help="A shipped model name or a model directory.")):
    """Print a model's config and measured scores as JSON."""
    from textrnn.commands.info import model_info
    from textrnn.commands.output import finite

    print(json.dumps(finite(model_info(model)), indent=2, ensure_ascii=False))   # never NaN: not JSON


@app.command()
@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    models: str = typer.Option("all", "--models", help="all, or a comma list of shipped models and NAME=DIRECTORY pairs."),
    workers: int = typer.Option(1, "--workers", help="Server processes (each loads the models)."),
    threads: int = typer.Option(2, "--threads", min=1, max=64, help="Forward passes run at once, per process."),
    batching: bool = typer.Option(True, "--batching/--no-batching", help="Gather concurrent requests into one forward pass."),
    max_batch: int = typer.Option(64, "--max-batch", min=1, max=MAX_BATCH, help="Texts in one gathered forward pass."),
    max_wait_ms: float = typer.Option(5.0, "--max-wait-ms", min=0, max=1000, help="How long a request waits for company."),
    max_body: int = typer.Option(1_000_000, "--max-body", min=1, help="Request body size limit in bytes (413 beyond)."),
    max_texts: int = typer.Option(256, "--max-texts", min=1, max=100_000, help="Texts per request (422 beyond)."),
    max_chars: int = typer.Option(10_000, "--max-chars", min=1, max=10_000_000, help="Characters per text (422 beyond)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.01, help="Seconds a request may take (504 beyond)."),
    max_queue: int = typer.Option(4096, "--max-queue", min=1, help="Texts waiting per model (503 with Retry-After beyond)."),
    preload: bool = typer.Option(False, "--preload", help="Load every model at start (default: on first use)."),
):
    """Serve models over HTTP: a JSON API under /v1 and a page at / that shows them at work."""
    from textrnn.bundle import shipped_models
    from textrnn.commands.serve import serve as run_server
    from textrnn.serve.settings import Settings, parse_models

    settings = Settings(models=parse_models(models, list(shipped_models())), max_body_bytes=max_body, max_texts=max_texts,
                        max_chars=max_chars, timeout_s=timeout, max_queue=max_queue, batching=batching,
                        max_batch=max_batch, max_wait_ms=max_wait_ms, threads=threads, preload=preload)
    run_server(settings, host=host, port=port, workers=workers)


def run():
    """Console-script entry point."""
    import signal

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for sig in (signal.SIGTERM, signal.SIGHUP):   # handled like SIGINT: clean up, a message, exit 128 + N
        signal.signal(sig, _raise_signalled)
    try:
        app()
    except OSError as e:   # outside any command: `--help` or `--version` into a full disk or a closed pipe
        if e.errno not in WRITE_ERRNOS and not isinstance(e, BrokenPipeError):
            raise
        _silence_stdout()
        if isinstance(e, BrokenPipeError):
            sys.exit(141)
        print(f"error: cannot write to stdout: {e.strerror}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run()
