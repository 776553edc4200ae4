"""raw_text.py's line records: a tagger's `predict` on raw lines reads them through the shipped
segmenter (English taggers), so a line may hold several sentences and stays one record."""

import pytest

import textrnn
from textrnn.bundle import shipped_models
from textrnn.errors import TextrnnError
from textrnn.raw_text import pick_segmenter

SHIPPED = shipped_models()
needs = pytest.mark.skipif(not {"pos", "segmenter"} <= set(SHIPPED), reason="pos and segmenter not shipped")


@needs
def test_predict_splits_a_line_into_sentences_and_keeps_one_record_per_line():
    pos = textrnn.load("pos")
    texts = ["Visit https://example.com today! It costs $1,000.", "", "I can't go :)"]
    got = pos.predict(texts)
    assert len(got) == 3 and got[1]["tokens"] == [] and got[1]["sentences"] == []
    first = got[0]
    assert [s["tokens"] for s in first["sentences"]] == [["Visit", "https://example.com", "today", "!"],
                                                         ["It", "costs", "$", "1,000", "."]]
    assert first["tokens"] == [t for s in first["sentences"] for t in s["tokens"]]
    for s in first["sentences"]:                                   # offsets index the line
        assert [texts[0][a:b] for a, b in s["offsets"]] == s["tokens"]
        assert texts[0][s["start"]:s["end"]].startswith(s["tokens"][0])
    assert got[2]["tokens"] == ["I", "ca", "n't", "go", ":)"]     # the multiword token as UD writes it


@needs
def test_rules_and_tokenized_bypass_the_segmenter_and_a_bad_name_is_named():
    pos = textrnn.load("pos")
    assert "sentences" not in pos.predict(["It rains. We stay."], segmenter="rules")[0]
    assert pos.predict(["It rains ."], tokenized=True)[0]["tokens"] == ["It", "rains", "."]
    with pytest.raises(TextrnnError, match="no-such-segmenter"):
        pos.predict(["x"], segmenter="no-such-segmenter")


@pytest.mark.skipif("pos-ko" not in SHIPPED, reason="pos-ko not shipped")
def test_a_korean_tagger_gets_no_english_segmenter():
    assert pick_segmenter("auto", textrnn.load("pos-ko")) is None
