"""Writing results: to stdout, or atomically to a file that is never left half-written."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from textrnn.errors import InputError


def check_new_file(path: Path, option: str, force: bool = False) -> Path:
    """Refuse, before any work is done, a path that is a directory, exists (unless `force`), or
    whose folder is missing; `option` names the flag in the message (--output, --out, --onnx)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {str(path)!r} is a directory", hint="give a file name")
    if path.exists() and not force:
        raise InputError(f"{option} {str(path)!r} exists", hint="add --force to overwrite it, or choose another name")
    if not path.parent.is_dir():
        raise InputError(f"{option} {str(path)!r}: folder {str(path.parent)!r} does not exist")
    return path


@contextlib.contextmanager
def open_output(path: Path | None, force: bool = False):
    """Yield a text stream: stdout, or a temporary file beside `path` renamed into place on success.

    An existing `path` is refused unless `force`; on any error the temporary file is removed and
    `path` is left as it was.
    """
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    path = check_new_file(path, "--output", force)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            yield f
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
