"""Naive Bayes weights added to a classifier's bag after training (textrnn/naive_bayes.py, train_report.py)."""

import json
import math

import numpy as np
import pytest
import torch

from tests.conftest import tiny_classify_config
from textrnn.errors import ConfigError
from textrnn.naive_bayes import log_count_ratios
from textrnn.train import train


def test_ratios_by_hand():
    """Two labels, rows 1..3: row 1 in both spam texts, row 2 in the ham text, row 3 in one of each."""
    encoded = [([], 1, [1, 3]), ([], 1, [1, 1]), ([], 0, [2, 3, 0])]   # repeats and padding count once / never
    r = log_count_ratios(encoded, buckets=3, num_classes=2, alpha=1.0)   # (4, 2)
    assert r.shape == (4, 2) and torch.all(r[0] == 0)
    spam, ham = np.array([0, 2, 0, 1]) + 1.0, np.array([0, 0, 1, 1]) + 1.0
    spam[0] = ham[0] = 1.0                                               # row 0: α alone
    want = np.log(spam / spam.sum()) - np.log(ham / ham.sum())           # NBSVM's log-count ratio
    got = (r[:, 1] - r[:, 0]).numpy()
    assert np.allclose(got[1:], want[1:], atol=1e-6)
    assert torch.allclose(r.sum(1), torch.zeros(4), atol=1e-6)           # centred over the labels


def bag_config(epochs=2, **train_keys):
    config = tiny_classify_config(epochs=epochs, **train_keys)
    config["model"] |= {"bag_ngrams": 2, "bag_buckets": 256}
    return config


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_weights_reach_the_network_predictions_run_on(tmp_path, monkeypatch, precision):
    """In bfloat16 predictions run on a copy of the model (runtime.prediction_model): it gets them too."""
    from textrnn import load
    from textrnn.heads.classify import evaluate
    from textrnn.naive_bayes import add_naive_bayes

    monkeypatch.setenv("TEXTRNN_PRECISION", precision)   # bf16 even on a CPU without native bfloat16
    train(bag_config(epochs=1, half=True), tmp_path / "run", quiet=True)   # saved in fp16, as the shipped models
    p = load(tmp_path / "run" / "model")
    assert (p.runner is p.model) == (precision == "fp32")
    trained = p.model.bag.weight.detach().clone()
    seen = []

    def score(predictor, examples):
        seen.append(predictor.runner.bag.weight.detach().float().clone())
        return evaluate(predictor, examples)

    encoded = [([], 1, [1, 2]), ([], 0, [3, 4])]
    add_naive_bayes(p, encoded, [1.0], 1.0, {"dev": [("positive", "a great film"), ("negative", "a dull film")]},
                    score, lambda message: None, stored=torch.float16)
    assert torch.equal(seen[0], trained.float())                  # weight 0: the bag as trained
    assert not torch.equal(seen[1], seen[0])                      # weight 1 reached the runner
    assert torch.equal(p.runner.bag.weight, p.model.bag.weight)
    assert torch.equal(p.model.bag.weight, p.model.bag.weight.half().float())   # rounded as it will be stored


def test_the_weight_is_chosen_on_dev_and_added_once(tmp_path):
    """On the tiny data weight 1 wins (seeded: 0 and 5 score lower); finishing the finished run
    again starts from RUN/model-trained, so the ratios are not added a second time."""
    from textrnn import load

    run = tmp_path / "run"
    final = train(bag_config(epochs=1, bag_naive_bayes=[1.0, 5.0]), run, quiet=True)
    nb = final["naive_bayes"]
    assert set(nb["tried"]) == {"0", "1", "5"} and nb["weight"] == 1.0
    assert nb["tried"]["1"]["mean"] > nb["tried"]["0"]["mean"]
    assert math.isclose(final["dev"]["accuracy"], nb["tried"]["1"]["mean"])   # the model saved is the one chosen
    trained, finished = load(run / "model-trained"), load(run / "model")
    assert (finished.model.bag.weight - trained.model.bag.weight).abs().max() > 0
    assert json.loads((run / "model" / "metrics.json").read_text())["naive_bayes"]["weight"] == 1.0
    again = train(bag_config(epochs=1, bag_naive_bayes=[1.0, 5.0]), run, resume=True, quiet=True)
    assert again["naive_bayes"]["weight"] == 1.0
    assert torch.equal(load(run / "model").model.bag.weight, finished.model.bag.weight)


def test_the_trained_copy_is_always_the_best_epoch(tmp_path):
    """A later best epoch replaces RUN/model-trained: finishing never starts from an older epoch."""
    run = tmp_path / "run"
    train(bag_config(epochs=1, bag_naive_bayes=[1.0]), run, quiet=True)
    assert json.loads((run / "model-trained" / "metrics.json").read_text())["epoch"] == 1
    final = train(bag_config(epochs=3, bag_naive_bayes=[1.0]), run, resume=True, quiet=True)
    assert final["best_epoch"] > 1                                # (seeded) a later epoch is better
    assert json.loads((run / "model-trained" / "metrics.json").read_text())["epoch"] == final["best_epoch"]


def test_bad_settings_are_config_errors_before_training(tmp_path):
    with pytest.raises(ConfigError, match="model.bag_ngrams is 0"):
        train(tiny_classify_config(epochs=1, bag_naive_bayes=[1.0]), tmp_path / "a", quiet=True)
    no_dev = bag_config(bag_naive_bayes=[1.0])
    del no_dev["data"]["dev"]
    with pytest.raises(ConfigError, match="data.dev is not set"):
        train(no_dev, tmp_path / "d", quiet=True)
    from tests.conftest import tiny_tag_config

    with pytest.raises(ConfigError, match="for classifiers"):
        train(tiny_tag_config(epochs=1, bag_naive_bayes=[1.0]), tmp_path / "t", quiet=True)
    for bad in ([-1.0], ["x"], 3, [True], [float("nan")], [float("inf")]):
        with pytest.raises(ConfigError, match="train.bag_naive_bayes"):
            train(bag_config(bag_naive_bayes=bad), tmp_path / "b", quiet=True)
    with pytest.raises(ConfigError, match="bag_naive_bayes_alpha"):
        train(bag_config(bag_naive_bayes=[1.0], bag_naive_bayes_alpha=0), tmp_path / "c", quiet=True)
    for run in "adtbc":
        assert not (tmp_path / run / "model").exists()
