from dataclasses import dataclass, field

import pytest

from textrnn.config import apply_overrides, from_dict, resolve_data_path, to_dict
from textrnn.errors import ConfigError


@dataclass(frozen=True)
class Inner:
    size: int = 3
    rate: float = 0.5


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner = field(default_factory=Inner)


def test_round_trip():
    cfg = from_dict(Outer, {"name": "x", "inner": {"size": 4, "rate": 1}})
    assert cfg == Outer("x", Inner(4, 1.0))
    assert from_dict(Outer, to_dict(cfg)) == cfg


def test_unknown_key_names_valid_ones():
    with pytest.raises(ConfigError, match="unknown config key 'inner.sise'") as e:
        from_dict(Outer, {"name": "x", "inner": {"sise": 4}})
    assert "rate, size" in e.value.hint


def test_wrong_type():
    with pytest.raises(ConfigError, match="must be int"):
        from_dict(Outer, {"name": "x", "inner": {"size": "big"}})


def test_overrides_parse_values():
    data = apply_overrides({"train": {"lr": 1.0}}, ["train.lr=3e-4", "model.cell=gru", "train.half=true"])
    assert data == {"train": {"lr": 3e-4, "half": True}, "model": {"cell": "gru"}}
    with pytest.raises(ConfigError):
        apply_overrides({}, ["novalue"])


def test_corpora_paths_need_env(monkeypatch, tmp_path):
    monkeypatch.delenv("TEXTRNN_CORPORA", raising=False)
    with pytest.raises(ConfigError, match="TEXTRNN_CORPORA"):
        resolve_data_path("corpora:sst2/train.tsv")
    monkeypatch.setenv("TEXTRNN_CORPORA", str(tmp_path))
    assert resolve_data_path("corpora:sst2/train.tsv") == tmp_path / "sst2/train.tsv"
    assert resolve_data_path("a.tsv", base=tmp_path) == tmp_path / "a.tsv"
