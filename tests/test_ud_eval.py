"""The CoNLL 2018 scorer (textrnn/ud_eval.py) on small documents whose scores we worked out by hand.

Spans are over the characters with spaces removed; each test writes the sequence and the counts
next to the fixture, so a reader can check them without running anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from textrnn.errors import InputError
from textrnn.raw_text import write_conllu
from textrnn.ud_eval import evaluate, parse_conllu


def sent(*rows: str, text: str | None = None) -> str:
    """One CoNLL-U sentence from rows `ID FORM UPOS [MISC]` (space-separated; FORM has no space)."""
    lines = [f"# text = {text}"] if text else []
    for row in rows:
        wid, form, upos, misc = (row.split() + ["_"])[:4]
        lines.append("\t".join([wid, form, "_", upos, "_", "_", "_", "_", "_", misc]))
    return "\n".join(lines) + "\n\n"


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def check(score: dict, gold: int, system: int, correct: int) -> None:
    """A score's counts, and P/R/F1 as the fractions those counts give."""
    assert (score["gold"], score["system"], score["correct"]) == (gold, system, correct)
    assert score["precision"] == pytest.approx(correct / system)
    assert score["recall"] == pytest.approx(correct / gold)
    assert score["f1"] == pytest.approx(f1(correct / system, correct / gold))


# "It is 12:30." — characters `Itis12:30.`: It [0,2) is [2,4) 12:30 [4,9) . [9,10)
GOLD_TIME = sent("1 It PRON", "2 is AUX", "3 12:30 NUM SpaceAfter=No", "4 . PUNCT", text="It is 12:30.")

# "I don't know." — characters `Idon'tknow.`: I [0,1) don't [1,6) know [6,10) . [10,11)
# 4 tokens, 5 words: don't is the multiword token of `do` `n't`, both with the span [1,6).
GOLD_DONT = sent("1 I PRON", "2-3 don't _", "2 do AUX", "3 n't PART", "4 know VERB SpaceAfter=No",
                 "5 . PUNCT", text="I don't know.")


def test_identical_files_score_one_everywhere():
    doc = GOLD_TIME + GOLD_DONT
    scores = evaluate(doc, doc)
    for name in ("tokens", "sentences", "words", "upos"):
        assert scores[name]["f1"] == 1.0 and scores[name]["precision"] == 1.0 and scores[name]["recall"] == 1.0
    check(scores["tokens"], 8, 8, 8)       # 4 + 4 tokens
    check(scores["words"], 9, 9, 9)        # 4 + 5 words
    check(scores["sentences"], 2, 2, 2)
    assert scores["upos"]["aligned_accuracy"] == 1.0


def test_a_time_split_into_three_tokens():
    # system: It [0,2) is [2,4) 12 [4,6) : [6,7) 30 [7,9) . [9,10), and `is` tagged VERB.
    system = sent("1 It PRON", "2 is VERB", "3 12 NUM SpaceAfter=No", "4 : PUNCT SpaceAfter=No",
                  "5 30 NUM SpaceAfter=No", "6 . PUNCT")
    scores = evaluate(GOLD_TIME, system)
    # tokens: gold 4, system 6; same spans: It, is, . → 3.  P 3/6 = .5, R 3/4 = .75, F1 6/10 = .6
    check(scores["tokens"], 4, 6, 3)
    assert scores["tokens"]["f1"] == pytest.approx(0.6)
    check(scores["words"], 4, 6, 3)        # no multiword tokens: words are the tokens
    # UPOS: of the 3 aligned words, It and . agree (is: AUX vs VERB) → 2.  F1 4/10 = .4
    check(scores["upos"], 4, 6, 2)
    assert scores["upos"]["f1"] == pytest.approx(0.4)
    assert scores["upos"]["aligned_accuracy"] == pytest.approx(2 / 3)
    check(scores["sentences"], 1, 1, 1)    # both [0,10)


