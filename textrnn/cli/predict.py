"""`textrnn classify | tag | tokenize | next-word | generate | translate`: a model on the user's text."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from textrnn.cli.app import MAX_BATCH, app, handle_errors
from textrnn.errors import TextrnnError


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
    batch_size: int = typer.Option(64, "--batch-size", min=1, max=MAX_BATCH, help="Windows of text per forward pass."),
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
