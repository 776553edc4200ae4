"""A training run's directory: what it holds, the lock that keeps a second run out, and reading its log.

    OUT/.lock          the PID of the run training into OUT, locked (flock) while it runs
    OUT/model/         the best model so far (a bundle)
    OUT/checkpoint/    the last finished epoch, from which --resume continues
    OUT/metrics.jsonl  one JSON line per epoch
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from textrnn.errors import TextrnnError

LOCK = ".lock"   # in a run directory: the PID of the run training into it, locked while it runs


@contextlib.contextmanager
def run_lock(out: Path, enabled: bool = True):
    """Hold an exclusive lock on run directory `out` (created if missing) while the block runs.

    The lock is `fcntl.flock` on OUT/.lock, which holds the holder's PID: a second run into the same
    directory fails at once naming that PID, and a run killed by any signal (kill -9 included)
    releases it with its process, so there is no stale lock to clean up. A directory this call
    created and nothing else wrote into is removed again on the way out.
    """
    if not enabled:   # torchrun's other processes: process 0 holds the lock for the run
        yield
        return
    import fcntl

    if out.exists() and not out.is_dir():
        raise TextrnnError(f"--out {str(out)!r} is a file, not a run directory", hint="choose a directory name for --out")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:   # a file in the path, a read-only folder, /proc ...
        raise TextrnnError(f"--out {str(out)!r}: cannot make a run directory there ({e.strerror})",
                           hint="choose a folder you can write to") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise TextrnnError(f"run directory {str(out)!r} is in use by another training run (PID {holder})",
                           hint="wait for that run to finish (or stop it), or choose another --out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    try:
        yield
    finally:
        try:   # a run that made nothing leaves no directory (someone may have removed it already)
            if created and [p.name for p in out.iterdir()] == [LOCK]:
                (out / LOCK).unlink()
                out.rmdir()
        except FileNotFoundError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def check_run_dir(out: Path, resume: bool) -> None:
    """A new run needs an empty (or missing) directory; --resume needs a checkpoint in it."""
    if out.exists() and any(p.name != LOCK for p in out.iterdir()) and not resume:
        raise TextrnnError(f"run directory {str(out)!r} exists and is not empty",
                           hint="add --resume to continue it, or choose another --out")
    if resume and not (out / "checkpoint" / "trainer.pt").is_file():
        raise TextrnnError(f"nothing to resume in {str(out)!r} (no checkpoint/trainer.pt)",
                           hint="start the run without --resume" + (f" into another --out (or remove {str(out)!r} first)"
                                                                     if out.exists() and any(out.iterdir()) else ""))


def logged_epochs(path: Path) -> list[dict]:
    """The epoch records of a run's metrics.jsonl, skipping what is not one (a line cut short when a
    run was killed while appending it)."""
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("epoch"), int):
            out.append(record)
    return out


# -- resuming: the checkpoint must belong to this config ----------------------------------------
RUN_CONFIG = "run.json"   # in OUT/checkpoint/: the run's config (the TOML with every --set applied)
FIXED = ("task", "init", "model", "tokenizer")   # sections a resumed run cannot change: they shape the weights


def flatten(config: dict, prefix: str = "") -> dict:
    """{"train": {"lr": 1e-3}} → {"train.lr": 1e-3}."""
    flat = {}
    for k, v in config.items():
        if isinstance(v, dict):
            flat.update(flatten(v, f"{prefix}{k}."))
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def config_changes(saved: dict, now: dict) -> list[tuple[str, object, object]]:
    """(key, saved value, value now) for every key whose value differs; a missing key is None."""
    a, b = flatten(saved), flatten(now)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def check_resume(ckpt: Path, config: dict, model_cfg: dict, log, defaults: dict | None = None) -> None:
    """Before `--resume` loads a checkpoint: a changed model (task, init, model or tokenizer settings)
    is an error naming the keys; changed training settings (more epochs, another schedule) are
    allowed and listed. A model key the checkpoint does not have (added to textrnn since) is no
    change when its value now is its default (`defaults`: the model config with every default)."""
    def show(changes):
        return "; ".join(f"{k}: {'(unset)' if a is None else a!r} → {'(unset)' if b is None else b!r}"
                         for k, a, b in changes)

    try:
        saved_model = json.loads((ckpt / "config.json").read_text(encoding="utf-8"))["model"]
    except (OSError, ValueError, KeyError, TypeError):
        saved_model = None   # load_weights names what is wrong with a damaged checkpoint
    if isinstance(saved_model, dict):
        new_at_default = flatten(defaults or {})
        differ = [(k, a, b) for k, a, b in config_changes(saved_model, model_cfg) if not k.startswith("vocab")
                  and not (k not in flatten(saved_model) and k in new_at_default and new_at_default[k] == b)]
        if differ:
            raise TextrnnError(f"--resume: the checkpoint in {str(ckpt)!r} was trained with another model: "
                               + show([(f"model.{k}", a, b) for k, a, b in differ]),
                               hint="resume with the config it was started with, or start a new run in another --out")
    path = ckpt / RUN_CONFIG
    if not path.is_file():
        return   # checkpoints from before run.json: the model comparison above is all there is
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    changes = config_changes(saved, config)
    fixed = [c for c in changes if c[0].split(".")[0] in FIXED]
    if fixed:
        raise TextrnnError(f"--resume: the config differs from the run's in keys that shape the model: {show(fixed)}",
                           hint="resume with the config it was started with, or start a new run in another --out")
    if changes:
        log(f"resuming with changed settings: {show(changes)}")