def test_a_missed_sentence_boundary():
    # gold `Hi.|Gohome.|Bye.`: sentences [0,3) [3,10) [10,14); the system joins the first two: [0,10) [10,14)
    gold = sent("1 Hi INTJ", "2 . PUNCT") + sent("1 Go VERB", "2 home ADV", "3 . PUNCT") + sent("1 Bye INTJ", "2 . PUNCT")
    system = sent("1 Hi INTJ", "2 . PUNCT", "3 Go VERB", "4 home ADV", "5 . PUNCT") + sent("1 Bye INTJ", "2 . PUNCT")
    scores = evaluate(gold, system)
    # [0,3) vs [0,10): same start, other end → wrong; [10,14) matches → 1.  P 1/2, R 1/3, F1 2/5
    check(scores["sentences"], 3, 2, 1)
    assert scores["sentences"]["f1"] == pytest.approx(0.4)
    check(scores["tokens"], 7, 7, 7)
    check(scores["upos"], 7, 7, 7)


def test_a_multiword_token_split_like_gold_but_one_tag_wrong():
    system = GOLD_DONT.replace("n't\t_\tPART", "n't\t_\tADV")
    scores = evaluate(GOLD_DONT, system)
    check(scores["tokens"], 4, 4, 4)
    # The region of `don't` holds do, n't on both sides; their forms agree → aligned. All 5 words aligned.
    check(scores["words"], 5, 5, 5)
    # n't: PART vs ADV → 4 of 5.  P = R = F1 = .8
    check(scores["upos"], 5, 5, 4)
    assert scores["upos"]["f1"] == pytest.approx(0.8) and scores["upos"]["aligned_accuracy"] == pytest.approx(0.8)


def test_a_multiword_token_left_whole():
    # system keeps `don't` as one word: I [0,1) don't [1,6) know [6,10) . [10,11) — 4 tokens, 4 words
    system = sent("1 I PRON", "2 don't AUX", "3 know VERB SpaceAfter=No", "4 . PUNCT")
    scores = evaluate(GOLD_DONT, system)
    check(scores["tokens"], 4, 4, 4)       # the token spans are the same
    # region of gold `don't`: gold [do, n't], system [don't]; no form in common → nothing aligned there.
    # Aligned: I, know, . → 3.  P 3/4, R 3/5, F1 6/9
    check(scores["words"], 5, 4, 3)
    assert scores["words"]["f1"] == pytest.approx(2 / 3)
    check(scores["upos"], 5, 4, 3)         # the 3 aligned words have the gold tags
    assert scores["upos"]["aligned_accuracy"] == 1.0
    # the other way round (system has the multiword token, gold not): precision and recall swap
    back = evaluate(system, GOLD_DONT)["words"]
    assert (back["precision"], back["recall"]) == (pytest.approx(3 / 5), pytest.approx(3 / 4))


def test_a_multiword_token_written_as_two_tokens():
    # system: do [1,3) and n't [3,6) as two plain tokens (no range line), `Do` capitalised differently
    gold = GOLD_DONT.replace("2\tdo\t", "2\tDo\t")
    system = sent("1 I PRON", "2 do AUX SpaceAfter=No", "3 n't PART", "4 know VERB SpaceAfter=No", "5 . PUNCT")
    scores = evaluate(gold, system)
    # tokens: don't [1,6) is not do [1,3) nor n't [3,6) → I, know, . = 3 of gold 4, system 5
    check(scores["tokens"], 4, 5, 3)
    # words: the region of gold `don't` takes gold Do, n't and system do, n't (both end by 6);
    # the lowercased forms agree pairwise → all 5 aligned
    check(scores["words"], 5, 5, 5)
    check(scores["upos"], 5, 5, 5)


def tokens(*spec: str) -> str:
    """A one-sentence document from tokens: `abc` is a plain token, `abc a b c` the multiword token
    `abc` of the words a, b, c (the notation of the official scorer's own unit tests)."""
    lines, n = [], 0
    for token in spec:
        form, *parts = token.split()
        if parts:
            lines.append(f"{n + 1}-{n + len(parts)}\t{form}" + "\t_" * 8)
        for word in parts or [form]:
            n += 1
            lines.append(f"{n}\t{word}" + "\t_" * 8)
    return "\n".join(lines) + "\n\n"


