"""Naive Bayes weights added to a classifier's n-gram bag after training, their weight chosen on dev.

Wang & Manning (2012, "Baselines and bigrams", NBSVM) found that the naive Bayes log-count ratios of
a text's n-grams, interpolated with a discriminative model, beat either alone. Here the
discriminative model is the trained network with its bag (ngrams.py), and the ratios are written
into the bag's own table, so the result is still one model of the same size and speed.

For label c and bag row f, with n[c, f] the number of label-c training texts whose bag holds row f
(each text counts a row once, as the bag reads it; a text read twice per epoch by data.train_repeat
or data.balance_labels counts twice) and α the smoothing:

    θ[c, f] = (n[c, f] + α) / Σ_f' (n[c, f'] + α)          naive Bayes' row probabilities per label
                                                              (f' over every row of the table)
    r[c, f] = log θ[c, f] − mean_c' log θ[c', f]              centred over the labels
    W ← W + w · r                                             the bag's table, (rows, labels)

With two labels, r[spam] − r[ham] is NBSVM's log-count ratio. The bag divides a text's summed rows
by √(its distinct rows), so w · r adds w × (naive Bayes' log-odds without the labels' prior) / √M
to the logits. `train.bag_naive_bayes` lists the weights w to try; each is scored on every dev file,
with the table rounded as it will be stored (fp16 with train.half), and the one with the best mean
of the files' accuracies is kept (each kind of text weighs the same: a small SMS dev set beside a
large e-mail one). w = 0, the model as trained, is always a candidate.

An ensemble (train.ensemble) gets this member by member as each finishes training; members that
had finished before the option was set are kept as they are.
"""

from __future__ import annotations

import numpy as np


def log_count_ratios(encoded, buckets: int, num_classes: int, alpha: float):
    """[(token ids, label index, bag rows)] → r, a (buckets + 1, num_classes) float32 tensor; row 0 is 0."""
    import torch

    n = np.zeros((num_classes, buckets + 1))                              # (C, F) texts per label holding each row
    for _, label, rows in encoded:
        n[label, np.asarray(rows, dtype=np.int64)] += 1   # fancy-index += counts a repeated row once
    n[:, 0] = 0                                                           # row 0 pads: never a feature
    log_theta = np.log(n + alpha) - np.log((n + alpha).sum(1, keepdims=True))   # (C, F)
    r = log_theta - log_theta.mean(0, keepdims=True)                      # (C, F)
    r[:, 0] = 0.0
    return torch.from_numpy(r.T.astype(np.float32)).contiguous()          # (F, C)


def add_naive_bayes(predictor, encoded, weights: list[float], alpha: float, dev_files: dict, evaluate, log,
                    stored=None) -> dict:
    """Add the ratios × the best of `weights` (or nothing) to `predictor`'s bag, in place.

    `dev_files`: {name: [(label, text)]}, each scored by `evaluate(predictor, examples)["accuracy"]`.
    `stored`: the dtype the table will be saved in (torch.float16), or None; each candidate is
    rounded to it before it is scored, so the scores are those of the saved model.
    Returns the record kept in the model's metrics.json: the weight chosen and each weight's dev scores."""
    import torch

    bag = predictor.model.bag.weight                                      # (F, C)
    # the network predictions run on: the model, or its bfloat16 copy (runtime.prediction_model)
    tables = [bag] + [m.bag.weight for m in [getattr(predictor, "runner", None)] if m is not None and m is not predictor.model]
    r = log_count_ratios(encoded, bag.shape[0] - 1, bag.shape[1], alpha)
    trained = bag.detach().clone()

    def put(w: float) -> None:
        table = trained + w * r
        if stored is not None:
            table = table.to(stored).to(trained.dtype)
        with torch.no_grad():
            for t in tables:
                t.copy_(table)

    tried = {}
    for w in [0.0, *sorted(set(weights) - {0.0})]:
        put(w)
        scores = {name: evaluate(predictor, examples)["accuracy"] for name, examples in dev_files.items()}
        tried[w] = {"mean": sum(scores.values()) / len(scores), "files": scores}
        log(f"naive Bayes weight {w:g}: dev accuracy " + ", ".join(f"{s:.4f}" for s in scores.values())
            + f" (mean {tried[w]['mean']:.4f})")
    best = max(tried, key=lambda w: (tried[w]["mean"], -w))                # ties: the smaller weight
    put(best)
    log(f"naive Bayes weight chosen on dev: {best:g}")
    return {"weight": best, "alpha": alpha, "tried": {f"{w:g}": t for w, t in tried.items()}}
