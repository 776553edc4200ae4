"""Ensembles: `train.ensemble = N` trains N members from consecutive seeds and averages them."""

from __future__ import annotations

import json
import time
from pathlib import Path

from textrnn.config import to_dict
from textrnn.errors import ConfigError, TextrnnError


def train_ensemble(config: dict, run, out: Path, resume: bool, base, command: str, quiet: bool) -> dict:
    """Train `train.ensemble` members from consecutive seeds into OUT/member{k}, then save their
    average as OUT/model. With --resume, finished members are kept and an interrupted one resumes."""
    from textrnn.heads import head_module
    from textrnn.run_dir import LOCK, run_lock

    head = head_module(run.task)
    if not hasattr(head, "Ensemble"):
        raise ConfigError(f"train.ensemble: the {run.task!r} head does not support ensembles", hint="set train.ensemble = 1")
    with run_lock(out):
        if out.exists() and any(p.name != LOCK for p in out.iterdir()) and not resume:
            raise TextrnnError(f"run directory {str(out)!r} exists and is not empty",
                               hint="add --resume to continue it, or choose another --out")
        return _train_members(config, run, head, out, base, command, quiet)


def _train_members(config: dict, run, head, out: Path, base, command: str, quiet: bool) -> dict:
    import torch

    from textrnn import load
    from textrnn.train import _log, train
    from textrnn.train_data import score_splits

    started = time.time()
    members = []
    for k in range(run.train.ensemble):
        member_out = out / f"member{k}"
        member_cfg = {**config, "train": {**config.get("train", {}), "ensemble": 1, "seed": run.train.seed + k}}
        if not (member_out / "model" / "metrics.json").is_file() or "best_epoch" not in _json(member_out / "model" / "metrics.json"):
            again = (member_out / "checkpoint" / "trainer.pt").is_file()
            if not quiet:
                _log(f"ensemble member {k + 1}/{run.train.ensemble} (seed {run.train.seed + k})")
            train(member_cfg, member_out, resume=again, base=base, command=command, quiet=quiet)
        members.append(load(member_out / "model"))
    member_metrics = [_json(out / f"member{k}" / "model" / "metrics.json") for k in range(len(members))]
    # Save first and score what was saved: fp16 / int8 storage may nudge a member's predictions
    # (a member trained without int8 is quantized here), and the recorded scores must be the bundle's.
    save = dict(half=run.train.half, int8=run.train.int8_embeddings)
    head.Ensemble(members).save(out / "model", metrics={}, **save)
    ensemble = load(out / "model")
    final = {"task": run.task, "headline": head.headline(ensemble), "ensemble": run.train.ensemble,
             # the members' own training times, summed: a resumed build reuses finished members
             "train_seconds": round(sum(m.get("train_seconds") or 0 for m in member_metrics), 1),
             "build_seconds": round(time.time() - started, 1),
             "parameters": sum(p.numel() for m in members for p in m.model.parameters()),
             "data": {k: v for k, v in to_dict(run.data).items() if v}, "config": config, "command": command,
             "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__,
             "members": [m.get("dev") for m in member_metrics]}

    def log(split, scores):
        if not quiet:
            _log(f"ensemble of {len(members)} {split} {final['headline']}: {scores[final['headline']]:.4f}")

    final.update(score_splits(head, run, ensemble, base, log))
    ensemble.save(out / "model", metrics=final, **save)
    return final


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
