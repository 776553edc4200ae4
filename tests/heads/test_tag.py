"""Contract: train a few steps → save → load → same tags; CRF and softmax; spans with offsets."""

import pytest
import torch

import textrnn
from textrnn.errors import ConfigError, InputError
from textrnn.heads.tag import Tagger, TaggerConfig, evaluate, make_batch
from tests.conftest import FIXTURES, tiny_tag_config


@pytest.mark.parametrize("decoder", ["crf", "softmax"])
def test_train_save_load_same_tags(decoder, tmp_path):
    from textrnn.train import train

    final = train(tiny_tag_config(decoder=decoder, epochs=2), tmp_path / "run", quiet=True)
    assert final["headline"] == "f1" and 0 <= final["dev"]["f1"] <= 1 and final["dev"]["n"] == 3
    model = textrnn.load(tmp_path / "run" / "model", task="tag")
    texts = ["Anna lives in Rome .", "", "Globex hired Karl Weber in Tokyo ."]
    first = model.predict(texts)
    model.save(tmp_path / "copy")
    second = textrnn.load(tmp_path / "copy").predict(texts)
    assert first == second
    # an English tagger reads raw lines through the shipped segmenter, which adds the line's sentences
    assert first[1] == {"text": "", "tokens": [], "tags": [], "offsets": [], "entities": [], "sentences": []}
    assert model.predict(texts, segmenter="rules")[1] == {"text": "", "tokens": [], "tags": [], "offsets": [],
                                                           "entities": []}


def test_char_bilstm_and_jamo_spelling_save_load_same_tags(tmp_path):
    """The Korean tagger's reading: Hangul syllables as their letters (NFD) into a character BiLSTM."""
    from textrnn.embedding import spelled
    from textrnn.train import train

    assert spelled("가까운", "jamo") == "\u1100\u1161\u1101\u1161\u110b\u116e\u11ab" and spelled("가까운") == "가까운"
    config = tiny_tag_config(decoder="softmax", epochs=1)
    config["model"].update(char_encoder="bilstm", char_split="jamo", char_filters=8)
    train(config, tmp_path / "run", quiet=True)
    model = textrnn.load(tmp_path / "run" / "model", task="tag")
    assert model.config.char_encoder == "bilstm" and model.config.char_split == "jamo"
    texts = ["Anna lives in 서울 .", "", "학교에 갔다"]
    first = model.predict(texts)
    model.save(tmp_path / "copy")
    assert textrnn.load(tmp_path / "copy").predict(texts) == first and first[1]["tokens"] == []
    config["model"]["char_encoder"] = "lstm"
    with pytest.raises(ConfigError, match="unknown char encoder 'lstm'; choose one of: bilstm, cnn"):
        train(config, tmp_path / "bad", quiet=True)


def test_tiny_ner_finds_entities_with_offsets(tiny_ner):
    tagger = textrnn.load(tiny_ner)
    rec = tagger.predict(["Karl Weber lives in Berlin ."])[0]
    assert rec["tags"] == ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]
    assert rec["entities"] == [{"text": "Karl Weber", "type": "PER", "start": 0, "end": 10},
                               {"text": "Berlin", "type": "LOC", "start": 20, "end": 26}]
    scores = evaluate(tagger, [(["Karl", "Weber", "lives", "in", "Berlin", "."], rec["tags"])])
    assert scores["f1"] == 1.0 and scores["per_type"]["PER"]["support"] == 1


def test_pos_model_reports_accuracy_and_no_entities(tiny_pos):
    tagger = textrnn.load(tiny_pos)
    assert not tagger.spans and tagger.config.words == "ud"
    rec = tagger.predict(["Dogs run fast."])[0]
    assert rec["tokens"] == ["Dogs", "run", "fast", "."] and "entities" not in rec
    from textrnn.data import read_tagged

    scores = evaluate(tagger, read_tagged(FIXTURES / "pos_sample.conllu"))
    assert set(scores) == {"accuracy", "n"} and scores["n"] == 10
    with pytest.raises(InputError, match="not among the model's tags"):
        evaluate(tagger, read_tagged(FIXTURES / "ner_dev.tsv"))


def test_long_sentences_are_tagged_in_pieces(tiny_ner):
    tagger = textrnn.load(tiny_ner)
    words = ["Anna", "lives", "in", "Rome", "."] * 1000               # 5,000 words
    tags = tagger.tag_tokens([words, ["Rome"]])
    assert len(tags[0]) == 5000 and len(tags[1]) == 1
    assert tagger.split_long == 1


