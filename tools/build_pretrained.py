"""Rebuild the shipped models from the shared corpora.

    TEXTRNN_CORPORA=../shared/corpora python tools/build_pretrained.py embeddings bilm spam sentiment-domains-wide sentiment-rules sentiment ner pos shakespeare wikitext2 [--force]
    TEXTRNN_CORPORA=../shared/corpora python tools/build_pretrained.py embeddings-ko pos-ko sentiment-ko

Each NAME trains from textrnn/configs/NAME.toml into runs/NAME (resuming it if it was
interrupted), then installs the best model into textrnn/pretrained/NAME — only when its dev score
beats the shipped model's (git keeps every committed blob, so we commit only improvements), or
with --force. Training logs go to stderr and runs/NAME/metrics.jsonl.

`embeddings` and `bilm` are not shipped models but steps, built only if missing, so list them
first: `embeddings` is the word vectors (tools/pretrain_embeddings.py → runs/embeddings/model,
which the pos config names as `init`); `bilm` trains two word language models,
forward and backward, starting from those vectors (tools/pretrain_bilm.py, about 50 minutes on
2 cores) → runs/bilm/tagger, the `init` of the ner config (frozen language-model features), and
runs/bilm/model (the same weights under a classifier's names; tried for sentiment, not shipped).
`embeddings-ko` is the Korean word vectors (eojeol; NSMC-style reviews and UD Korean GSD training
text), the `init` of the pos-ko config. `de-en-base` (the translation model trained from scratch,
about 90 minutes on one core) and `de-en-coverage` (it, fine-tuned with the coverage loss) are the
first two stages of `de-en`, trained from their configs; list them before it. Likewise
`sentiment-domains-wide` (all four kinds of text with an n-gram bag, 3 epochs, about 2.7 hours on one
core) is the first stage of `sentiment`, and `sentiment-rules` (tools/sentiment_rules.py → runs/sentiment-rules/rules.tsv,
sentences for negation and contrast) is part of its training data.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# Steps that are not shipped models but that models start from; each is built only if missing.
STEPS = {"embeddings": (["tools/pretrain_embeddings.py"], "model"), "bilm": (["tools/pretrain_bilm.py"], "tagger"),
         "embeddings-ko": (["tools/pretrain_embeddings.py", "--language", "ko"], "model"),
         "sentiment-rules": (["tools/sentiment_rules.py"], "rules.tsv"),
         **{name: (["-m", "textrnn", "train", f"textrnn/configs/{name}.toml", "--set", "train.threads=1"], "model")
            for name in ("de-en-base", "de-en-coverage", "sentiment-domains-wide")}}
# (python's arguments, from the repo's root; the product that says the step is done)


# Stages that start from another stage's model: their configs name it as `init = "../../runs/STAGE/model"`,
# the default --runs; with another --runs, the init (and any training file under ../../runs/) is pointed
# there (stage_init).
STARTS_FROM = {"de-en-coverage": "de-en-base", "de-en": "de-en-coverage", "sentiment": "sentiment-domains-wide"}


def stage_init(name: str, runs: Path) -> list[str]:
    """`init=…` overriding a stage's config when the runs are not in the default folder, and its
    training files made by a step (`../../runs/STEP/…`, as `sentiment` reads sentiment-rules) pointed
    there too; else nothing."""
    if name not in STARTS_FROM or runs.resolve() == (ROOT / "runs").resolve():
        return []
    import json

    from textrnn.config import load_toml

    train = load_toml(ROOT / "textrnn" / "configs" / f"{name}.toml")["data"]["train"]
    train = [train] if isinstance(train, str) else list(train)
    moved = [str(runs.resolve() / t[len("../../runs/"):]) if t.startswith("../../runs/") else t for t in train]
    return [f"init={(runs / STARTS_FROM[name] / 'model').resolve()}",
            *([f"data.train={json.dumps(moved)}"] if moved != train else [])]


def build_step(name: str, runs: Path, overrides: list[str]) -> None:
    """A step: run it into runs/NAME unless its product is there (resuming a training cut off)."""
    import json
    import subprocess

    args, product = STEPS[name]
    done = runs / name / product
    training = args[:3] == ["-m", "textrnn", "train"]
    if training and (done / "metrics.json").is_file():     # a training's best model is saved every epoch:
        if "epochs_run" in json.loads((done / "metrics.json").read_text(encoding="utf-8")):   # written at its end
            return
    elif not training and (done.is_file() or (done / "model.safetensors").is_file()):
        return
    if training:
        args = [*args, *(a for o in [*stage_init(name, runs), *overrides] for a in ("--set", o))]
        if (runs / name / "checkpoint" / "trainer.pt").is_file():
            args.append("--resume")
    subprocess.run([sys.executable, *args, "--out", str((runs / name).resolve())], check=True, cwd=ROOT)


def build(name: str, force: bool, runs: Path, overrides: list[str]) -> None:
    if name in STEPS:
        build_step(name, runs, overrides)
        return
    from textrnn.bundle import PRETRAINED_DIR
    from textrnn.config import apply_overrides, load_toml
    from textrnn.heads import head_module
    from textrnn.train import train

    config_path = ROOT / "textrnn" / "configs" / f"{name}.toml"
    config = apply_overrides(load_toml(config_path), [*stage_init(name, runs), *overrides])
    out = runs / name
    # a run cut off part-way resumes: a single model from its checkpoint, an ensemble from its members
    resume = (out / "checkpoint" / "trainer.pt").is_file() or any(out.glob("member*"))
    command = f"python tools/build_pretrained.py {name}" + "".join(f" --set {shlex.quote(o)}" for o in overrides)
    final = train(config, out, resume=resume, base=config_path.parent, command=command)
    key = final["headline"]
    new = final["dev"][key]
    target = PRETRAINED_DIR / name
    old = shipped_dev_score(target, final, key, config_path.parent) if target.exists() else None
    higher_is_better = getattr(head_module(config["task"]), "HIGHER_IS_BETTER", True)  # perplexity: lower
    if old is not None and (new <= old if higher_is_better else new >= old) and not force:
        print(f"{name}: dev {key} {new:.4f} does not beat the shipped {old:.4f}; kept the shipped model "
              f"(the new one is in {out / 'model'}; --force installs it)", file=sys.stderr)
        return
    tmp = PRETRAINED_DIR / f".{name}.new"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(out / "model", tmp)
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    print(f"{name}: installed into {target} (dev {key} {new:.4f}"
          + (f", was {old:.4f})" if old is not None else ")"), file=sys.stderr)


def shipped_dev_score(target: Path, final: dict, key: str, base: Path):
    """The shipped model's dev score to beat: as recorded, or, when it was selected on other dev data
    than the new run (a model whose data changed), scored now on the new run's dev data."""
    from textrnn.bundle import read_metrics

    recorded = read_metrics(target)
    if recorded.get("data", {}).get("dev") == final["data"].get("dev"):
        return (recorded.get("dev") or {}).get(key)
    import textrnn
    from textrnn.heads import head_module
    from textrnn.train_data import load_split

    head = head_module(final["task"])
    score = head.evaluate(textrnn.load(target), load_split(head, final["task"], final["data"]["dev"], base,
                                                               labels=tuple(final["data"].get("labels", ()))))[key]
    print(f"the shipped model was selected on other dev data; on this run's dev it scores {key} {score:.4f}",
          file=sys.stderr)
    return score


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="+", help="models to rebuild: names of textrnn/configs/*.toml")
    ap.add_argument("--force", action="store_true", help="install even if dev does not improve")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs", help="where training runs go")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config key, as `textrnn train --set` (e.g. train.threads=1 when two builds share the machine)")
    args = ap.parse_args()
    for name in args.names:
        build(name, args.force, args.runs, args.overrides)


if __name__ == "__main__":
    main()
