"""The segmenter head: CoNLL-U → text and character labels, labels → sentences and tokens,
multiword tokens → words, and the train → save → load contract."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from textrnn.heads.segment import RUN, char_class, char_classes, separates, spans, windows
from textrnn.segment_data import INSIDE, MWT, MWT_SENTENCE, SENTENCE, read_paragraphs

SAMPLE = FIXTURES / "segment_sample.conllu"


def test_paragraphs_and_their_labels():
    paras = read_paragraphs(SAMPLE)
    assert [p.text for p in paras][0] == "I don't know. It's 12:30 now!"
    # I ␣ don't ␣ know . ␣ It 's ␣ 12:30 ␣ now !
    # 1 0 00003 0 0001 2 0 01 01 0 00001 0 001 2
    assert "".join(map(str, paras[0].labels)) == "10000030000120010100000100012"
    assert len(paras) == 3 and paras[0].mwts == [("don't", ["do", "n't"])]


def test_labels_become_sentences_and_tokens():
    text = "I don't know. It's 12:30 now!"
    labels = [int(c) for c in "10000030000120010100000100012"]
    sents = spans(text, labels)
    assert [[text[s:e] for s, e, _ in sent] for sent in sents] == [["I", "don't", "know", "."],
                                                                   ["It", "'s", "12:30", "now", "!"]]
    assert [m for _, _, m in sents[0]] == [False, True, False, False]
    assert spans("a b", [0, 0, 0]) == [[(0, 1, False), (2, 3, False)]]   # spaces end tokens; the end ends the sentence
    assert spans("", []) == []


def spans_char_by_char(text, labels):
    """`spans` as its definition reads: one character at a time."""
    sentences, tokens, start = [], [], None
    for i, (c, lab) in enumerate(zip(text, labels)):
        if separates(c):
            if start is not None:
                tokens.append((start, i, False))
                start = None
            continue
        if start is None:
            start = i
        if lab != INSIDE:
            tokens.append((start, i + 1, lab in (MWT, MWT_SENTENCE)))
            start = None
            if lab in (SENTENCE, MWT_SENTENCE):
                sentences.append(tokens)
                tokens = []
    if start is not None:
        tokens.append((start, len(text), False))
    if tokens:
        sentences.append(tokens)
    return sentences


def test_spans_equal_their_character_by_character_definition_on_random_text():
    import random

    import numpy as np

    rng = random.Random(7)
    alphabet = "ab.'\u00a0 \t\n\x07\x1b\u3000\u2028가😀,"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        labels = [rng.choice([INSIDE, INSIDE, INSIDE, 1, 2, 3, 4]) for _ in text]
        want = spans_char_by_char(text, labels)
        assert spans(text, labels) == want and spans(text, np.array(labels, dtype=np.int64)) == want, (text, labels)


def test_runs_between_separators_split_where_separates_says():
    # every space and control character of Unicode lies below U+3100
    text = "".join(map(chr, range(0x3100)))
    inside = [not separates(c) for c in text]
    runs = [False] * len(text)
    for m in RUN.finditer(text):
        runs[m.start(): m.end()] = [True] * (m.end() - m.start())
    assert runs == inside


def test_remembered_character_classes_are_the_classes():
    text = "Hi, 12 가Ж😀 \x07!"
    assert char_classes(text) == [char_class(c) for c in text] == char_classes(text)


def test_windows_cover_the_text_and_cut_at_spaces():
    text = "word " * 100
    w = windows(text, 64)
    assert w[0][0] == 0 and w[-1][1] == len(text) and all(a[1] == b[0] for a, b in zip(w, w[1:]))
    assert all(text[e - 1] == " " for _, e in w[:-1]) and all(e - s <= 64 for s, e in w)
    assert windows("x" * 1000, 64)[1] == (64, 128)           # no space: cut hard


def test_train_save_load_predicts_the_same(tiny_segmenter, tmp_path):
    import textrnn

    p = textrnn.load(tiny_segmenter)
    texts = ["I don't know. It's 12:30 now!", "", "We can't stop. See you soon."]
    first = p.segment(texts)
    p.save(tmp_path / "again")
    assert textrnn.load(tmp_path / "again").segment(texts) == first
    assert first[1] == []
    for text, sents in zip(texts, first):
        for s in sents:
            assert text[s["start"]: s["end"]] == s["text"]
            assert all(text[t["start"]: t["end"]] == t["text"] for t in s["tokens"])
    assert p.config.mwt and "don't\tdo n't" in p.config.mwt
    assert p.config.mwt_always == ()        # each multiword token of the sample occurs once: too few to be sure


def test_a_surface_the_treebank_always_splits_is_split_where_the_network_did_not(tiny_segmenter):
    import textrnn
    from textrnn.heads.multiword import Expander
    from textrnn.segment_data import TOKEN

    p = textrnn.load(tiny_segmenter)
    text = "Can't stop"
    labels = [INSIDE] * 4 + [TOKEN] + [INSIDE] * 4 + [SENTENCE]         # the network: two plain tokens
    assert p.tokens(text, labels) == [[(0, 5, False), (6, 10, False)]]   # no surface is always split
    p.expander = Expander(p.config.mwt, always=("can't",))
    assert p.tokens(text, labels) == [[(0, 5, True), (6, 10, False)]]
    assert p.segment([text])[0][0]["tokens"][0]["words"] == ["Ca", "n't"]
    # a pair "surface next": split before that token only (`its not` is it's; `its own` the possessive)
    p.expander = Expander(p.config.mwt, always=("its not",))
    text = "its not its own"
    labels = [INSIDE] * 2 + [TOKEN] + ([INSIDE] * 3 + [TOKEN]) * 2 + [INSIDE] * 3 + [SENTENCE]   # a space is INSIDE
    assert p.tokens(text, labels) == [[(0, 3, True), (4, 7, False), (8, 11, False), (12, 15, False)]]
    text = "Its not its Not"                        # any case; never across a sentence end (after the second its)
    labels = [INSIDE] * 2 + [TOKEN] + [INSIDE] * 3 + [TOKEN] + [INSIDE] * 3 + [SENTENCE] + [INSIDE] * 3 + [SENTENCE]
    assert p.tokens(text, labels) == [[(0, 3, True), (4, 7, False), (8, 11, False)], [(12, 15, False)]]


def test_evaluate_scores_a_treebank(tiny_segmenter):
    import textrnn
    from textrnn.heads import segment

    r = segment.evaluate(textrnn.load(tiny_segmenter), segment.read_data(SAMPLE))
    assert set(r) >= {"score", "tokens_f1", "sentences_f1", "mwt_f1"} and 0 <= r["score"] <= 1


def test_bad_treebank(tmp_path):
    from textrnn.errors import InputError

    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tonly\tthree\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.conllu:1: 3 columns"):
        read_paragraphs(bad)
    with pytest.raises(InputError, match="no such file"):
        read_paragraphs(tmp_path / "none.conllu")


def test_mwt_weight_weighs_the_multiword_labels_in_the_loss():
    import dataclasses

    import torch

    from textrnn.errors import ConfigError
    from textrnn.heads.segment import Segmenter, SegmenterConfig

    torch.manual_seed(0)
    plain = Segmenter(SegmenterConfig(vocab_size=10, hidden_size=8, num_layers=1, dropout=0.0, rnn_dropout=0.0)).eval()
    heavy = Segmenter(dataclasses.replace(plain.config, mwt_weight=5.0)).eval()
    heavy.load_state_dict(plain.state_dict())
    ids, classes, lengths = torch.tensor([[1, 2, 3, 4]]), torch.tensor([[1, 1, 4, 1]]), torch.tensor([4])
    for targets, same in ((torch.tensor([[0, 1, 0, 2]]), True), (torch.tensor([[0, 3, 0, 2]]), False)):
        a, b = plain(ids, classes, lengths, targets)[1], heavy(ids, classes, lengths, targets)[1]
        assert torch.isclose(a, b).item() is same
    with pytest.raises(ConfigError, match="model.mwt_weight"):
        SegmenterConfig(vocab_size=10, mwt_weight=-1.0)
