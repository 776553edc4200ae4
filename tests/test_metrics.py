import pytest

from textrnn.metrics import classification_report


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
