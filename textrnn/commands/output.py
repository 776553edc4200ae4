"""Writing results: to stdout, or atomically to a file that is never left half-written; one record
a line, whatever the text holds."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import sys
from pathlib import Path

from textrnn.errors import InputError

# Every character that str.splitlines() (and so many line readers) breaks a line at, and the tab.
_BREAKS = re.compile("[\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# JSON allows these raw inside strings, but a line-based reader would split the record there.
_JSON_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def one_line(text: str) -> str:
    """`text` for a column of a line-based output: tabs and line breaks of every kind become spaces."""
    return _BREAKS.sub(" ", text)


def json_line(obj) -> str:
    """One JSON object on one line: U+0085/U+2028/U+2029 escaped (JSON allows them raw; line readers
    split there), and never `NaN`/`Infinity` (not JSON): a non-finite number becomes null."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(finite(obj), ensure_ascii=False, allow_nan=False)
    for raw, escaped in _JSON_BREAKS.items():
        text = text.replace(raw, escaped)
    return text


def finite(obj):
    """`obj` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def check_new_file(path: Path, option: str, force: bool = False) -> Path:
    """Refuse, before any work is done, a path that is a directory, exists (unless `force`), or
    whose folder is missing; `option` names the flag in the message (--output, --out, --onnx)."""
    if str(path) == "-":   # open_output takes `-` as stdout; a picture or a model cannot go there
        raise InputError(f"{option} -: this writes a file, not standard output", hint="give a file name")
    path = Path(path)
    if path.is_symlink():   # replacing it would replace the link, not what it points to
        raise InputError(f"{option} {str(path)!r} is a symbolic link", hint="give the path of a regular file (or a new one)")
    if path.is_dir():
        raise InputError(f"{option} {str(path)!r} is a directory", hint="give a file name")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):   # a device, FIFO or socket
        raise InputError(f"{option} {str(path)!r} is not a regular file (a device, FIFO or socket)",
                         hint="write results to a regular file, or leave out the option to write to stdout")
    if path.exists() and not force:
        raise InputError(f"{option} {str(path)!r} exists", hint="add --force to overwrite it, or choose another name")
    if not path.parent.is_dir():
        raise InputError(f"{option} {str(path)!r}: folder {str(path.parent)!r} does not exist",
                         hint=f"create it first (mkdir -p {str(path.parent)!r}) or choose another path")
    return path


def sweep_stale_temporaries(path: Path) -> None:
    """Remove `.NAME.tmp-PID` files beside `path` left by processes that no longer run (killed with
    SIGKILL, or by a power cut: no `finally` ran)."""
    for tmp in path.parent.glob(f".{path.name}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:   # no such process: the file is stale
            tmp.unlink(missing_ok=True)
        except PermissionError:      # another user's live process
            pass


@contextlib.contextmanager
def open_output(path: Path | None, force: bool = False):
    """Yield a text stream: stdout, or a temporary file beside `path` renamed into place on success.

    An existing `path` is refused unless `force`; on any error the temporary file is removed and
    `path` is left as it was.
    """
    if path is None or str(path) == "-":   # `-o -`: stdout, as `-` means stdin for inputs
        yield sys.stdout
        sys.stdout.flush()
        return
    path = check_new_file(path, "--output", force)
    sweep_stale_temporaries(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        try:
            f = open(tmp, "w", encoding="utf-8", newline="\n")
        except OSError as e:   # a read-only or immutable folder, /proc ...
            raise InputError(f"--output {str(path)!r}: cannot write there ({e.strerror})",
                             hint="choose a folder you can write to") from None
        try:
            with f:
                yield f
            os.replace(tmp, path)
        except OSError as e:
            if e.filename is None:   # a failed write names no file: name the output, not stdout
                e.filename = str(path)
            raise
    finally:
        if tmp.exists():
            tmp.unlink()
