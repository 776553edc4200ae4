"""Scores, written to match the field's standard scorers (scikit-learn's for classification)."""

from __future__ import annotations


def classification_report(gold: list[str], pred: list[str], labels: list[str]) -> dict:
    """accuracy, macro_f1, per-class precision/recall/F1/support, confusion matrix (rows gold, cols predicted), n.

    A class never predicted has precision 0 (as scikit-learn with zero_division=0).
    """
    index = {l: i for i, l in enumerate(labels)}
    C = len(labels)
    confusion = [[0] * C for _ in range(C)]
    for g, p in zip(gold, pred):
        confusion[index[g]][index[p]] += 1
    n = len(gold)
    per_class = {}
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        predicted = sum(confusion[r][i] for r in range(C))
        actual = sum(confusion[i])
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_class[label] = {"precision": p, "recall": r, "f1": f, "support": actual}
    correct = sum(confusion[i][i] for i in range(C))
    return {
        "n": n,
        "accuracy": correct / n if n else 0.0,
        "macro_f1": sum(c["f1"] for c in per_class.values()) / C,
        "per_class": per_class,
        "labels": list(labels),
        "confusion": confusion,
    }
