"""textrnn/inspect.py and textrnn/word_vectors.py: what `textrnn inspect` computes, on tiny models."""

import math

import pytest
import torch

import textrnn
from textrnn.encoder import Encoder, EncoderConfig
from textrnn.errors import InputError, TextrnnError
from textrnn.heads.classify import Classifier, ClassifierConfig, Predictor
from textrnn.inspect import (gate_activations, hidden_states, model_gradients, pca_2d, read, select_units,
                             synthetic_gradients, tap_steps)
from textrnn.tokenizer import SPECIALS, WordTokenizer
from textrnn.word_vectors import WordVectors


def untrained_classifier(cell: str, bidirectional: bool = True, num_layers: int = 1) -> Predictor:
    """A classifier with random weights: enough to check computations that do not need training."""
    torch.manual_seed(0)
    tk = WordTokenizer(SPECIALS + ["a", "fine", "film", "dull", "plot"], lowercase=True)
    cfg = ClassifierConfig(labels=("neg", "pos"), vocab_size=tk.vocab_size, embedding_dim=6, cell=cell,
                           hidden_size=5, num_layers=num_layers, bidirectional=bidirectional)
    return Predictor(Classifier(cfg), tk)


def test_reference_gates_reproduce_the_fused_encoder(tiny_model):
    """The gates shown are those of the trained network: o_t ⊙ tanh(c_t) rebuilds the fused LSTM's outputs."""
    reading = read(textrnn.load(tiny_model), "a wonderful , moving film")
    assert reading.tokens == ["a", "wonderful", ",", "moving", "film"] and reading.x.shape[:2] == (1, 5)
    assert reading.encoder.config.impl == "fused" and reading.prediction in ("negative", "positive")
    result = gate_activations(reading)
    assert result["cell"] == "lstm" and result["gates"] == ["input", "forget", "output"]
    assert result["max_diff"] < 1e-5
    with torch.no_grad():
        fused, _ = reading.encoder(reading.x, reading.lengths)                 # (1, T, 2D)
    D = result["hidden_size"]
    assert [d["direction"] for d in result["directions"]] == ["forward", "backward"]
    for k, d in enumerate(result["directions"]):
        h = d["gates"]["output"] * torch.tanh(d["cell"])                       # (T, D) h_t = o_t ⊙ tanh(c_t)
        torch.testing.assert_close(h, fused[0, :, k * D:(k + 1) * D], atol=1e-5, rtol=0)
        torch.testing.assert_close(d["hidden_norm"], h.norm(dim=1), atol=1e-5, rtol=0)
        for values in d["gates"].values():
            assert values.shape == (5, D) and 0 < values.min() and values.max() < 1
        c_prev = torch.cat([torch.zeros(1, D), d["cell"][:-1]])                 # c_{t-1}, the backward's in text order
        if d["direction"] == "forward":                                         # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
            g = d["gates"]
            torch.testing.assert_close(d["cell"], g["forget"] * c_prev + g["input"] * d["candidate"],
                                       atol=1e-5, rtol=0)


def test_gru_gates_and_rnn_has_none():
    reading = read(untrained_classifier("gru", num_layers=2), "a fine film")
    result = gate_activations(reading)
    assert result["gates"] == ["reset", "update"] and result["max_diff"] < 1e-5
    assert [(d["layer"], d["direction"]) for d in result["directions"]] == \
        [(0, "forward"), (0, "backward"), (1, "forward"), (1, "backward")]
    assert "cell_norm" not in result["directions"][0] and result["directions"][0]["candidate"].shape == (3, 5)
    with pytest.raises(InputError, match="no gates"):
        gate_activations(read(untrained_classifier("rnn"), "a fine film"))


def test_read_each_task(tiny_ner, tiny_lm, tiny_translate):
    tag = read(textrnn.load(tiny_ner), "Angela Merkel visited Paris.")
    assert tag.tokens == ["Angela", "Merkel", "visited", "Paris", "."] and tag.x.size(1) == 5
    assert tag.prediction.startswith("tags ") and len(tag.prediction.split()) == 6   # one tag per token
    lm = read(textrnn.load(tiny_lm), "the cat")
    assert lm.tokens == ["<eos>", "the", "cat"] and lm.x.size(1) == 3 and lm.prediction.startswith("next ")
    tr = read(textrnn.load(tiny_translate), "Ein Hund läuft.")
    assert tr.tokens[-1] == "</s>" and tr.x.size(1) == len(tr.tokens)
    assert 0 < tr.probability <= 1


def test_unknown_words_are_reported():
    reading = read(untrained_classifier("lstm"), "a fine zeppelin")
    assert reading.unknown == ["zeppelin"]


