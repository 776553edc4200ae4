"""Change how a trained model predicts (not what it learned), and score its dev and test splits again.

    TEXTRNN_CORPORA=../shared/corpora python tools/rescore.py sentiment --set model.precision=bf16
    python tools/rescore.py --table sentiment spam ...     # what the rescorings changed, as a table
    TEXTRNN_CORPORA=../shared/corpora python tools/rescore.py segmenter --derive

For prediction-time keys of a model's config (a classifier's `precision`, `reading`, `max_len`,
`chunk_len`; a tagger's or segmenter's `precision`): the keys given with --set are written into the bundle's config.json, its dev and
test splits (as recorded in its metrics.json by the training run) are scored again as the bundle
now predicts, and metrics.json gets the new scores, with the old headline scores and this command
under "rescored" (a further rescoring keeps the first one's "before" and adds up the changes:
what all of them changed since training). The weights are not touched (their checksums still hold). The bundle is
rewritten atomically: an error leaves it as it was. Without --set it only scores again (e.g. on a
machine whose runtime differs).

--derive reads the model's training split again and writes the keys a training run reads from its data
without learning (a head's `derived(examples)`: the segmenter's multiword tables, heads/multiword.py),
so a bundle trained before a table existed gets it as a new training run would.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREDICTION_KEYS = {"classify": ("precision", "reading", "max_len", "chunk_len"), "tag": ("precision",),
                   "segment": ("precision",)}


def main() -> None:
    from textrnn.bundle import atomic_dir, read_config, read_metrics, resolve_model
    from textrnn.config import apply_overrides, from_dict
    from textrnn.errors import ConfigError
    from textrnn.heads import head_module
    from textrnn.run_config import RunConfig
    from textrnn.train_data import score_splits

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="+", help="a shipped model name or a model directory (several with --table)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="model.KEY=VALUE")
    ap.add_argument("--derive", action="store_true",
                    help="write the keys training reads from the training data without learning (head.derived)")
    ap.add_argument("--table", action="store_true", help="print the models' recorded rescorings as a markdown table")
    args = ap.parse_args()
    if args.table:
        return print_table(args.model)
    if len(args.model) > 1:
        raise SystemExit("error: one model at a time (several only with --table)")
    args.model = args.model[0]

    directory = resolve_model(args.model)
    config, metrics = read_config(directory), read_metrics(directory)
    task = config["task"]
    for o in args.overrides:
        key = o.split("=", 1)[0].strip()
        if not key.startswith("model.") or key[len("model."):] not in PREDICTION_KEYS.get(task, ()):
            raise SystemExit(f"error: --set {o}: only a {task} model's prediction-time keys can change without "
                             f"training: {', '.join('model.' + k for k in PREDICTION_KEYS.get(task, ())) or 'none'}")
    if "ensemble" in config:
        raise SystemExit(f"error: {directory} is an ensemble: its members have their own configs; rescore a single model")
    if "config" not in metrics:
        raise SystemExit(f"error: {directory}/metrics.json does not record the training config: its splits are unknown")
    model_config = apply_overrides({"model": dict(config["model"])}, args.overrides)["model"]
    run = from_dict(RunConfig, metrics["config"])
    head = head_module(task)
    try:
        if args.derive:
            model_config.update(derive(head, run, task))
        changes = {k: [summary(config["model"].get(k)), summary(v)] for k, v in model_config.items()
                   if config["model"].get(k) != v}
        with atomic_dir(directory) as tmp:
            for f in directory.iterdir():
                if f.is_file():
                    shutil.copy2(f, tmp / f.name)
            (tmp / "config.json").write_text(json.dumps({**config, "model": model_config}, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
            import textrnn

            predictor = textrnn.load(tmp)
            asked = model_config.get("precision", "fp32")
            if getattr(predictor, "precision", asked) != asked:
                raise SystemExit(f"error: the model asks for {asked} but would predict in {predictor.precision} here "
                                 "(this CPU has no native bfloat16, or TEXTRNN_PRECISION says otherwise): the scores "
                                 f"would not be {asked}'s. Run it where it predicts in {asked}, or with TEXTRNN_PRECISION={asked}")
            print(f"{args.model}: scoring as it now predicts ({getattr(predictor, 'precision', 'fp32')}; "
                  f"changes {changes or 'none'})", file=sys.stderr)
            scores = score_splits(head, run, predictor, None,
                                  lambda split, s: print(f"  {split}: {s.get(metrics.get('headline', ''), '')}", file=sys.stderr))
            before = {split: metrics[split].get(metrics.get("headline")) for split in ("dev", "test") if split in metrics}
            metrics.update(scores)
            metrics["rescored"] = since_training(metrics.get("rescored"), {
                "date": time.strftime("%Y-%m-%d"), "changes": changes, "before": before,
                "precision": getattr(predictor, "precision", "fp32"),
                "command": "python tools/rescore.py " + shlex.join(sys.argv[1:])})
            (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    except ConfigError as e:
        raise SystemExit(f"error: {e.message}" + (f"\nhint: {e.hint}" if e.hint else "")) from None
    print(json.dumps({split: scores[split].get(metrics.get("headline")) for split in ("dev", "test") if split in scores}))


def derive(head, run, task: str) -> dict:
    """The model keys `head` reads from the run's training split without learning."""
    from textrnn.train_data import load_split

    if not hasattr(head, "derived"):
        raise SystemExit(f"error: --derive: a {task} model reads nothing from its training data without learning")
    print(f"reading {run.data.train} again for the keys a {task} model derives from it", file=sys.stderr)
    examples = load_split(head, task, run.data.train, None, repeat=run.data.train_repeat, labels=run.data.labels)
    return dict(head.derived(examples))   # read as training read it: repeated files count as often


