"""Explicit configuration: frozen dataclasses filled from dicts (TOML files, JSON bundles).

`from_dict(Cls, data)` builds a dataclass from a plain dict, recursing into nested dataclass
fields, and rejects keys that do not exist with the list of valid ones, so a typo in a config file
(`hiden_size`) fails at once instead of silently training the default.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path
from typing import Any

from textrnn.errors import ConfigError


def from_dict(cls, data: dict[str, Any], where: str = ""):
    """Build dataclass `cls` from `data`; unknown keys raise ConfigError naming the valid ones."""
    if not isinstance(data, dict):
        raise ConfigError(f"config section {where or cls.__name__!r} must be a table, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ConfigError(
            f"unknown config key {key!r}",
            hint=f"valid keys{' in [' + where + ']' if where else ''}: {', '.join(sorted(fields))}",
        )
    kwargs = {}
    for name, value in data.items():
        kind = hints[name]
        sub = where + "." + name if where else name
        if dataclasses.is_dataclass(kind):
            kwargs[name] = from_dict(kind, value, sub)
        else:
            kwargs[name] = _coerce(value, kind, sub)
    try:
        return cls(**kwargs)
    except TypeError as e:  # a required field is missing
        raise ConfigError(f"config {where or cls.__name__}: {e}") from None


def _coerce(value, kind, where: str):
    """Check simple types (TOML and JSON give int for 1, float for 1.0; accept int where float is wanted)."""
    origin = typing.get_origin(kind)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in (int, float, str, bool):
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"config key {where!r} must be {kind.__name__}, got {value!r}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config key {where!r} must be a list, got {value!r}")
        return tuple(value)
    return value  # Optional[...] and unions: accept as given; the dataclass validates further


def to_dict(obj) -> dict[str, Any]:
    """The inverse of `from_dict`: nested dataclasses become nested dicts, tuples lists (JSON-ready)."""
    out = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v):
            v = to_dict(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `--set section.key=value` overrides; the value is parsed as a TOML value when it can be."""
    import tomllib

    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r} is not key=value", hint="write e.g. --set optim.lr=3e-4")
        key, raw = item.split("=", 1)
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word: take it as a string (--set encoder.cell=gru)
        node = data
        parts = key.strip().split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {p!r} is not a section")
        node[parts[-1]] = value
    return data


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file with errors that name the file."""
    import tomllib

    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"config file {str(path)!r} is a directory",
                          hint="give the TOML file (e.g. textrnn/configs/sms-spam.toml); to continue a run in a "
                               "directory, give its config and --out DIR --resume")
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} not found", hint="see `textrnn train --example classify` for one")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def corpora_dir() -> Path | None:
    """Where the shared public corpora live: $TEXTRNN_CORPORA, if set."""
    d = os.environ.get("TEXTRNN_CORPORA")
    return Path(d) if d else None


def resolve_data_path(spec: str, base: Path | None = None) -> Path:
    """Resolve a data path from a config.

    `corpora:sst2/train.tsv` is relative to $TEXTRNN_CORPORA (the shared corpora are never copied
    into the repo); any other relative path is relative to `base` (the config file's folder).
    """
    if spec.startswith("corpora:"):
        root = corpora_dir()
        if root is None:
            raise ConfigError(
                f"data path {spec!r} needs TEXTRNN_CORPORA",
                hint="export TEXTRNN_CORPORA=/path/to/shared/corpora (the Makefile sets it to ../shared/corpora)",
            )
        return root / spec[len("corpora:"):]
    p = Path(os.path.expanduser(spec))
    if not p.is_absolute() and base is not None:
        p = base / p
    return p