def test_bad_input():
    p = untrained_classifier("lstm")
    with pytest.raises(InputError, match="empty"):
        read(p, "   ")

    class Other:
        task = "speech"
    with pytest.raises(TextrnnError, match="classify, lm, tag, translate"):
        read(Other(), "hello")
    with pytest.raises(TextrnnError, match="classify, lm, tag, translate"):
        WordVectors(Other())


def test_hidden_states_and_pca(tiny_ner):
    reading = read(textrnn.load(tiny_ner), "John lives in London .")
    result = hidden_states(reading)
    T = len(reading.tokens)
    assert result["states"].shape == (T, 2 * reading.encoder.config.hidden_size)
    torch.testing.assert_close(result["norms"], result["states"].norm(dim=1))
    assert result["pca"].shape == (T, 2) and 0 < float(result["explained"].sum()) <= 1 + 1e-6
    # PCA keeps the distances between points when two directions hold all of the variation
    X = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 2, 0], [1, 2, 0]]) @ torch.linalg.qr(torch.randn(3, 3))[0]
    coords, explained = pca_2d(X)
    torch.testing.assert_close(torch.cdist(coords, coords), torch.cdist(X, X), atol=1e-5, rtol=0)
    assert abs(float(explained.sum()) - 1) < 1e-5
    coords, explained = pca_2d(torch.ones(1, 4))                               # one token: a point at 0
    assert coords.tolist() == [[0.0, 0.0]] and explained.tolist() == [0.0, 0.0]


def test_model_gradients_per_layer_and_direction(tiny_lm, tiny_model):
    reading = read(textrnn.load(tiny_lm), "the cat sat")
    result = model_gradients(reading, clip=1e-3)
    assert [(d["layer"], d["direction"]) for d in result["directions"]] == [(0, "forward"), (1, "forward")]
    for d in result["directions"]:
        assert d["norms"].shape == (4,) and bool((d["norms"] > 0).all())
    assert math.isclose(math.exp(result["logp"]), reading.probability, rel_tol=1e-4)
    assert result["total_norm"] > 1e-3 and math.isclose(result["clipped_norm"], 1e-3, rel_tol=1e-3)
    assert all(p.grad is None for p in reading.model.parameters())             # the model is left clean
    assert reading.model.encoder is reading.encoder
    bi = model_gradients(read(textrnn.load(tiny_model), "a wonderful , moving film"))
    assert [d["direction"] for d in bi["directions"]] == ["forward", "backward"] and bi["clipped_norm"] is None


def test_probes_read_the_gradient_with_respect_to_each_hidden_state():
    """A plain RNN computes h_t = tanh(W_ih x_t + ...), so ∂loss/∂x_t = W_ihᵀ (∂loss/∂h_t ⊙ (1 − h_t²)),
    summed over both directions: the probes' gradients, in text order, must give autograd's ∂loss/∂x."""
    torch.manual_seed(0)
    enc = Encoder(EncoderConfig("rnn", 3, 4, bidirectional=True, impl="reference")).double()
    taps = tap_steps(enc)
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)         # (B, T, I)
    out, _ = enc(x)
    out.pow(2).sum().backward()
    grads = taps.in_text_order([p.grad for p in taps.probes], enc.config, 5)    # (K, T, B, D)
    states = taps.in_text_order(taps.states, enc.config, 5)                    # (K, T, B, D)
    w = [enc.rnn.weight_ih_l0, enc.rnn.weight_ih_l0_reverse]                    # (D, I) each
    expected = sum((grads[k] * (1 - states[k] ** 2)) @ w[k] for k in range(2))   # (T, B, I)
    torch.testing.assert_close(expected.transpose(0, 1), x.grad)


def test_synthetic_gradients_vanish_explode_and_clip():
    rnn = synthetic_gradients("rnn", length=40, seed=1)
    assert rnn["norms"].shape == (40,) and abs(float(rnn["norms"][-1]) - 1) < 1e-9   # the readout is a unit vector
    assert float(rnn["norms"][0]) < 1e-3 * float(rnn["norms"][-1])            # vanishes at default init
    again = synthetic_gradients("rnn", length=40, seed=1)
    assert torch.equal(rnn["norms"], again["norms"])                           # the seed fixes everything
    boom = synthetic_gradients("rnn", length=40, seed=1, recurrent_scale=4.0, clip=1.0)
    assert float(boom["norms"][0]) > 10 * float(boom["norms"][-1])            # explodes with W_hh × 4
    assert boom["total_norm"] > 100 and math.isclose(boom["clipped_norm"], 1.0, rel_tol=1e-4)
    plain = synthetic_gradients("lstm", length=40, seed=1)
    opened = synthetic_gradients("lstm", length=40, seed=1, forget_bias=3.0)
    assert float(opened["norms"][0]) > 100 * float(plain["norms"][0])          # an open forget gate carries it


