"""Shared fixtures: a tiny classifier trained in seconds on hand-written data."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _arrow_cache(tmp_path_factory):
    """Training's Arrow tables and token streams (corpus.py) go to a temporary cache, not ~/.cache."""
    import os

    os.environ["TEXTRNN_CACHE"] = str(tmp_path_factory.mktemp("textrnn-cache"))


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


def tiny_tag_config(decoder="crf", **train):
    return {
        "task": "tag",
        "data": {"train": str(FIXTURES / "ner_train.tsv"), "dev": str(FIXTURES / "ner_dev.tsv")},
        "model": {"word_dim": 16, "char_dim": 8, "char_filters": 8, "casing_dim": 4, "hidden_size": 16,
                  "dropout": 0.1, "word_dropout": 0.0, "decoder": decoder},
        "train": {"epochs": 3, "batch_size": 4, "lr": 0.02, "seed": 3, **train},
    }


@pytest.fixture(scope="session")
def tiny_ner(tmp_path_factory) -> Path:
    """A trained BiLSTM-CRF entity tagger bundle (trained once per test session)."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("ner")
    train(tiny_tag_config(epochs=15), out / "run", quiet=True)
    return out / "run" / "model"


@pytest.fixture(scope="session")
def tiny_pos(tmp_path_factory) -> Path:
    """A trained softmax POS tagger bundle on the two-sentence CoNLL-U sample."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("pos")
    config = tiny_tag_config(decoder="softmax", epochs=5)
    config["data"] = {"train": str(FIXTURES / "pos_sample.conllu")}
    config["model"]["words"] = "ud"
    train(config, out / "run", quiet=True)
    return out / "run" / "model"


def tiny_lm_config(unit="word", **train):
    return {
        "task": "lm",
        "data": {"train": str(FIXTURES / "lm_sample.txt[:80%]"), "dev": str(FIXTURES / "lm_sample.txt[80%:]")},
        "tokenizer": {"kind": unit},
        "model": {"embedding_dim": 16, "hidden_size": 16, "num_layers": 2, "dropout": 0.1, "rnn_dropout": 0.1,
                  "bptt": 8, "tie": unit == "word"},
        "train": {"epochs": 3, "batch_size": 2, "lr": 0.01, "seed": 3, **train},
    }


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> Path:
    """A trained word language model bundle (trained once per test session)."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("lm")
    config = tiny_lm_config(epochs=30, lr=0.03, batch_size=4)
    config["data"] = {"train": str(FIXTURES / "lm_sample.txt")}
    config["model"].update(dropout=0.0, rnn_dropout=0.0)
    train(config, out / "run", quiet=True)
    return out / "run" / "model"


@pytest.fixture(scope="session")
def tiny_char_lm(tmp_path_factory) -> Path:
    """A trained character language model bundle."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("charlm")
    train(tiny_lm_config(unit="char", epochs=2, batch_size=8), out / "run", quiet=True)
    return out / "run" / "model"


def tiny_translate_config(**train):
    return {
        "task": "translate",
        "data": {"train": str(FIXTURES / "parallel_train.{de,en}"), "dev": str(FIXTURES / "parallel_dev.{de,en}")},
        "tokenizer": {"kind": "sentencepiece", "max_size": 60},
        "model": {"embedding_dim": 16, "hidden_size": 16, "decoder_size": 24, "dropout": 0.0, "label_smoothing": 0.0,
                  "max_len": 32, "beam": 3},
        "train": {"epochs": 2, "batch_size": 8, "lr": 0.02, "seed": 3, **train},
    }


@pytest.fixture(scope="session")
def tiny_translate(tmp_path_factory) -> Path:
    """A trained German → English translation bundle on the 64 hand-made pairs."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("translate")
    train(tiny_translate_config(epochs=25), out / "run", quiet=True)
    return out / "run" / "model"


def tiny_segment_config(**train):
    return {"task": "segment",
            "data": {"train": str(FIXTURES / "segment_sample.conllu"), "dev": str(FIXTURES / "segment_sample.conllu")},
            "tokenizer": {"kind": "char", "min_freq": 1},
            "model": {"embedding_dim": 8, "class_dim": 4, "hidden_size": 16, "num_layers": 1, "max_len": 64},
            "train": {"epochs": 4, "batch_size": 4, "lr": 0.02, "seed": 1, **train}}


@pytest.fixture(scope="session")
def tiny_segmenter(tmp_path_factory) -> Path:
    """A trained segmenter bundle (heads/segment.py) on the hand-written CoNLL-U sample."""
    from textrnn.train import train

    out = tmp_path_factory.mktemp("seg")
    train(tiny_segment_config(), out / "run", quiet=True)
    return out / "run" / "model"
