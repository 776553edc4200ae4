"""Where messages come from: `.eml` files, folders of them, mbox files, standard input.

Every message gives one `MailRecord`, in input order. A message that cannot be read (a binary or
empty file, one with no mail headers) keeps its record, with `error` saying why, so outputs stay one
record per message; only paths that hold no mail at all (missing, an empty folder) are errors.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from textrnn.errors import InputError
from textrnn.mail.message import NotAMail, mail_text

FORMATS = ("eml", "mbox")
STDIN = "-"
_FROM_QUOTED = re.compile(rb"^>(>*From )")   # mboxrd: a body line ">From " was written for "From "


@dataclass
class MailRecord:
    source: str                  # the file the message came from (`<stdin>` for standard input)
    index: int | None = None     # its 1-based number in an mbox file; None for an .eml file
    subject: str | None = None
    text: str | None = None      # `Subject: … body`; None when the message could not be read
    error: str | None = None     # why it could not be read

    @property
    def name(self) -> str:
        return self.source if self.index is None else f"{self.source}:{self.index}"


def iter_mail(paths: list[str], fmt: str, warn=None) -> Iterator[MailRecord]:
    """Yield a MailRecord per message of `paths` (files, folders of .eml files, `-`), read as `fmt`
    (eml | mbox). Every path is checked before the first message is read; `warn(message)` is called
    for each message that cannot be read (default: print on stderr)."""
    from textrnn.errors import choose

    choose("mail input format", fmt, FORMATS)
    warn = warn or (lambda m: print(f"warning: {m}", file=sys.stderr))
    plan = [(path, mail_files(path) if path != STDIN and Path(path).is_dir() else None) for path in paths or [STDIN]]
    for path, folder in plan:
        if folder is None and path != STDIN and not Path(path).is_file():
            raise InputError(f"{path}: no such file", hint="give .eml files, folders of them, or mbox files")
    for path, folder in plan:
        for f in folder if folder is not None else [path]:
            read = read_mbox if fmt == "mbox" else read_eml
            for rec in read(f):
                if rec.error:
                    warn(f"{rec.name}: {rec.error}; its record is kept empty")
                yield rec


def mail_files(folder: str | Path) -> list[str]:
    """The messages in a folder and its sub-folders, in name order: its `.eml` files, or, when it has
    none, every file (mail folders such as the SpamAssassin corpus name messages without a suffix).
    Hidden files are skipped."""
    root = Path(folder)
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))
    eml = [p for p in files if p.suffix.lower() == ".eml"]
    if not (eml or files):
        raise InputError(f"{folder}: a folder with no mail in it", hint="give a folder of .eml files")
    return [str(p) for p in (eml or files)]


def _read_bytes(path: str) -> tuple[str, bytes]:
    if path == STDIN:
        return "<stdin>", sys.stdin.buffer.read()
    return path, Path(path).read_bytes()


def read_eml(path: str) -> Iterator[MailRecord]:
    """One record: the message in file `path` (`-`: standard input)."""
    name, data = _read_bytes(path)
    yield _record(name, None, data)


def _record(source: str, index: int | None, data: bytes) -> MailRecord:
    try:
        subject, text = mail_text(data)
    except NotAMail as e:
        what = "message" if index is not None else "not an e-mail:"
        return MailRecord(source, index, error=f"{what} {e}")
    return MailRecord(source, index, subject=subject, text=text)


def read_mbox(path: str) -> Iterator[MailRecord]:
    """The messages of an mbox file, streamed: each starts at a `From ` line at the start of the file
    or after a blank line. Text before the first such line (a file that is not mbox, or whose first
    separator is broken) is read as a message of its own, with a warning, rather than dropped."""
    if path == STDIN:
        name, stream = "<stdin>", sys.stdin.buffer
    else:
        name, stream = path, open(path, "rb")
    try:
        index, lines, started, blank_before, n = 0, [], False, True, 0
        for n, line in enumerate(stream, 1):
            if line.startswith(b"From ") and blank_before:
                if lines and (started or any(l.strip() for l in lines)):
                    index += 1
                    yield _mbox_record(name, index, lines, started)
                lines, started = [], True
            else:
                lines.append(_FROM_QUOTED.sub(rb"\1", line))
            blank_before = not line.strip()
        if n == 0:
            raise InputError(f"{name}: is empty", hint="give an mbox file (messages each starting with a `From ` line)")
        if lines and (started or any(l.strip() for l in lines)):
            yield _mbox_record(name, index + 1, lines, started)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _mbox_record(name: str, index: int, lines: list[bytes], started: bool) -> MailRecord:
    rec = _record(name, index, b"".join(lines))
    if not started and rec.error is None:
        print(f"warning: {name}: does not start with a `From ` line; the text before the first one is read as "
              f"message {index}", file=sys.stderr)
    return rec


def labelled_mail(folder: str, labels: list[str], warn=None) -> Iterator[tuple[str, MailRecord]]:
    """(gold label, record) for the messages of FOLDER/<label>/…, for each label that has a sub-folder."""
    root = Path(folder)
    present = [label for label in labels if (root / label).is_dir()]
    if not present:
        raise InputError(f"{folder}: no sub-folder named after a label ({', '.join(labels)})",
                         hint="put the messages in " + " and ".join(f"{folder}/{l}/" for l in labels))
    for label in present:
        for rec in iter_mail([str(root / label)], "eml", warn):
            yield label, rec