@pytest.mark.parametrize("gold, system, aligned", [
    (["abc a b c"], ["a", "b", "c"], 3),             # region abc: forms a b c on both sides
    (["abcd a b c d"], ["ab a b", "cd c d"], 4),      # one region holds both system multiword tokens
    (["abc a b c", "de d e"], ["a", "bcd b c d", "e"], 5),   # overlapping tokens chain into one region
    (["abcd"], ["a", "b", "c", "d"], 0),              # no multiword token: spans only, none equal
    (["a", "bc", "d"], ["a", "b", "c", "d"], 2),      # a and d
    (["a", "bc b c", "d"], ["a", "b", "cd"], 2),      # region bc: b; then cd ≠ d by span → a, b
    (["abc a BX c", "def d EX f"], ["ab a b", "cd c d", "ef e f"], 4),   # LCS a c d f (BX, EX unmatched)
    (["a", "bc b c", "d"], ["ab AX BX", "cd CX a"], 1),   # region abcd: gold a b c d vs AX BX CX a → `a`
])
def test_word_alignment_cases_of_the_official_scorer(gold, system, aligned):
    words = evaluate(tokens(*gold), tokens(*system))["words"]
    assert words["correct"] == aligned


def test_space_after_no_and_spaces_inside_forms():
    doc = parse_conllu(GOLD_DONT)
    assert doc.characters == "Idon'tknow."
    assert [(t.form, t.start, t.end, t.space_after) for t in doc.tokens] == [
        ("I", 0, 1, True), ("don't", 1, 6, True), ("know", 6, 10, False), (".", 10, 11, True)]
    assert [(w.form, w.upos, w.start, w.end, w.is_multiword, w.token) for w in doc.words] == [
        ("I", "PRON", 0, 1, False, 0), ("do", "AUX", 1, 6, True, 1), ("n't", "PART", 1, 6, True, 1),
        ("know", "VERB", 6, 10, False, 2), (".", "PUNCT", 10, 11, False, 3)]
    s = doc.sentences[0]
    assert (s.start, s.end, s.first_word, s.end_word, s.text) == (0, 11, 0, 5, "I don't know.")
    # SpaceAfter changes nothing in the score: the characters are the same without it
    assert evaluate(GOLD_DONT, GOLD_DONT.replace("SpaceAfter=No", "_"))["tokens"]["f1"] == 1.0
    # a space (or no-break space) inside a FORM is removed from the characters
    spaced = "1\t10 000\t_\tNUM\t_\t_\t_\t_\t_\t_\n2\tm\u00a0s\t_\tNOUN\t_\t_\t_\t_\t_\t_\n\n"
    doc = parse_conllu(spaced)
    assert doc.characters == "10000ms" and doc.tokens[0].form == "10 000"
    assert [(t.start, t.end) for t in doc.tokens] == [(0, 5), (5, 7)]


def test_empty_nodes_are_skipped():
    text = GOLD_TIME.replace("4\t.\t", "3.1\tbe\t_\tAUX\t_\t_\t_\t_\t_\t_\n4\t.\t")
    doc = parse_conllu(text)
    assert [w.form for w in doc.words] == ["It", "is", "12:30", "."]


def test_characters_that_differ_are_named_with_context():
    system = GOLD_TIME.replace("12:30", "12:31")
    with pytest.raises(InputError) as e:
        evaluate(GOLD_TIME, system)
    # characters `Itis12:30.` vs `Itis12:31.`: the 9th differs
    assert "character 9" in e.value.message and "'Itis12:3[0.]'" in e.value.message
    assert "'Itis12:3[1.]'" in e.value.message and "line 4" in e.value.message
    assert e.value.hint
    with pytest.raises(InputError, match="character 10"):   # the system lost the final `.`
        evaluate(GOLD_TIME, sent("1 It PRON", "2 is AUX", "3 12:30 NUM"))


