"""Contract: train a few steps → save → load → same predictions; every pooling and impl works."""

import dataclasses

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


def test_chunked_reading_is_max_over_separately_encoded_chunks():
    from textrnn.data import pad_batch

    torch.manual_seed(0)
    base = ClassifierConfig(labels=("a", "b"), vocab_size=60, embedding_dim=8, hidden_size=6, max_len=100)
    whole = Classifier(base).eval()
    chunked = Classifier(ClassifierConfig(**{**base.__dict__, "reading": "chunks", "chunk_len": 7})).eval()
    chunked.load_state_dict(whole.state_dict())
    seqs = [[5, 6, 7], list(range(4, 30)), list(range(4, 11)), list(range(4, 50))]
    ids, lengths = pad_batch(seqs)
    with torch.no_grad():
        got, _ = chunked(ids, lengths)
        # a text no longer than a chunk reads as it would whole
        torch.testing.assert_close(got[[0, 2]], whole(ids, lengths)[0][[0, 2]], atol=1e-5, rtol=1e-5)
        # a long one: each chunk of 7 encoded alone, max-pooled, then the maximum over chunks
        x = whole.embedding(torch.tensor([seqs[3]]))
        parts = [whole.encoder(x[:, s: s + 7])[0].max(1).values for s in range(0, len(seqs[3]), 7)]
        torch.testing.assert_close(got[3:], whole.output(torch.stack(parts).max(0).values), atol=1e-5, rtol=1e-5)
        # padding must not change a text's prediction
        alone, _ = chunked(ids[1:2, :26], lengths[1:2])
        torch.testing.assert_close(alone, got[1:2], atol=1e-5, rtol=1e-5)


def test_head_tail_reading_keeps_both_ends():
    from textrnn.heads.classify import Predictor
    from textrnn.tokenizer import train_tokenizer

    tok = train_tokenizer("char", ["abcdefghij"])
    cfg = ClassifierConfig(labels=("a", "b"), vocab_size=tok.vocab_size, max_len=4, reading="head_tail")
    p = Predictor(Classifier(cfg), tok)
    assert [tok.decode(s) for s in p.encode(["abcdefghij", "abc"])] == ["abij", "abc"]
    assert p.truncated == 1
    with pytest.raises(ConfigError, match="unknown reading 'tail'; choose one of: chunks, head, head_tail"):
        ClassifierConfig(labels=("a", "b"), vocab_size=5, reading="tail")


def test_training_on_several_files_balanced_and_scored_file_by_file(tmp_path):
    from textrnn.train import train

    train_file = str(FIXTURES / "sentiment_train.tsv")
    dev_file = str(FIXTURES / "sentiment_dev.tsv")
    cfg = tiny_classify_config(epochs=1)
    cfg["data"] = {"train": [train_file, train_file], "train_repeat": [2, 1], "dev": [dev_file, dev_file],
                   "test": [dev_file]}
    final = train(cfg, tmp_path / "run", quiet=True)
    n_dev = final["dev_files"][dev_file]["n"]
    assert final["dev"]["n"] == 2 * n_dev and "test_files" not in final
    assert textrnn.load(tmp_path / "run" / "model").metrics["data"]["train_repeat"] == [2, 1]
    from textrnn.heads import classify
    from textrnn.train_data import load_split

    lines = sum(1 for l in open(train_file, encoding="utf-8") if l.strip())
    assert len(load_split(classify, "classify", [train_file, train_file], repeat=(2, 1))) == 3 * lines
    cfg["data"]["train_repeat"] = [1]
    with pytest.raises(ConfigError, match="train_repeat has 1 numbers for 2 training files"):
        train(cfg, tmp_path / "bad", quiet=True)
    cfg["data"] = {"train": [train_file, 3]}
    with pytest.raises(ConfigError, match="must be a path or a list of paths"):
        train(cfg, tmp_path / "bad2", quiet=True)


