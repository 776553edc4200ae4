"""Errors a user can act on.

Every mistake a user can make (a missing file, an unknown model name, a bad config key) raises a
`TextrnnError` carrying a one-line message and a `hint:` saying what to do next. The CLI prints
both on stderr and exits with code 1, without a traceback (unless `--debug`).
"""

from __future__ import annotations


class TextrnnError(Exception):
    """A user-facing error: `message` says what is wrong, `hint` what to do about it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class InputError(TextrnnError):
    """Bad input data: a missing, empty, binary or undecodable file, or a malformed line."""


class UnknownLabels(InputError):
    """Gold labels (or tags) in evaluation data that the model does not have; `labels` lists them, so
    the caller that knows the file can name the first line holding one."""

    def __init__(self, message: str, hint: str | None = None, labels: tuple[str, ...] = ()):
        super().__init__(message, hint)
        self.labels = labels


class ConfigError(TextrnnError, ValueError):
    """A config that names unknown keys or values, or has values of the wrong type."""


class BundleError(TextrnnError):
    """A model directory that is missing, corrupted, of another format version or another task."""


def choose(kind: str, name: str, valid) -> None:
    """Fail helpfully when `name` is not one of `valid`: `unknown cell 'lstn'; choose one of: gru, lstm, rnn`."""
    valid = sorted(valid)
    if name not in valid:
        raise ConfigError(f"unknown {kind} {name!r}; choose one of: {', '.join(valid)}")


def check_size(option: str, value: int, low: int, high: int, hint: str | None = None) -> None:
    """A size option must lie in [low, high]: `--beam 100000: must be between 1 and 64`. The upper
    bounds keep one request from taking the machine's memory (issue 20, row 7)."""
    if not low <= value <= high:
        raise InputError(f"{option} {value}: must be between {low:,} and {high:,}", hint=hint)
