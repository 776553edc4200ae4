"""The end of a training run: the best model on dev, finished and scored for its metrics.json.

Finishing is one optional step: with `train.bag_naive_bayes` a classifier's n-gram bag gets naive
Bayes weights added, their weight chosen on dev (naive_bayes.py). The model as trained is kept in
RUN/model-trained, so finishing again (a resumed, finished run: `make pretrained`) starts from it,
not from weights that already hold the naive Bayes part.
"""

from __future__ import annotations

import shutil
import time

from textrnn.config import to_dict
from textrnn.run_dir import logged_epochs

TRAINED = "model-trained"   # RUN/model as the loop saved it, before naive Bayes weights were added


def final_report(trainer, config: dict, command: str) -> dict:
    """The best model on dev (and test, if given), finished, scored and recorded in its metrics.json."""
    import torch

    from textrnn import load
    from textrnn.train_data import score_splits

    run, out, tc = trainer.run, trainer.out, trainer.tc
    trained = out / TRAINED
    best = load(trained if trained.is_dir() else out / "model")
    final = {"task": run.task, "headline": trainer.headline, "best_epoch": trainer.state["best_epoch"],
             "epochs_run": trainer.state["epoch"],
             # the epochs' own times from metrics.jsonl: a resumed run counts its earlier epochs too
             "train_seconds": round(sum(r.get("seconds", 0) for r in logged_epochs(trainer.metrics_log)), 1),
             "parameters": trainer.n_params,
             "data": {k: v for k, v in to_dict(run.data).items() if v},
             "config": config, "command": command,
             "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__}
    if tc.bag_naive_bayes:
        final["naive_bayes"] = add_naive_bayes(trainer, best)
    final.update(score_splits(trainer.head, run, best, trainer.data.base,
                              lambda split, s: trainer.log(f"best model (epoch {trainer.state['best_epoch']}) {split} "
                                                           f"{trainer.headline}: {s[trainer.headline]:.4f}")))
    best.save(out / "model", metrics=final, half=tc.half, int8=tc.int8_embeddings)
    try:
        from textrnn.plot import plot_run

        trainer.log(f"curves: {plot_run(out)}")
    except ImportError:  # matplotlib is optional for training
        trainer.log("note: no curves.png (pip install matplotlib; then `textrnn plot RUN_DIR`)")
    return final


def add_naive_bayes(trainer, best) -> dict:
    """Keep RUN/model as trained in RUN/model-trained (once), then add the bag's naive Bayes weights
    to `best`, their weight chosen on the dev files (naive_bayes.py) → the record for metrics.json.
    (train.check_naive_bayes made sure there are dev files and a bag.)"""
    import torch

    from textrnn.bundle import atomic_dir
    from textrnn.naive_bayes import add_naive_bayes as add
    from textrnn.train_data import load_split, split_paths

    run, out, tc = trainer.run, trainer.out, trainer.tc
    if not (out / TRAINED).is_dir():
        with atomic_dir(out / TRAINED) as tmp:
            shutil.copytree(out / "model", tmp, dirs_exist_ok=True)
    files = {p: load_split(trainer.head, run.task, p, trainer.data.base, labels=run.data.labels)
             for p in split_paths(run.data.dev)}
    return add(best, trainer.encoded, list(tc.bag_naive_bayes), tc.bag_naive_bayes_alpha, files,
               trainer.head.evaluate, trainer.log, stored=torch.float16 if tc.half else None)
