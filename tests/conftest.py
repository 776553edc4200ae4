"""Shared fixtures: a tiny classifier trained in seconds on hand-written data."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def tiny_classify_config(**train):
    return {
        "task": "classify",
        "data": {"train": str(FIXTURES / "sentiment_train.tsv"), "dev": str(FIXTURES / "sentiment_dev.tsv")},
        "tokenizer": {"kind": "word", "lowercase": True},
        "model": {"embedding_dim": 16, "hidden_size": 16, "dropout": 0.1, "pooling": "max"},
        "train": {"epochs": 3, "batch_size": 8, "lr": 0.01, "seed": 3, **train},
    }


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A trained classify bundle directory (trained once per test session)."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("run")
    train(tiny_classify_config(epochs=6), out / "run", quiet=True)
    return out / "run" / "model"
