"""The models a server may use: named by the operator at start, loaded once, kept in memory.

Each model's config is read (and checked) at start, so a wrong directory stops the server before
it listens; the weights are loaded on first use (or at start with `--preload`) and shared by all
requests. A request can only name a model of this registry: never a path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textrnn.bundle import read_config, read_metrics, resolve_model
from textrnn.commands.info import _size_mb, headline
from textrnn.errors import TextrnnError
from textrnn.serve.settings import DEFAULT_MODELS


class UnknownModel(TextrnnError):
    """A request named a model this server does not serve (HTTP 404)."""


class WrongTask(TextrnnError):
    """A request named a model of another task than the endpoint's (HTTP 422)."""


@dataclass
class Entry:
    name: str
    directory: Path
    task: str
    size_mb: float
    score: str
    predictor: object | None = None


class Registry:
    def __init__(self, models: dict[str, str]):
        self.entries: dict[str, Entry] = {}
        for name, spec in models.items():
            directory = resolve_model(spec)
            config = read_config(directory)
            self.entries[name] = Entry(name, directory, config["task"], round(_size_mb(directory), 2),
                                       headline(config["task"], read_metrics(directory)))
        self._lock = threading.Lock()

    def describe(self) -> list[dict]:
        """What `GET /v1/models` lists (what `textrnn models` shows), without loading anything."""
        return [{"name": e.name, "task": e.task, "size_mb": e.size_mb, "score": e.score,
                 "default": DEFAULT_MODELS.get(e.task) == e.name, "loaded": e.predictor is not None}
                for e in self.entries.values()]

    def pick(self, name: str | None, task: str) -> Entry:
        """The entry a request names (or the task's default), checked against the endpoint's task."""
        fitting = [e.name for e in self.entries.values() if e.task == task]
        if name is None:
            name = DEFAULT_MODELS[task] if DEFAULT_MODELS.get(task) in fitting else (fitting[0] if fitting else None)
            if name is None:
                raise WrongTask(f"this server has no {task} model", hint="start it with --models naming one, or --models all")
        if name not in self.entries:
            raise UnknownModel(f"unknown model {name!r}; this server has: {', '.join(self.entries)}",
                               hint="GET /v1/models lists them with their tasks")
        entry = self.entries[name]
        if entry.task != task:
            raise WrongTask(f"model {name!r} is a {entry.task} model; this endpoint takes: {', '.join(fitting) or '(none)'}",
                            hint="GET /v1/models lists the models with their tasks")
        return entry

    def load(self, entry: Entry):
        """The entry's predictor, loaded on first use (called from a worker thread)."""
        if entry.predictor is None:
            with self._lock:
                if entry.predictor is None:
                    import textrnn

                    entry.predictor = textrnn.load(str(entry.directory), task=entry.task)
                    if entry.task == "tag":   # the segmenter it reads raw text with, loaded now too
                        from textrnn.raw_text import pick_segmenter

                        pick_segmenter("auto", entry.predictor)
                    settle_heap()
        return entry.predictor


def settle_heap() -> None:
    """Collect the loading's garbage, then move every object alive (torch's, the models', the web
    stack's: about 200,000 with `sentiment` and `ner` loaded) out of the garbage collector's sight
    (gc.freeze). Without this, each full collection walked them all: 134 ms measured on this
    machine, a pause that the requests then in flight waited for (the serving benchmark's p99)."""
    import gc

    gc.collect()
    gc.freeze()
