"""Where messages come from: `.eml` files, folders of them, mbox files, standard input.

Every message gives one `MailRecord`, in input order. A message that cannot be read (a binary or
empty file, one with no mail headers) keeps its record, with `error` saying why, so outputs stay one
record per message; only paths that hold no mail at all (missing, an empty folder, an empty mbox
file) are errors, and they are found before the first message is read.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from textrnn.data import stdin_bytes
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
        if folder is None and path != STDIN:
            if not Path(path).exists():   # a FIFO or /dev/stdin exists without being a regular file
                raise InputError(f"{path}: no such file", hint="give .eml files, folders of them, or mbox files")
            if fmt == "mbox" and Path(path).is_file() and not _has_text(path):
                raise InputError(f"{path}: is empty", hint="give an mbox file (messages each starting with a `From ` line)")
    read = read_mbox if fmt == "mbox" else read_eml
    for path, folder in plan:
        for f in folder if folder is not None else [path]:
            for rec in read(f, warn):
                if rec.error:
                    warn(f"{rec.name}: {rec.error}; its record is kept empty")
                yield rec


def _has_text(path: str) -> bool:
    """Whether a file holds anything but whitespace (read only up to its first other byte). A file
    that cannot be opened counts as holding text: reading it says what is wrong."""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 16):
                if chunk.strip():
                    return True
    except OSError:
        return True
    return False


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


def read_eml(path: str, warn=None) -> Iterator[MailRecord]:
    """One record: the message in file `path` (`-`: standard input). (`warn` is unused: one record
    says everything; the argument keeps read_eml and read_mbox interchangeable.)"""
    if path == STDIN:
        yield _record("<stdin>", None, stdin_bytes().read())
        return
    try:
        data = Path(path).read_bytes()
    except OSError as e:   # unreadable (permissions, a vanished file): its record is kept, with why
        yield MailRecord(path, error=f"cannot be read ({e.strerror or e})")
        return
    yield _record(path, None, data)


def _record(source: str, index: int | None, data: bytes) -> MailRecord:
    try:
        subject, text = mail_text(data)
    except NotAMail as e:
        what = "this message" if index is not None else "not an e-mail: it"
        return MailRecord(source, index, error=f"{what} {e}")
    return MailRecord(source, index, subject=subject, text=text)


def read_mbox(path: str, warn=None) -> Iterator[MailRecord]:
    """The messages of an mbox file, streamed: each starts at a `From ` line at the start of the file
    or after a blank line; a body line `>From ` (mboxrd quoting) is read as `From `. Text before the
    first such line (a file that is not mbox, or whose first separator is broken) is read as a message
    of its own, with a warning, rather than dropped. An empty file (in a folder, or on stdin) gives a
    warning and no record: it holds no message to keep a record for."""
    warn = warn or (lambda m: print(f"warning: {m}", file=sys.stderr))
    if path == STDIN:
        name, stream = "<stdin>", stdin_bytes()
    else:
        try:
            name, stream = path, open(path, "rb")
        except OSError as e:
            raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    try:
        index, lines, started, blank_before = 0, [], False, True
        for line in stream:
            if line.startswith(b"From ") and blank_before:
                if started or any(l.strip() for l in lines):   # a separator with nothing after it is an empty message
                    index += 1
                    yield _mbox_record(name, index, lines, started, warn)
                lines, started = [], True
            else:
                lines.append(_FROM_QUOTED.sub(rb"\1", line))
            blank_before = not line.strip()
        if started or any(l.strip() for l in lines):
            index += 1
            yield _mbox_record(name, index, lines, started, warn)
        if index == 0:
            warn(f"{name}: is empty: no message in it")
    finally:
        if path != STDIN:
            stream.close()


def _mbox_record(name: str, index: int, lines: list[bytes], started: bool, warn) -> MailRecord:
    rec = _record(name, index, b"".join(lines))
    if not started and rec.error is None:
        warn(f"{name}: does not start with a `From ` line; the text before the first one is read as "
             f"message {index}")
    return rec


def labelled_mail(folder: str, labels: list[str], warn=None) -> Iterator[tuple[str, MailRecord]]:
    """(gold label, record) for the messages of FOLDER/<label>/…, for each label that has a sub-folder."""
    root = Path(folder)
    present = [label for label in labels if (root / label).is_dir()]
    if not present:
        raise InputError(f"{folder}: no sub-folder named after a label ({', '.join(labels)})",
                         hint="put the messages in " + " and ".join(f"{folder}/{l}/" for l in labels))
    warn_ = warn or (lambda m: print(f"warning: {m}", file=sys.stderr))
    for label in present:
        try:
            mail_files(root / label)
        except InputError:   # an empty label folder: the other labels can still be scored
            warn_(f"{root / label}: no mail in this folder; no {label!r} messages are scored")
            continue
        for rec in iter_mail([str(root / label)], "eml", warn):
            yield label, rec