def test_fused_equals_reference_and_crf_needs_valid_names():
    torch.manual_seed(0)
    cfg = TaggerConfig(labels=("O", "B-X", "I-X"), vocab_size=10, chars="abc", scheme="bio", word_dim=6,
                       char_dim=4, char_filters=5, casing_dim=2, hidden_size=5, num_layers=2)
    fused = Tagger(cfg).eval()
    ref = Tagger(TaggerConfig(**{**cfg.__dict__, "impl": "reference"})).eval()
    ref.load_state_dict(fused.state_dict())
    inputs = make_batch([([4, 5, 6], [(2, 3), (4,), (2, 3)], [1, 2, 1]), ([7, 8], [(3, 3, 3, 2), (4, 2)], [3, 1])])
    words, spellings, spelling_ids, casings, lengths = inputs
    # rows for each distinct spelling (row 0: padding), then unused zero rows up to 64 (few shapes for oneDNN)
    assert spellings.shape == (64, 4) and not spellings[5:].any()
    assert spellings[:5].tolist() == [[0, 0, 0, 0], [2, 3, 0, 0], [4, 0, 0, 0], [3, 3, 3, 2], [4, 2, 0, 0]]
    assert spelling_ids.tolist() == [[1, 2, 1], [3, 4, 0]] and lengths.tolist() == [3, 2]
    a, _ = fused(*inputs)
    b, _ = ref(*inputs)
    assert torch.allclose(a[0], b[0], atol=1e-5) and torch.allclose(a[1, :2], b[1, :2], atol=1e-5)
    assert fused.decode(a, lengths) == ref.decode(b, lengths)
    with pytest.raises(ConfigError, match="unknown decoder 'crff'; choose one of: crf, softmax"):
        TaggerConfig(labels=("O", "B-X"), vocab_size=5, chars="a", decoder="crff")


@pytest.mark.parametrize("decoder", ["crf", "softmax"])
def test_ensemble_trains_saves_and_loads(decoder, tmp_path):
    from textrnn.heads.tag import Ensemble
    from textrnn.train import train

    final = train(tiny_tag_config(decoder=decoder, epochs=2, ensemble=2), tmp_path / "run", quiet=True)
    assert final["ensemble"] == 2 and "f1" in final["dev"]
    ens = textrnn.load(tmp_path / "run" / "model")
    assert isinstance(ens, Ensemble) and len(ens.members) == 2
    texts = ["Anna lives in Rome .", ""]
    first = ens.predict(texts)
    assert first == textrnn.load(tmp_path / "run" / "model").predict(texts)
    if decoder == "crf":  # the ensemble's CRF is the members' average
        mean = (ens.members[0].model.crf.transitions + ens.members[1].model.crf.transitions) / 2
        assert torch.allclose(ens.crf.transitions, mean)
    one = ens.members[0].predict(texts)[0]
    assert len(one["tags"]) == len(first[0]["tags"]) == 5


def test_frozen_word_vectors_stay_as_initialised(tmp_path, tiny_ner):
    from textrnn.train import train

    config = {**tiny_tag_config(epochs=1), "init": str(tiny_ner)}
    config["model"]["freeze_words"] = True
    train(config, tmp_path / "run", quiet=True)
    before = textrnn.load(tiny_ner).model.features.words.weight
    after = textrnn.load(tmp_path / "run" / "model").model.features.words.weight
    assert torch.equal(before, after)


def test_language_model_features_stay_frozen_and_ignore_padding(tmp_path):
    """TagLM features: the two language models are not trained, and a sentence gets the same
    features alone as in a padded batch (the backward model reads each sentence from its own end)."""
    from textrnn.train import train

    config = tiny_tag_config(epochs=2)
    config["model"] |= {"lm_hidden_size": 8, "lm_embedding_dim": 6, "lm_cutoffs": []}
    train(config, tmp_path / "run", quiet=True)
    model = textrnn.load(tmp_path / "run" / "model")
    lm = model.model.lm
    assert lm is not None and not any(p.requires_grad for p in lm.parameters())
    words = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0]])
    both = lm(words, torch.tensor([4, 2]))                        # (2, 4, 16)
    alone = lm(words[1:, :2], torch.tensor([2]))                   # (1, 2, 16)
    assert both.shape == (2, 4, 16) and torch.allclose(both[1, :2], alone[0], atol=1e-6)
    texts = ["Anna lives in Rome .", "", "Karl Weber"]
    model.save(tmp_path / "copy")
    assert model.predict(texts) == textrnn.load(tmp_path / "copy").predict(texts)


def test_language_model_features_come_from_init_unchanged(tmp_path):
    from textrnn.bundle import load_weights
    from textrnn.train import train

    config = tiny_tag_config(epochs=1)
    config["model"] |= {"lm_hidden_size": 8, "lm_embedding_dim": 6, "lm_cutoffs": []}
    train(config, tmp_path / "first", quiet=True)               # its weights serve as "pretrained" ones
    train({**config, "init": str(tmp_path / "first" / "model")}, tmp_path / "second", quiet=True)
    a, b = load_weights(tmp_path / "first" / "model"), load_weights(tmp_path / "second" / "model")
    lm_names = [k for k in a if k.startswith("lm.")]
    assert lm_names and all(torch.equal(a[k], b[k]) for k in lm_names)
    assert not torch.equal(a["output.weight"], b["output.weight"])   # the rest trained on