@pytest.mark.parametrize("text, line, words", [
    ("1\tIt\t_\tPRON\t_\t_\t_\t_\t_\n", 1, "9 tab-separated columns"),
    ("# c\n1\tIt\t_\tPRON\t_\t_\t_\t_\t_\t_\nx\tis\t_\tAUX\t_\t_\t_\t_\t_\t_\n", 3, "bad ID 'x'"),
    ("1\tIt\t_\tPRON\t_\t_\t_\t_\t_\t_\n3\tis\t_\tAUX\t_\t_\t_\t_\t_\t_\n", 2, "word ID 3 where 2"),
    ("1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n1\tdo\t_\tAUX\t_\t_\t_\t_\t_\t_\n\n", 1, "not followed by all its words"),
    ("1\tI\t_\tPRON\t_\t_\t_\t_\t_\t_\n3-4\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n", 2, "range 3-4 does not fit"),
    ("1\t \t_\tPRON\t_\t_\t_\t_\t_\t_\n", 1, "empty FORM"),
    ("1\tIt\t_\tPRON\t_\t_\t_\t_\t_\t_\n# text = It\n", 2, "comment line inside a sentence"),
    ("1\tIt\x00\t_\tPRON\t_\t_\t_\t_\t_\t_\n", 1, "NUL bytes"),
])
def test_malformed_lines_name_the_file_and_line(text, line, words):
    with pytest.raises(InputError) as e:
        parse_conllu(text, "sys.conllu")
    assert e.value.message.startswith(f"sys.conllu:{line}: ") and words in e.value.message
    assert e.value.hint


def test_evaluate_names_which_side_is_malformed():
    with pytest.raises(InputError, match="^<system>:1: "):
        evaluate(GOLD_TIME, "1\tIt\n")


SEGMENTED = [
    {"text": "I don't know.", "tokens": [
        {"form": "I", "start": 0, "end": 1, "words": [{"form": "I", "upos": "PRON"}], "space_after": True},
        {"form": "don't", "start": 2, "end": 7, "space_after": True,
         "words": [{"form": "do", "upos": "AUX"}, {"form": "n't", "upos": "PART"}]},
        {"form": "know", "start": 8, "end": 12, "words": [{"form": "know", "upos": "VERB"}], "space_after": False},
        {"form": ".", "start": 12, "end": 13, "words": [{"form": ".", "upos": "PUNCT"}], "space_after": True}]},
    {"text": "It is 12:30.", "tokens": []},   # no tokens: left out
    {"text": "Wow!", "tokens": [
        {"form": "Wow", "start": 0, "end": 3, "words": [{"form": "Wow", "upos": "INTJ"}], "space_after": False},
        {"form": "!", "start": 3, "end": 4, "words": [{"form": "!", "upos": "PUNCT"}], "space_after": True}]},
]


def test_write_conllu_round_trips():
    text = write_conllu(SEGMENTED)
    assert text.startswith("# sent_id = 1\n# text = I don't know.\n1\tI\t_\tPRON\t")
    assert "\n2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n2\tdo\t_\tAUX\t_\t_\t_\t_\t_\t_\n" in text
    assert "\n4\tknow\t_\tVERB\t_\t_\t_\t_\t_\tSpaceAfter=No\n" in text
    assert "# sent_id = 2\n# text = Wow!\n" in text and text.endswith("\t_\n\n")
    doc = parse_conllu(text)
    assert doc.characters == "Idon'tknow.Wow!"
    assert [(t.form, t.space_after) for t in doc.tokens] == [
        ("I", True), ("don't", True), ("know", False), (".", True), ("Wow", False), ("!", True)]
    assert [(w.form, w.upos, w.is_multiword) for w in doc.words][1:3] == [("do", "AUX", True), ("n't", "PART", True)]
    assert [s.text for s in doc.sentences] == ["I don't know.", "Wow!"]
    assert evaluate(GOLD_DONT, write_conllu(SEGMENTED[:1]))["upos"]["f1"] == 1.0
    with pytest.raises(InputError, match="FORM"):
        write_conllu([{"text": "a\tb", "tokens": [{"form": "a\tb", "words": [], "space_after": True}]}])


def test_the_real_ewt_dev_file_scores_one_against_itself():
    beside = Path(__file__).resolve().parents[2] / "shared" / "corpora"   # ../shared/corpora, as the Makefile says
    path = Path(os.environ.get("TEXTRNN_CORPORA", beside)) / "ud_english_ewt" / "en_ewt-ud-dev.conllu"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    text = path.read_text(encoding="utf-8")
    scores = evaluate(text, text)
    for name in ("tokens", "sentences", "words", "upos"):
        assert scores[name]["f1"] == 1.0, name
    assert scores["sentences"]["gold"] == 2001 and scores["words"]["gold"] > scores["tokens"]["gold"]
