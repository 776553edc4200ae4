"""Keep a long-running command's memory flat (glibc malloc on Linux).

Tensors of a batch are freed back to malloc, but the heap that torch's threads share fragments
and keeps the freed pages: tagging a 1 GB file grew from 345 to 509 MB of anonymous memory over
the first 100k lines (2 threads). Handing the free pages back to the system after each chunk of
input (`malloc_trim`) keeps it at 345 MB at no measurable cost in speed (2,011 against 1,996
lines/s). Pinning malloc's mmap threshold instead also kept memory flat but cost 22–25 % of the
speed. Elsewhere (macOS, musl, Windows) this does nothing.
"""

from __future__ import annotations

_trim = None


def release_free_memory() -> None:
    """Return the heap's free pages to the system (glibc `malloc_trim(0)`); a no-op elsewhere."""
    global _trim
    if _trim is None:
        try:
            import ctypes

            _trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = False
    if _trim:
        _trim(0)
