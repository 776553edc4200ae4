import json

import pytest

from textrnn.errors import ConfigError, TextrnnError
from textrnn.train import train
from tests.conftest import tiny_classify_config


def losses(run):
    return [json.loads(l)["train_loss"] for l in (run / "metrics.jsonl").read_text().splitlines()]


def test_seeded_runs_repeat(tmp_path):
    train(tiny_classify_config(epochs=2), tmp_path / "a", quiet=True)
    train(tiny_classify_config(epochs=2), tmp_path / "b", quiet=True)
    assert losses(tmp_path / "a") == losses(tmp_path / "b")


def test_resume_continues_exactly(tmp_path):
    full = train(tiny_classify_config(epochs=3, patience=10), tmp_path / "full", quiet=True)
    train(tiny_classify_config(epochs=1, patience=10), tmp_path / "part", quiet=True)
    with open(tmp_path / "part" / "metrics.jsonl", "a") as f:  # killed after logging epoch 2, before its checkpoint
        f.write(json.dumps({"epoch": 2, "train_loss": 123.0}) + "\n")
    resumed = train(tiny_classify_config(epochs=3, patience=10), tmp_path / "part", resume=True, quiet=True)
    assert losses(tmp_path / "part") == pytest.approx(losses(tmp_path / "full"), rel=1e-6)
    assert resumed["dev"]["accuracy"] == full["dev"]["accuracy"]
    # the training time counts the epochs run before the interruption too
    seconds = [json.loads(line)["seconds"] for line in (tmp_path / "part" / "metrics.jsonl").read_text().splitlines()]
    assert len(seconds) == 3 and resumed["train_seconds"] == pytest.approx(sum(seconds), abs=0.05)


def test_refuses_to_clobber_and_resume_nothing(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "x").write_text("")
    with pytest.raises(TextrnnError, match="exists and is not empty"):
        train(tiny_classify_config(), tmp_path / "run", quiet=True)
    with pytest.raises(TextrnnError, match="nothing to resume"):
        train(tiny_classify_config(), tmp_path / "run", resume=True, quiet=True)


@pytest.mark.parametrize("section,key", [("train", "lrr"), ("model", "hiden_size"), ("tokenizer", "knd")])
def test_unknown_keys(tmp_path, section, key):
    cfg = tiny_classify_config()
    cfg.setdefault(section, {})[key] = 1
    with pytest.raises(ConfigError, match=f"unknown config key '{section}.{key}'"):
        train(cfg, tmp_path / "run", quiet=True)


def test_init_from_another_model(tmp_path, tiny_model):
    import torch

    import textrnn

    cfg = {**tiny_classify_config(epochs=1, lr=0.0), "init": str(tiny_model)}
    train(cfg, tmp_path / "run", quiet=True)
    a = textrnn.load(tiny_model).model.state_dict()
    b = textrnn.load(tmp_path / "run" / "model").model.state_dict()
    # lr 0: the initialised weights come through unchanged, under the same tokenizer
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_init_that_does_not_exist_says_how_to_build_it(tmp_path):
    cfg = {**tiny_classify_config(epochs=1), "init": str(tmp_path / "nope")}
    with pytest.raises(ConfigError, match="no model directory at") as e:
        train(cfg, tmp_path / "run", quiet=True)
    assert "make pretrained" in e.value.hint
