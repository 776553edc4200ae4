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


def token_accuracy(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Per-token accuracy over sentences (POS: every gold word counts once): accuracy, n."""
    n = sum(len(g) for g in gold)
    correct = sum(a == b for g, p in zip(gold, pred) for a, b in zip(g, p))
    return {"accuracy": correct / n if n else 0.0, "n": n}


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entity spans (start, end exclusive, type) of one sentence's BIO tags, read as conlleval reads them:
    a chunk starts at B-X, or at I-X after O or after a chunk of another type (so a stray I-X is
    an entity, not an error); it ends before O, B-, or a change of type."""
    spans, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, t = tag.partition("-")
        inside = prefix == "I" and t == kind and start is not None
        if start is not None and not inside:
            spans.append((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "I") and start is None:
            start, kind = i, t
    return spans


def span_f1(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Entity-level precision/recall/F1, overall and per type, equal to conlleval's on the same tags.

    An entity counts as correct only if its start, end and type all match. Also reports conlleval's
    token accuracy (over all tokens, O included) and n (sentences).
    """
    from collections import Counter

    found_gold, found_pred, correct = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        gs, ps = set(bio_spans(g)), set(bio_spans(p))
        found_gold.update(t for *_, t in gs)
        found_pred.update(t for *_, t in ps)
        correct.update(t for *_, t in gs & ps)

    def prf(c, fp, fg):
        precision = c / fp if fp else 0.0
        recall = c / fg if fg else 0.0
        return {"precision": precision, "recall": recall,
                "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}

    types = sorted(set(found_gold) | set(found_pred))
    overall = prf(sum(correct.values()), sum(found_pred.values()), sum(found_gold.values()))
    return {**overall, "accuracy": token_accuracy(gold, pred)["accuracy"], "n": len(gold),
            "entities": sum(found_gold.values()), "predicted_entities": sum(found_pred.values()),
            "per_type": {t: {**prf(correct[t], found_pred[t], found_gold[t]), "support": found_gold[t]} for t in types}}
