"""tools/rescore.py: a prediction-time key written into a bundle, its splits scored again."""

import json
import shutil
import sys

import pytest

from textrnn import runtime


def rescore(monkeypatch, *args):
    from tools import rescore as tool

    monkeypatch.setattr(sys, "argv", ["tools/rescore.py", *map(str, args)])
    tool.main()


def test_precision_is_written_and_the_splits_scored_again(tiny_model, tmp_path, monkeypatch, capsys):
    bundle = tmp_path / "m"
    shutil.copytree(tiny_model, bundle)
    weights = (bundle / "model.safetensors").read_bytes()
    monkeypatch.setattr(runtime, "native_bf16", lambda: True)
    rescore(monkeypatch, bundle, "--set", "model.precision=bf16")
    config, metrics = (json.loads((bundle / f).read_text()) for f in ("config.json", "metrics.json"))
    assert config["model"]["precision"] == "bf16"
    assert (bundle / "model.safetensors").read_bytes() == weights
    r = metrics["rescored"]
    assert r["changes"] == {"precision": ["fp32", "bf16"]} and r["precision"] == "bf16"
    assert set(r["before"]) == {"dev"} and 0 <= metrics["dev"]["accuracy"] <= 1
    assert '"dev"' in capsys.readouterr().out
    rescore(monkeypatch, "--table", bundle)
    assert "precision: fp32 → bf16" in capsys.readouterr().out
    first = metrics["rescored"]
    rescore(monkeypatch, bundle, "--set", "model.precision=fp32")   # a second rescoring adds up with the first
    r = json.loads((bundle / "metrics.json").read_text())["rescored"]
    assert r["changes"] == {"precision": ["fp32", "fp32"]} and r["before"] == first["before"]
    assert r["earlier"] == [{"date": first["date"], "command": first["command"]}] and r["command"].endswith("precision=fp32")


def test_what_it_refuses(tiny_model, tmp_path, monkeypatch):
    bundle = tmp_path / "m"
    shutil.copytree(tiny_model, bundle)
    before = sorted((p.name, p.read_bytes()) for p in bundle.iterdir())
    with pytest.raises(SystemExit, match="only a classify model's prediction-time keys"):
        rescore(monkeypatch, bundle, "--set", "model.hidden_size=3")
    monkeypatch.setattr(runtime, "native_bf16", lambda: False)   # bf16 asked, fp32 would run: scores mislabelled
    with pytest.raises(SystemExit, match="would predict in fp32 here"):
        rescore(monkeypatch, bundle, "--set", "model.precision=bf16")
    assert sorted((p.name, p.read_bytes()) for p in bundle.iterdir()) == before   # untouched
    with pytest.raises(SystemExit, match="has not been rescored"):
        rescore(monkeypatch, "--table", bundle)


def test_derive_writes_what_training_reads_from_its_data(tiny_segmenter, tiny_model, tmp_path, monkeypatch):
    bundle = tmp_path / "seg"
    shutil.copytree(tiny_segmenter, bundle)
    config = json.loads((bundle / "config.json").read_text())
    mwt = config["model"]["mwt"]
    del config["model"]["mwt_always"]                                # a bundle from before the list
    (bundle / "config.json").write_text(json.dumps(config))
    rescore(monkeypatch, bundle, "--derive")
    config, metrics = (json.loads((bundle / f).read_text()) for f in ("config.json", "metrics.json"))
    assert config["model"]["mwt_always"] == [] and config["model"]["mwt"] == mwt
    (key, (before, after)), = metrics["rescored"]["changes"].items()
    assert key == "mwt_always" and before is None and after.startswith("0 entries (")
    with pytest.raises(SystemExit, match="reads nothing from its training data"):
        rescore(monkeypatch, tiny_model, "--derive")
