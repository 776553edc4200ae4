"""Contract: train a few steps → save → load → same predictions; every pooling and impl works."""

import pytest
import torch

import textrnn
from textrnn.heads.classify import Classifier, ClassifierConfig
from textrnn.errors import ConfigError
from tests.conftest import FIXTURES, tiny_classify_config


def test_train_save_load_same_predictions(tmp_path):
    from textrnn.train import train

    final = train(tiny_classify_config(epochs=2), tmp_path / "run", quiet=True)
    assert final["dev"]["n"] == 6
    model = textrnn.load(tmp_path / "run" / "model")
    texts = ["a wonderful , moving film", "a dull mess", ""]
    first = model.predict(texts)
    model.save(tmp_path / "copy")
    second = textrnn.load(tmp_path / "copy").predict(texts)
    assert first[2] is None and second[2] is None
    for a, b in zip(first[:2], second[:2]):
        assert a["label"] == b["label"]
        assert a["probability"] == pytest.approx(b["probability"], abs=1e-6)
        assert sum(a["scores"].values()) == pytest.approx(1.0)


def test_tiny_model_learns_the_fixture(tiny_model):
    got = textrnn.load(tiny_model).predict(["a wonderful , moving film", "a dull , boring mess"])
    assert [g["label"] for g in got] == ["positive", "negative"]


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_poolings_and_cells_fused_equals_reference(pooling, cell):
    torch.manual_seed(0)
    cfg = ClassifierConfig(labels=("a", "b", "c"), vocab_size=20, embedding_dim=8, hidden_size=6,
                           cell=cell, pooling=pooling, num_layers=2)
    fused = Classifier(cfg).eval()
    ref = Classifier(ClassifierConfig(**{**cfg.__dict__, "impl": "reference"})).eval()
    ref.load_state_dict(fused.state_dict())
    ids = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0]])
    lengths = torch.tensor([4, 2])
    logits, loss = fused(ids, lengths, torch.tensor([0, 2]))
    assert logits.shape == (2, 3) and loss.ndim == 0
    torch.testing.assert_close(ref(ids, lengths)[0], logits, atol=1e-5, rtol=1e-5)
    # padding must not change a sequence's prediction
    alone, _ = fused(ids[1:, :2], lengths[1:])
    torch.testing.assert_close(alone, logits[1:], atol=1e-5, rtol=1e-5)


def test_bad_model_config():
    with pytest.raises(ConfigError, match="unknown pooling 'min'; choose one of: attention, last, max, mean"):
        ClassifierConfig(labels=("a", "b"), vocab_size=5, pooling="min")


def test_ensemble_trains_saves_loads(tmp_path):
    from textrnn.train import train

    final = train(tiny_classify_config(epochs=1, ensemble=2), tmp_path / "run", quiet=True)
    assert final["ensemble"] == 2 and final["dev"]["n"] == 6
    model = textrnn.load(tmp_path / "run" / "model")
    members = [textrnn.load(tmp_path / "run" / f"member{k}" / "model") for k in range(2)]
    texts = ["a wonderful film", "dull"]
    expect = (members[0].probabilities(texts) + members[1].probabilities(texts)) / 2
    torch.testing.assert_close(model.probabilities(texts), expect)
    assert model.predict(texts + [""])[2] is None
    model.save(tmp_path / "copy")
    torch.testing.assert_close(textrnn.load(tmp_path / "copy").probabilities(texts), expect)


def test_ensemble_scores_are_those_of_the_saved_bundle(tmp_path, monkeypatch):
    """A member trained earlier without int8 (reused by a resumed build) is quantized when the
    ensemble is saved; the recorded scores and training time must be the saved bundle's."""
    import json

    import textrnn.bundle
    from textrnn.data import read_labelled_tsv
    from textrnn.heads.classify import evaluate
    from textrnn.train import train

    monkeypatch.setattr(textrnn.bundle, "INT8_MIN_ROWS", 10)
    first = train(tiny_classify_config(epochs=2, seed=3), tmp_path / "run" / "member0", quiet=True)
    final = train(tiny_classify_config(epochs=2, ensemble=2, int8_embeddings=True), tmp_path / "run", resume=True, quiet=True)
    saved = textrnn.load(tmp_path / "run" / "model")
    dev = evaluate(saved, read_labelled_tsv(FIXTURES / "sentiment_dev.tsv"))
    recorded = json.loads((tmp_path / "run" / "model" / "metrics.json").read_text())
    assert recorded["dev"] == dev == final["dev"]
    member = json.loads((tmp_path / "run" / "member1" / "model" / "metrics.json").read_text())
    assert recorded["train_seconds"] == pytest.approx(first["train_seconds"] + member["train_seconds"], abs=0.2)
