import pytest

from textrnn.metrics import bio_spans, classification_report, span_f1, token_accuracy


def test_report_worked_by_hand():
    gold = ["spam", "spam", "ham", "ham", "ham"]
    pred = ["spam", "ham", "ham", "ham", "spam"]
    r = classification_report(gold, pred, ["ham", "spam"])
    assert r["n"] == 5 and r["accuracy"] == pytest.approx(3 / 5)
    assert r["confusion"] == [[2, 1], [1, 1]]
    # spam: P = 1/2, R = 1/2, F1 = 1/2; ham: P = 2/3, R = 2/3
    assert r["per_class"]["spam"]["f1"] == pytest.approx(0.5)
    assert r["per_class"]["ham"]["precision"] == pytest.approx(2 / 3)
    assert r["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)


def test_never_predicted_class_has_zero_precision():
    r = classification_report(["a", "b"], ["a", "a"], ["a", "b"])
    assert r["per_class"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_span_f1_equals_conlleval_on_a_hand_worked_example():
    # Worked by hand with conlleval's rules (a stray I-X opens an entity; B-X always opens one):
    #   sentence 1: gold PER(0,2) LOC(3,4)   pred PER(0,2) ORG(3,4)  → PER correct
    #   sentence 2: gold ORG(1,3) MISC(4,5)  pred ORG(1,3)           → ORG correct (I-ORG after O opens it)
    #   sentence 3: gold LOC(0,2) LOC(2,3)   pred LOC(0,1) LOC(1,3)  → none correct
    # conlleval: "processed 13 tokens with 6 phrases; found: 5 phrases; correct: 2.
    #             accuracy: 61.54%; precision: 40.00%; recall: 33.33%; FB1: 36.36"
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["O", "B-ORG", "I-ORG", "O", "B-MISC"], ["B-LOC", "I-LOC", "B-LOC"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG", "O"], ["O", "I-ORG", "I-ORG", "O", "O"], ["B-LOC", "B-LOC", "I-LOC"]]
    s = span_f1(gold, pred)
    assert (s["entities"], s["predicted_entities"]) == (6, 5)
    assert round(100 * s["accuracy"], 2) == 61.54
    assert round(100 * s["precision"], 2) == 40.00
    assert round(100 * s["recall"], 2) == 33.33
    assert round(100 * s["f1"], 2) == 36.36
    per = s["per_type"]
    assert per["PER"]["f1"] == 1.0 and per["LOC"]["f1"] == 0.0 and per["MISC"]["f1"] == 0.0
    assert round(100 * per["ORG"]["precision"], 2) == 50.0 and round(100 * per["ORG"]["f1"], 2) == 66.67


def test_bio_spans_and_token_accuracy():
    assert bio_spans(["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"]) == [
        (0, 2, "PER"), (3, 5, "LOC"), (5, 6, "LOC"), (6, 7, "ORG")]
    assert bio_spans(["O", "O"]) == []
    assert token_accuracy([["A", "B"], ["C"]], [["A", "X"], ["C"]]) == {"accuracy": 2 / 3, "n": 3}
