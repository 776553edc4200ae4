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


@pytest.mark.parametrize("key,value,message", [
    ("train.lr", "nan", "'train.lr' must be 0.0 or more, got nan"),
    ("train.lr", "-1", "'train.lr' must be 0.0 or more, got -1.0"),
    ("train.batch_size", "0", "'train.batch_size' must be 1 or more, got 0"),
    ("train.threads", "-1", "'train.threads' must be 0 or more, got -1"),
    ("train.epochs", "0", "'train.epochs' must be 1 or more, got 0"),
    ("train.clip", "-1", "'train.clip' must be 0.0 or more, got -1.0"),
    ("train.plateau_factor", "2", "'train.plateau_factor' must be from 0.0 to 1.0, got 2.0"),
    ("tokenizer.max_size", "0", "'tokenizer.max_size' must be 8 or more, got 0"),
])
def test_config_values_out_of_range_are_refused_before_training(tmp_path, key, value, message):
    """Issue 20, row 12: each value's valid range in the message, no traceback, no run directory."""
    from typer.testing import CliRunner

    from textrnn.cli import app
    from tests.conftest import tiny_classify_config

    config = tmp_path / "c.toml"
    cfg = tiny_classify_config()
    lines = ['task = "classify"', "[data]"] + [f'{k} = "{v}"' for k, v in cfg["data"].items()]
    lines += ["[tokenizer]", 'kind = "word"', "[model]", "hidden_size = 8", "embedding_dim = 8"]
    config.write_text("\n".join(lines) + "\n")
    r = CliRunner().invoke(app, ["train", str(config), "--out", str(tmp_path / "run"), "--set", f"{key}={value}"])
    assert r.exit_code == 1 and message in r.stderr and "Traceback" not in r.output, r.output
    assert not (tmp_path / "run").exists()