def test_data_labels_keeps_only_the_named_labels_in_every_split(tmp_path):
    """`data.labels`: a three-class corpus (the tweets' negative/neutral/positive) read as two classes."""
    import textrnn
    from textrnn.heads import classify
    from textrnn.train import train
    from textrnn.train_data import load_split

    three = tmp_path / "three.tsv"
    three.write_text((FIXTURES / "sentiment_train.tsv").read_text(encoding="utf-8")
                     + "neutral\tit opens on friday\nneutral\tthe film runs two hours\n", encoding="utf-8")
    rows = load_split(classify, "classify", str(three), labels=("negative", "positive"))
    assert {label for label, _ in rows} == {"negative", "positive"}
    assert len(rows) == len(load_split(classify, "classify", str(three))) - 2
    cfg = tiny_classify_config(epochs=1)
    cfg["data"] = {"train": str(three), "dev": str(three), "test": str(three), "labels": ["negative", "positive"]}
    final = train(cfg, tmp_path / "run", quiet=True)
    assert textrnn.load(tmp_path / "run" / "model").labels == ["negative", "positive"]
    assert final["test"]["n"] == len(rows)
    cfg["data"]["labels"] = ["good"]
    with pytest.raises(ConfigError, match="no example has a label among data.labels"):
        train(cfg, tmp_path / "bad", quiet=True)
    cfg["data"]["labels"] = "negative"
    with pytest.raises(ConfigError, match="data.labels"):
        train(cfg, tmp_path / "bad2", quiet=True)


def test_balance_labels_evens_out_each_files_labels(tmp_path):
    """`data.balance_labels`: a file's rarer label is read again (whole copies, then a seeded sample)
    until it weighs as much as the most frequent one; other files keep their own mix."""
    import collections

    from textrnn.heads import classify
    from textrnn.train import train
    from textrnn.train_data import load_split

    skew = tmp_path / "skew.tsv"
    skew.write_text("".join(f"positive\tgood {i}\n" for i in range(7)) + "negative\tbad 0\nnegative\tbad 1\n",
                    encoding="utf-8")
    even = tmp_path / "even.tsv"
    even.write_text("positive\tfine\nnegative\tawful\n", encoding="utf-8")
    rows = load_split(classify, "classify", [str(skew), str(even)], balance=True, seed=1)
    counts = collections.Counter(label for label, _ in rows)
    assert counts == {"positive": 8, "negative": 8}
    bad = collections.Counter(text for label, text in rows if text.startswith("bad"))
    assert sorted(bad.values()) == [3, 4]   # 2 rows → 7: three whole copies each, then one of them once more
    assert rows == load_split(classify, "classify", [str(skew), str(even)], balance=True, seed=1)
    cfg = tiny_classify_config(epochs=1)
    cfg["data"] = {"train": str(skew), "balance_labels": True}
    train(cfg, tmp_path / "run", quiet=True)
    cfg["data"]["balance_labels"] = "yes"
    with pytest.raises(ConfigError, match="data.balance_labels' must be bool"):
        train(cfg, tmp_path / "bad", quiet=True)


