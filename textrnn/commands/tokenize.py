"""`textrnn tokenize`: raw text → sentences, tokens and words, one record per input line, in order.

The segmenter (heads/segment.py, the shipped model `segmenter`) finds where tokens and sentences
end; a multiword token is split into its words as UD writes them (`don't` → `do n't`). Offsets
index the input line as given (characters, not bytes).

Output formats:
    text     the tokens apart by spaces, the sentences apart by a tab   (one line per input line)
    jsonl    {"text", "sentences": [{"text", "start", "end", "tokens": [{"text", "start", "end", "words"}]}]}
    conllu   each sentence a CoNLL-U block (`# text`, multiword-token lines, `TokenRange=start:end`
             and `SpaceAfter=No` in MISC), the blocks of one input line after `# newpar id = LINE`;
             an empty input line gives `# newpar id = LINE` and `# (empty line)` only
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from textrnn.commands.output import json_line
from textrnn.data import EMPTY_BLOCK

CHUNK = 1024  # lines held in memory at once
FORMATS = ("text", "jsonl", "conllu")


def conllu_block(sentence: dict, text: str) -> str:
    """One sentence as CoNLL-U (ID FORM and MISC filled, `_` elsewhere)."""
    lines = [f"# text = {sentence['text']}"]
    n = 0
    for tok in sentence["tokens"]:
        space = tok["end"] < len(text) and text[tok["end"]].isspace()
        misc = [f"TokenRange={tok['start']}:{tok['end']}"] + ([] if space or tok is sentence["tokens"][-1] else ["SpaceAfter=No"])
        if len(tok["words"]) > 1:
            lines.append(f"{n + 1}-{n + len(tok['words'])}\t{tok['text']}\t_\t_\t_\t_\t_\t_\t_\t{'|'.join(misc)}")
            lines += [f"{n + k}\t{w}\t_\t_\t_\t_\t_\t_\t_\t_" for k, w in enumerate(tok["words"], 1)]
        else:
            lines.append(f"{n + 1}\t{tok['text']}\t_\t_\t_\t_\t_\t_\t_\t{'|'.join(misc)}")
        n += len(tok["words"])
    return "\n".join(lines) + "\n\n"


def format_record(fmt: str, text: str, sentences: list[dict], lineno: int) -> str:
    if fmt == "text":
        return "\t".join(" ".join(t["text"] for t in s["tokens"]) for s in sentences) + "\n"
    if fmt == "jsonl":
        return json_line({"text": text, "sentences": sentences}) + "\n"
    head = f"# newpar id = {lineno}\n"
    if not sentences:
        return head + EMPTY_BLOCK + "\n\n"
    return head + "".join(conllu_block(s, text) for s in sentences)


def tokenize_files(files: list[str], model: str = "segmenter", fmt: str = "text", batch_size: int = 64,
                   output: Path | None = None, force: bool = False) -> None:
    import textrnn
    from textrnn.commands.output import open_output
    from textrnn.data import iter_lines
    from textrnn.errors import choose

    choose("format", fmt, FORMATS)
    segmenter = textrnn.load(model, task="segment")
    lines = iter_lines(files)
    n = 0
    with open_output(output, force) as out:
        while chunk := list(islice(lines, CHUNK)):
            texts = [line for _, _, line in chunk]
            done = segmenter.segment(texts, batch_size)
            out.write("".join(format_record(fmt, t, s, n + k) for k, (t, s) in enumerate(zip(texts, done), 1)))
            n += len(chunk)
