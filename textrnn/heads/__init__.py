"""Task heads on the shared encoder: one task, one file.

Each head module defines a model config dataclass, the `nn.Module`, and a `Predictor` that joins
tokenizer, model and labels with `predict`, `save` and `from_bundle`. Heads are imported by name
only when needed, so the CLI starts without importing torch.
"""

from __future__ import annotations

import importlib

from textrnn.errors import choose

HEADS = {"classify": "textrnn.heads.classify", "tag": "textrnn.heads.tag", "lm": "textrnn.heads.lm",
         "translate": "textrnn.heads.translate", "segment": "textrnn.heads.segment"}


def head_module(task: str):
    """The module implementing `task` (classify, ...), imported on first use."""
    choose("task", task, HEADS)
    return importlib.import_module(HEADS[task])