@pytest.mark.parametrize("reading", ["head", "head_tail", "chunks"])
def test_long_texts_are_clipped_to_words_without_changing_the_ids(reading):
    """A long text is tokenized only as far as its first (and last) max_len + 1 words: same ids."""
    import random

    from textrnn.heads.classify import Predictor, clip_words
    from textrnn.tokenizer import train_tokenizer

    rng = random.Random(0)
    words = ["free", "prize!!", "e-mail:", "http://x.co/a?b=1", "meeting", "Re:", "$1,000", "ok", "x" * 50, "日本語"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 400))) + rng.choice(["", " ", "\n"])
             for _ in range(60)]
    tok = train_tokenizer("sentencepiece", texts, max_size=80, lowercase=True, normalize="punct")
    cfg = ClassifierConfig(labels=("a", "b"), vocab_size=tok.vocab_size, max_len=16, reading=reading)
    p = Predictor(Classifier(cfg), tok)
    clipped = p.encode(texts)
    m = cfg.max_len
    full = [s if len(s) <= m else s[: m // 2] + s[len(s) - (m - m // 2):] if reading == "head_tail" else s[:m]
            for s in tok.encode(texts)]
    assert clipped == full
    assert sum(len(clip_words(t, m, reading == "head_tail")) < len(t) for t in texts) > 30   # it did clip


def test_bag_of_ngrams_trains_saves_loads_and_reads_past_max_len(tmp_path):
    """A classifier with an n-gram bag (the wide part): contract, and the bag reads `bag_len` tokens
    while the encoder reads `max_len`."""
    from textrnn.train import train

    cfg = tiny_classify_config(epochs=3, bag_lr_factor=10.0)
    cfg["model"] |= {"bag_ngrams": 2, "bag_buckets": 4096, "bag_len": 64, "max_len": 4}
    train(cfg, tmp_path / "run", quiet=True)
    model = textrnn.load(tmp_path / "run" / "model")
    assert model.model.bag.weight.abs().sum() > 0                         # it learned something
    texts = ["a wonderful , moving film", "a dull mess " * 10, ""]
    first = model.predict(texts)
    second = textrnn.load(_resaved(model, tmp_path)).predict(texts)
    assert first[2] is None and second[2] is None
    for a, b in zip(first[:2], second[:2]):
        assert a["label"] == b["label"] and a["probability"] == pytest.approx(b["probability"], abs=1e-6)
    ids, bags = model.read(["a dull mess " * 10])
    assert len(ids[0]) == 4 and len(bags[0]) == 30                      # the bag reads past the encoder's 4 tokens
    assert model.bag_rows(bags, [0]).shape == (1, 6)            # a, dull, mess and three pairs: each once


def _resaved(model, tmp_path):
    model.save(tmp_path / "copy")
    return tmp_path / "copy"


def test_a_bag_model_needs_its_rows():
    cfg = ClassifierConfig(labels=("a", "b"), vocab_size=20, embedding_dim=8, hidden_size=6, bag_ngrams=1, bag_buckets=64)
    with pytest.raises(ValueError, match="n-gram bag"):
        Classifier(cfg)(torch.tensor([[4, 5]]), torch.tensor([2]))


def test_bad_bag_config():
    with pytest.raises(ConfigError, match="bag_ngrams"):
        ClassifierConfig(labels=("a", "b"), vocab_size=5, bag_ngrams=9)
    with pytest.raises(ConfigError, match="model.bag_chars needs the bag"):
        ClassifierConfig(labels=("a", "b"), vocab_size=5, bag_chars=3)
    with pytest.raises(ConfigError, match="model.bag_chars is 0"):
        ClassifierConfig(labels=("a", "b"), vocab_size=5, bag_ngrams=1, bag_chars_len=8)


def test_character_ngrams_in_the_bag(tmp_path):
    """bag_chars: the bag also reads the characters its tokens spell (Korean stems and endings), the same
    rows for decomposed (NFD) Hangul as for composed, and the contract holds."""
    import unicodedata

    from textrnn.ngrams import bag_ids, char_ngram_ids, ngram_ids
    from textrnn.train import train

    cfg = tiny_classify_config(epochs=2)
    cfg["tokenizer"] = {"kind": "sentencepiece", "max_size": 60}
    cfg["model"] |= {"bag_ngrams": 1, "bag_chars": 3, "bag_buckets": 4096, "bag_len": 64}
    train(cfg, tmp_path / "run", quiet=True)
    model = textrnn.load(tmp_path / "run" / "model")
    (ids,), (bag,) = model.read(["a wonderful film"])
    spelled = "".join(model.tokenizer.surfaces()[i] for i in bag)
    rows = set(model.ngrams(bag))
    assert set(ngram_ids(bag, 1, 4096, model.config.vocab_size).tolist()) <= rows
    assert set(char_ngram_ids(spelled, 3, 4096).tolist()) <= rows and "wonderful" in spelled
    korean = "이 영화 정말 재밌어요"
    nfd = unicodedata.normalize("NFD", korean)
    assert model.ngrams(model.read([nfd])[1][0]) == model.ngrams(model.read([korean])[1][0])
    texts = ["a wonderful , moving film", "a dull mess", "", korean]
    first = model.predict(texts)
    again = textrnn.load(_resaved(model, tmp_path)).predict(texts)
    assert [r and r["label"] for r in first] == [r and r["label"] for r in again]
    # bag_chars_len: only the first tokens' characters (a long e-mail's opening)
    model.config = dataclasses.replace(model.config, bag_chars_len=1)
    assert model.spelled(bag) == model.tokenizer.surfaces()[bag[0]]
    assert set(char_ngram_ids(spelled, 3, 4096).tolist()) - set(model.ngrams(bag))
    # the rows training caches (a thousand texts at a time) are those of the text-by-text definition
    _, bags = model.read(texts)
    c = model.config
    want = [bag_ids(b, c.bag_ngrams, c.bag_buckets, c.vocab_size, model.spelled(b), c.bag_chars).tolist() for b in bags]
    assert model.ngram_lists(bags) == want
    assert model.ngram_lists(bags * 5, budget=3) == want * 5       # blocks of a few texts: the same rows
