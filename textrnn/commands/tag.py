"""`textrnn tag`: part-of-speech tags or named entities, one record per input line, in order.

Input is raw text, space-separated tokens (`--tokenized`), or a CoNLL / CoNLL-U file (one record
per sentence). Raw English text goes through the segmenter (heads/segment.py, `--segmenter`; the
shipped `segmenter` by default when it is installed and the tagger is an English one): a line may
hold several sentences, each tagged on its own, and the record stays one per input line. Without a
segmenter (`--segmenter rules`, or a Korean tagger) a line is one sentence, split into words by the
rules of the model's training corpus. For `ner`, whose CoNLL-2003 data keep hyphenated words whole
(`Al-Ain`) where UD English splits them, the segmenter's `Al - Ain` is joined again; contractions
are split the same way in both (`do n't`). Lines are read lazily and tagged in chunks, so big files
run with flat memory. An empty line gives an empty record.

Output formats:
    inline   Angela/B-PER Merkel/I-PER met/O ...           (one line per input line)
    conll    token<TAB>tag lines and a blank line           (one block per input line; an empty input
             line gives the block `# (empty line)`, so readers that merge blank lines keep the count)
    jsonl    {"text", "tokens", "tags", "offsets", "entities"?, "sentences"?: [{"start", "end", "tokens",
             "tags", "offsets", "entities"?}]} (the line's words, then the same by sentence when segmented)
    spans    entity models only: TYPE:start-end:text items separated by tabs, one line per input line
"""

from __future__ import annotations

import sys
import unicodedata
from itertools import islice
from pathlib import Path

from textrnn.commands.output import json_line
from textrnn.data import EMPTY_BLOCK
from textrnn.errors import InputError

CHUNK = 4096  # lines held in memory at once
FORMATS = ("inline", "conll", "jsonl", "spans")
INPUT_FORMATS = ("text", "conll", "conllu")


def input_format_of(files: list[str], given: str | None) -> str:
    """The input format: as given, or CoNLL-U for `.conllu` files, else text."""
    if given:
        return given
    if files and all(".conllu" in Path(f).name for f in files):
        return "conllu"
    return "text"


def read_sentences(files: list[str], input_format: str, tokenized: bool):
    """Yield (text, token offsets or None) per record. For CoNLL input the text is the tokens joined
    by spaces and offsets index that text."""
    from textrnn.data import iter_lines, iter_tagged

    if input_format == "text":
        for _, _, line in iter_lines(files):
            yield line, None
        return
    for f in files:
        if f == "-":
            raise InputError("CoNLL input must be a file, not stdin", hint="give the file's path")
        n = 0
        for n, (tokens, _) in enumerate(iter_tagged(f, conllu=input_format == "conllu", need_tags=False), 1):
            offsets, pos = [], 0
            for t in tokens:
                offsets.append((pos, pos + len(t)))
                pos += len(t) + 1
            yield " ".join(tokens), offsets
        if n == 0:
            raise InputError(f"{f}: has no sentences", hint=f"give a {input_format.upper()} file")


def drop_control(text: str, spans):
    """Control and format characters (category C) are not words: drop tokens made only of them."""
    return [(s, e) for s, e in spans if not all(unicodedata.category(c)[0] == "C" for c in text[s:e])]


def format_record(fmt: str, rec: dict) -> str:
    if fmt == "inline":
        return " ".join(f"{t}/{g}" for t, g in zip(rec["tokens"], rec["tags"]))
    if fmt == "conll":
        if not rec["tokens"]:
            return EMPTY_BLOCK + "\n"
        return "".join(f"{t}\t{g}\n" for t, g in zip(rec["tokens"], rec["tags"]))
    if fmt == "jsonl":
        return json_line(rec)
    return "\t".join(f"{e['type']}:{e['start']}-{e['end']}:{' '.join(e['text'].split())}" for e in rec["entities"])


def tag_files(files: list[str], model: str, fmt: str = "inline", tokenized: bool = False,
              input_format: str | None = None, batch_size: int = 64, output: Path | None = None,
              force: bool = False, segmenter: str = "auto") -> None:
    import textrnn
    from textrnn.commands.memory import release_free_memory
    from textrnn.commands.output import open_output
    from textrnn.errors import choose
    from textrnn.raw_text import pick_segmenter, tag_lines
    from textrnn.tokenizer import whitespace_spans, word_spans

    choose("format", fmt, FORMATS)
    input_format = input_format_of(files, input_format)
    choose("input format", input_format, INPUT_FORMATS)
    tagger = textrnn.load(model, task="tag")
    if fmt == "spans" and not tagger.spans:
        raise InputError(f"model {model!r} tags parts of speech, not entity spans",
                         hint="use --format inline, conll or jsonl, or an entity model such as --model ner")
    if segmenter not in ("auto", "rules") and (input_format != "text" or tokenized):
        raise InputError("--segmenter is for raw text", hint="leave it out with --tokenized or CoNLL input")
    seg = pick_segmenter(segmenter, tagger) if input_format == "text" and not tokenized else None
    records = read_sentences(files, input_format, tokenized)
    with open_output(output, force) as out:
        while chunk := list(islice(records, CHUNK)):
            texts = [t for t, _ in chunk]
            if seg is not None:
                recs = tag_lines(seg, tagger, texts, batch_size)
                out.write("".join(format_record(fmt, r) + "\n" for r in recs))
                continue
            offsets = [o if o is not None else (whitespace_spans(t) if tokenized else
                                                drop_control(t, word_spans(t, tagger.config.words)))
                       for t, o in chunk]
            tokens = [[t[s:e] for s, e in spans] for t, spans in zip(texts, offsets)]
            tags = tagger.tag_tokens(tokens, batch_size)
            release_free_memory()   # memory.py: keeps a long run flat
            lines = [format_record(fmt, tagger.record(*r)) for r in zip(texts, tokens, tags, offsets)]
            out.write("".join(line + "\n" for line in lines))  # conll: the block, then a blank line
    if tagger.split_long:
        print(f"note: sentences longer than {tagger.config.max_len} words were tagged in pieces", file=sys.stderr)