def summary(value):
    """A config value as the rescoring record shows it: a list by its length and a digest of its contents."""
    if not isinstance(value, (list, tuple)):
        return value
    import hashlib

    return f"{len(value)} entries ({hashlib.sha256(json.dumps(list(value)).encode()).hexdigest()[:8]})"


def since_training(old: dict | None, new: dict) -> dict:
    """The "rescored" record after a further rescoring: what all rescorings together changed since the
    training run (each key from its first value to its last; the scores before the first one), this
    one's date, precision and command, and the earlier rescorings' dates and commands in "earlier"."""
    if old is None:
        return new
    changes = {k: [v[0], new["changes"].get(k, v)[1]] for k, v in old["changes"].items()}
    changes.update({k: v for k, v in new["changes"].items() if k not in changes})
    earlier = old.get("earlier", []) + [{"date": old["date"], "command": old["command"]}]
    return {**new, "changes": changes, "before": old["before"], "earlier": earlier}


def print_table(models: list[str]) -> None:
    """Each model's headline dev and test score before its first rescoring and now, and what changed."""
    from textrnn.bundle import read_metrics, resolve_model

    print("| model | headline | changed | dev before | dev after | test before | test after | command |")
    print("|---|---|---|---|---|---|---|---|")
    for name in models:
        m = read_metrics(resolve_model(name))
        r = m.get("rescored")
        if r is None:
            raise SystemExit(f"error: {name} has not been rescored (no \"rescored\" in its metrics.json)")
        h = m["headline"]
        cells = [f"{100 * r['before'][s]:.2f} | {100 * m[s][h]:.2f}" if s in r["before"] else "— | —"
                 for s in ("dev", "test")]
        changed = ", ".join(f"{k}: {a} → {b}" for k, (a, b) in r["changes"].items()) or "nothing (scored again)"
        print(f"| `{name}` | {h} | {changed} | {cells[0]} | {cells[1]} | `{r['command']}` ({r['date']}) |")


if __name__ == "__main__":
    main()
