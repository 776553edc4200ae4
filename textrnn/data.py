"""Reading data: user text line by line, labelled corpora, and batching.

Readers name the file and line of bad input. User input is streamed (files of millions of lines
keep memory flat); corpora for training are small enough to read whole.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import Iterator

from textrnn.errors import InputError

STDIN = "-"
MAX_LINE_BYTES = 32 * 2**20   # one input line at most (a 20 MB line peaks at ~620 MB of memory)
EMPTY_BLOCK = "# (empty line)"  # `textrnn tag --format conll`: the block of an empty input line (a comment)


def stdin_bytes():
    """Standard input as a binary stream; a closed stdin (`textrnn classify <&-`) is an InputError."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("standard input is closed: there is nothing to read",
                         hint="give an input file, or pipe text in (`echo TEXT | textrnn ...`)")
    return stream


def iter_lines(paths: list[str]) -> Iterator[tuple[str, int, str]]:
    """Yield (source name, 1-based line number, text without its line end) for each line of each file.

    `-` reads standard input; a `.gz` file is read decompressed. Line ends `\\n` and `\\r\\n` are stripped. A missing file, a directory,
    an empty file, a binary file (NUL bytes) or a line that is not UTF-8 raises InputError naming
    the file and line.
    """
    for path in paths or [STDIN]:
        if path == STDIN:
            name, stream = "<stdin>", stdin_bytes()
        else:
            p = Path(path)
            if p.is_dir():
                raise InputError(f"{path}: is a directory", hint="give a text file with one example per line")
            if not p.exists():
                raise InputError(f"{path}: no such file", hint="check the path")
            name, stream = path, (gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb"))
        n = 0
        try:
            while raw := stream.readline(MAX_LINE_BYTES + 1):
                n += 1
                if len(raw) > MAX_LINE_BYTES:   # an endless line (`< /dev/zero`) must not take the memory
                    raise InputError(f"{name}:{n}: a line longer than {MAX_LINE_BYTES // 2**20} MB",
                                     hint="split the text into lines (one example per line)")
                yield name, n, decode_line(raw, name, n)
        finally:
            if path != STDIN:
                stream.close()
        if n == 0:
            raise InputError(f"{name}: is empty", hint="give a text file with one example per line")


def decode_line(raw: bytes, name: str, lineno: int) -> str:
    """One raw line → str, with errors that say where the bad bytes are."""
    if b"\0" in raw:
        raise InputError(f"{name}:{lineno}: contains NUL bytes; this looks like a binary file, not text",
                         hint="give a UTF-8 text file with one example per line")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{name}:{lineno}: not valid UTF-8 (byte {e.start + 1} of the line)",
                         hint="convert the file to UTF-8, e.g. `iconv -f latin1 -t utf-8 FILE`") from None
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if text.startswith("\ufeff") and lineno == 1:
        text = text[1:]  # a UTF-8 byte-order mark
    return text


def read_labelled_tsv(path: str | Path) -> list[tuple[str, str]]:
    """Read a `label<TAB>text` file (the shared corpora's classification format) → [(label, text)]."""
    out = []
    for name, n, line in iter_lines([str(path)]):
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        if not sep or not label:
            raise InputError(f"{name}:{n}: expected `label<TAB>text`", hint="see corpora/README.md for the format")
        out.append((label, text))
    if not out:
        raise InputError(f"{path}: has no examples", hint="each line must be `label<TAB>text` (see corpora/README.md)")
    return out


def read_tagged(path: str | Path, column: int | None = None) -> list[tuple[list[str], list[str]]]:
    """Read a tagged corpus → [(tokens, tags)], one pair per sentence.

    Two formats, told apart by the file name:
    - CoNLL (`token<TAB>tag` per line, an empty line after each sentence; NER corpora). A line
      `-DOCSTART-` is skipped. `column` picks the tag column (default: the last).
    - CoNLL-U (`.conllu`, `.conllu.gz`): the word form (column 2) and, by default, UPOS (column 4);
      comment lines, multiword-token lines (`3-4`) and empty nodes (`8.1`) are skipped.
    A line with the wrong number of columns raises InputError naming the file and line.
    """
    sentences = list(iter_tagged(path, column=column))
    if not sentences:
        raise InputError(f"{path}: has no sentences")
    return sentences


def iter_tagged(path: str, column: int | None = None, conllu: bool | None = None, need_tags: bool = True):
    """Yield (tokens, tags) per sentence of a CoNLL or CoNLL-U file (see read_tagged), streaming.

    With `need_tags=False` a CoNLL file may have a single column of tokens (tags are then []).
    """
    if conllu is None:
        conllu = ".conllu" in Path(path).name
    tokens, tags = [], []
    width = 10 if conllu else None
    for name, n, line in iter_lines([str(path)]):
        if not line.strip():
            if tokens:
                yield tokens, tags
                tokens, tags = [], []
            continue
        if (conllu and line.startswith("#")) or line == EMPTY_BLOCK:
            continue  # comments; `textrnn tag --format conll`'s block for an empty input line
        cols = line.split("\t")
        if width is None:
            width = len(cols)
            if width < 2 and need_tags:
                raise InputError(f"{name}:{n}: expected `token<TAB>tag`, found one column",
                                 hint="columns are separated by tabs; sentences by an empty line")
        if len(cols) != width:
            where = "CoNLL-U token lines have 10" if conllu else f"the file's lines have {width}"
            raise InputError(f"{name}:{n}: {len(cols)} columns where {where}",
                             hint="every token line needs the same tab-separated columns")
        if conllu:
            if not cols[0].isdigit():
                continue  # multiword token (3-4) or empty node (8.1)
            tokens.append(cols[1])
            tags.append(cols[3 if column is None else column])
        else:
            if cols[0] == "-DOCSTART-":
                continue
            tokens.append(cols[0])
            if width > 1:
                tags.append(cols[-1 if column is None else column])
    if tokens:
        yield tokens, tags


def pad_batch(seqs: list[list[int]], pad_id: int = 0):
    """Right-pad id lists into a (B, T) LongTensor; also return lengths (B,). Empty lists get one pad."""
    import torch

    lengths = [max(1, len(s)) for s in seqs]
    ids = torch.full((len(seqs), max(lengths)), pad_id, dtype=torch.long)  # (B, T)
    for i, s in enumerate(seqs):
        if s:
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, torch.tensor(lengths, dtype=torch.long)


def length_batches(lengths: list[int], batch_size: int, shuffle_rng=None) -> list[list[int]]:
    """Group example indices into batches of similar length (less padding, faster CPU inference).

    Without `shuffle_rng` batches are in length order; with it (a `random.Random`), examples are
    sorted within random chunks of 50 batches and the batch order is shuffled — the usual bucketing
    for training.
    """
    idx = list(range(len(lengths)))
    if shuffle_rng is None:
        idx.sort(key=lambda i: lengths[i])
        return [idx[i: i + batch_size] for i in range(0, len(idx), batch_size)]
    shuffle_rng.shuffle(idx)
    chunk = batch_size * 50
    batches = []
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c: c + chunk], key=lambda i: lengths[i])
        batches += [part[i: i + batch_size] for i in range(0, len(part), batch_size)]
    shuffle_rng.shuffle(batches)
    return batches