def test_neighbours_and_projection(tiny_model):
    vectors = WordVectors(textrnn.load(tiny_model))
    near = vectors.neighbours("Film", top=3)                                   # lower-cased like the model reads
    assert len(near) == 3 and "film" not in [w for w, _ in near]
    sims = [s for _, s in near]
    assert sims == sorted(sims, reverse=True) and all(-1 <= s <= 1 + 1e-6 for s in sims)
    assert not any(w in SPECIALS for w, _ in vectors.neighbours("film", top=1000))
    with pytest.raises(InputError, match="'zeppelinx' is not in the model's vocabulary"):
        vectors.neighbours("zeppelinx")
    projected = vectors.project(["film", "smart", "boring"])
    assert projected["coords"].shape == (3, 2)
    with pytest.raises(InputError, match="'qqq', 'rrr' are not"):
        vectors.project(["film", "qqq", "rrr"])
    with pytest.raises(InputError, match="at least 2"):
        vectors.project(["film"])


def test_word_vectors_of_each_task(tiny_ner, tiny_lm, tiny_translate):
    tag = WordVectors(textrnn.load(tiny_ner))
    assert tag.id_of("LONDON") == tag.id_of("london") is not None                 # lower-cased, as the tagger reads
    lm = WordVectors(textrnn.load(tiny_lm))
    assert lm.table.shape[0] == len(lm.vocab) and lm.id_of("the") is not None
    tr = WordVectors(textrnn.load(tiny_translate))
    piece = next(p for p in tr.vocab if p.startswith("▁") and len(p) > 2)
    assert tr.id_of(piece[1:]) == tr.vocab.index(piece)                         # a word finds its word-initial piece


def test_tied_adaptive_vocabulary_vectors_come_through_embed():
    from textrnn.heads.lm import LanguageModel, LMConfig
    from textrnn.heads.lm import Predictor as LMPredictor

    torch.manual_seed(0)
    words = [f"w{i}" for i in range(20)]
    tk = WordTokenizer(SPECIALS + words, split="whitespace")
    model = LanguageModel(LMConfig(vocab_size=tk.vocab_size, embedding_dim=8, hidden_size=8, num_layers=1,
                                   cutoffs=(8, 16), div=2.0))
    vectors = WordVectors(LMPredictor(model, tk))
    ids = torch.tensor([[5, 12, 20]])                                           # one from each cluster
    torch.testing.assert_close(vectors.table[ids[0]], model.vocab.embed(ids)[0].detach())
    assert vectors.table.shape == (tk.vocab_size, 8)


def test_select_units_by_variance_or_index():
    values = torch.tensor([[0.5, 0.9, 0.1, 0.5],
                           [0.5, 0.1, 0.2, 0.6],
                           [0.5, 0.9, 0.1, 0.4]])                               # (T, D)
    assert select_units(values, 2).tolist() == [1, 3]                         # the units that move most, most first
    assert select_units(values, 9).tolist() == [1, 3, 2, 0]                   # at most D
    assert select_units(values, 2, "index").tolist() == [0, 1]
    assert select_units(values[:1], 2).tolist() == [0, 1]                     # one token: nothing varies, keep order
    with pytest.raises(ValueError):
        select_units(values, 2, "mean")


def test_hidden_states_one_direction():
    """--direction forward keeps the left-to-right half: the state at t has read tokens 1 … t only."""
    p = untrained_classifier("gru")
    both = hidden_states(read(p, "a fine film"))
    fwd = hidden_states(read(p, "a fine film"), "forward")
    bwd = hidden_states(read(p, "a fine film"), "backward")
    torch.testing.assert_close(torch.cat([fwd["states"], bwd["states"]], 1), both["states"])
    prefix = hidden_states(read(p, "a fine"), "forward")["states"]             # the text cut after "fine"
    torch.testing.assert_close(fwd["states"][:2], prefix)                     # same states: the future is unread
    assert not torch.allclose(bwd["states"][:2], hidden_states(read(p, "a fine"), "backward")["states"])
    with pytest.raises(InputError, match="one direction only"):
        hidden_states(read(untrained_classifier("gru", bidirectional=False), "a fine film"), "backward")
    with pytest.raises(InputError, match="unknown direction"):
        hidden_states(read(p, "a fine film"), "sideways")


def test_a_classifier_with_an_ngram_bag_is_read_with_its_bag():
    """The probability inspect shows is the model's own, the bag's scores included."""
    torch.manual_seed(0)
    tk = WordTokenizer(SPECIALS + ["a", "fine", "film", "dull", "plot"], lowercase=True)
    cfg = ClassifierConfig(labels=("neg", "pos"), vocab_size=tk.vocab_size, embedding_dim=6, hidden_size=5,
                           bag_ngrams=2, bag_buckets=64)
    p = Predictor(Classifier(cfg), tk)
    with torch.no_grad():
        p.model.bag.weight.normal_()
    reading = read(p, "a fine film")
    assert reading.probability == pytest.approx(max(p.predict(["a fine film"])[0]["scores"].values()), abs=1e-5)
