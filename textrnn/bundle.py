"""Model bundles: a trained model is a directory of data, never a pickle.

    my-model/
      config.json        format_version, task, every constructor setting, label names, and the
                         sha256 of each weights file (older bundles, the shipped ones among them, have none)
      model.safetensors  the weights (fp16 allowed for shipped models, and int8 word embeddings
                         with a scale per row; loaded as float32)
      tokenizer.json     the tokenizer (plus tokenizer.model for sentencepiece)
      metrics.json       scores, the data used, the date and the command that made it

Saving is atomic: the bundle is written into a temporary directory beside the target, then
renamed into place, so an interrupted save never leaves half a model; its files get the mode the
umask gives (safetensors alone would write 0600). Loading checks `format_version`, the recorded
sha256 of the weights (a flipped bit in a valid file would otherwise load and predict nonsense)
and that every weight is finite, and names the file at fault with a hint when something is
missing, corrupted or damaged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from textrnn.errors import BundleError

FORMAT_VERSION = 1
INT8_FORMAT_VERSION = 2   # bundles with int8 matrices: a textrnn that reads only version 1 says so
READABLE = (FORMAT_VERSION, INT8_FORMAT_VERSION)
PRETRAINED_DIR = Path(__file__).parent / "pretrained"
WEIGHTS = "model.safetensors"


def shipped_models() -> dict[str, Path]:
    """Names of the models shipped inside the package → their directories."""
    if not PRETRAINED_DIR.is_dir():
        return {}
    return {p.name: p for p in sorted(PRETRAINED_DIR.iterdir()) if (p / "config.json").is_file()}


def resolve_model(name_or_path: str | Path) -> Path:
    """A shipped model's name (`sentiment`) or a path to a bundle directory → the directory."""
    shipped = shipped_models()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    path = Path(name_or_path)
    if path.is_dir():
        return path
    if path.exists():
        raise BundleError(f"model {str(name_or_path)!r} is a file, not a model directory",
                          hint="give the directory that holds config.json and model.safetensors")
    names = ", ".join(shipped) or "(none installed)"
    raise BundleError(f"unknown model {str(name_or_path)!r}; choose one of: {names}, or give a path to a model directory",
                      hint="`textrnn models` lists the shipped models")


def read_config(directory: str | Path) -> dict[str, Any]:
    """Read and check a bundle's config.json (no torch needed: `textrnn info` and `models` use this)."""
    path = Path(directory) / "config.json"
    regen = "re-train it with `textrnn train CONFIG`, or rebuild the shipped models with `make pretrained`"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{path}: missing; {directory} is not a textrnn model", hint=regen) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(f"{path}: corrupted ({e})", hint=regen) from None
    if not isinstance(config, dict) or "task" not in config or "model" not in config:
        raise BundleError(f"{path}: not a textrnn model config (needs 'task' and 'model')", hint=regen)
    version = config.get("format_version")
    if isinstance(version, str) and version.strip().isdigit() and int(version) in READABLE:
        version = config["format_version"] = int(version)   # "1" written by hand or by another tool: it is 1
    if version not in READABLE:
        raise BundleError(
            f"{path}: format_version {version!r}, but this textrnn reads format_version {' or '.join(map(str, READABLE))}",
            hint=regen,
        )
    return config


def model_config(cls, directory: str | Path, config: dict):
    """The head's config dataclass from config.json's "model" table; a key this textrnn does not
    know (a bundle from another version) is reported as a bundle error naming the file."""
    from textrnn.config import from_dict
    from textrnn.errors import ConfigError

    try:
        return from_dict(cls, config["model"], "model")
    except ConfigError as e:
        raise BundleError(f"{Path(directory) / 'config.json'}: {e.message}" + (f" ({e.hint})" if e.hint else ""),
                          hint="re-train the model with this version of textrnn, or use the version that made it") from None


def read_metrics(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / "metrics.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def load_weights(directory: str | Path):
    """The bundle's weights as a float32 state_dict."""
    import torch
    from safetensors.torch import load_file

    path = Path(directory) / WEIGHTS
    if not path.is_file():
        raise BundleError(f"{path}: missing from the model bundle", hint="re-train or re-save the model")
    try:
        state = load_file(str(path))
    except Exception as e:  # safetensors raises its own error types for truncated or garbled files
        raise BundleError(f"{path}: corrupted weights ({e})", hint="re-train or re-save the model") from None
    for k, v in state.items():
        # NaN or inf weights (a diverged run, a damaged file saved before checksums) would predict
        # garbage without any error: `negative nan`
        if v.is_floating_point() and not bool(torch.isfinite(v).all()):
            raise BundleError(f"{path}: tensor {k!r} has NaN or infinite values", hint=damaged_hint(directory))
    scales = {k[: -len(SCALE)]: state.pop(k) for k in [k for k in state if k.endswith(SCALE)]}
    for k, scale in scales.items():
        if k not in state:
            raise BundleError(f"{path}: has {k}{SCALE} but no {k}", hint="re-train or re-save the model")
        state[k] = state[k].float() * scale.float().unsqueeze(1)        # int8 (V, E) · (V, 1)
    verify_sha256(directory)   # after the checks that name what is wrong: a flipped bit reads as a valid file
    return {k: v.float() if v.is_floating_point() and v.dtype != torch.float32 else v for k, v in state.items()}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def recorded_sha256(directory: str | Path) -> dict[str, str]:
    """config.json's {file name: sha256} of the bundle's weights files; {} for a bundle saved before
    checksums (the shipped models among them) or without a readable config.json (which
    `read_config` reports)."""
    path = Path(directory) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sums = config.get("sha256", {}) if isinstance(config, dict) else {}
    if not (isinstance(sums, dict) and all(isinstance(k, str) and k == Path(k).name and k not in ("", ".", "..")
                                           and isinstance(v, str) for k, v in sums.items())):
        raise BundleError(f"{path}: 'sha256' must map the bundle's file names to hex digests, got {sums!r}",
                          hint=damaged_hint(directory))
    return sums


def verify_sha256(directory: str | Path) -> None:
    """Check every file config.json records a sha256 for (the weights, and a training checkpoint's
    trainer.pt, so --resume checks it too); a missing one is left to whoever reads it."""
    for name, digest in recorded_sha256(directory).items():
        path = Path(directory) / name
        if path.is_file() and sha256_of(path) != digest.lower():
            raise BundleError(f"{path}: damaged (its sha256 is not the one config.json recorded when it was saved)",
                              hint=damaged_hint(directory))


def damaged_hint(directory: str | Path) -> str:
    directory = Path(directory)
    if PRETRAINED_DIR.resolve() in directory.resolve().parents:
        return "reinstall textrnn (pip install --force-reinstall textrnn), or rebuild the shipped models with `make pretrained`"
    if (directory / "trainer.pt").exists():
        return "this training checkpoint cannot be resumed: train again without --resume, into another --out"
    return "copy the model again from where it came from, or re-train it with `textrnn train CONFIG`"


# An int8 matrix `name` is stored with `name` + SCALE, one fp16 scale per row: row ≈ int8 row · scale.
SCALE = ".int8_scale"


def quantize_rows(w):
    """(V, E) float → (int8 (V, E), scale (V,) fp16) with w ≈ q · scale per row (absmax scaling:
    each row's largest |value| maps to 127). Embedding rows are looked up one at a time, so a
    scale per row keeps rare words' small vectors as precise as frequent words' big ones."""
    import torch

    scale = (w.abs().amax(1) / 127).half().float()                     # (V,) rounded as stored
    q = torch.where(scale.unsqueeze(1) > 0, w / scale.clamp_min(1e-30).unsqueeze(1), torch.zeros_like(w))
    return q.round().clamp(-127, 127).to(torch.int8), scale.half()


@contextlib.contextmanager
def atomic_dir(directory: str | Path):
    """Yield a fresh temporary directory beside `directory`; on success it replaces `directory`,
    on any error it is removed and `directory` is left as it was."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.parent / f".{directory.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        _umask_modes(tmp)
        _replace_dir(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_meta(directory: Path, config: dict, metrics: dict | None, version: int = FORMAT_VERSION) -> None:
    """config.json (with format_version first) and metrics.json of a bundle."""
    config = {"format_version": version, **config}
    (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (directory / "metrics.json").write_text(json.dumps(metrics or {}, indent=2) + "\n", encoding="utf-8")


def save_bundle(directory: str | Path, *, task: str, model_config: dict, state_dict, tokenizer,
                metrics: dict | None = None, half: bool = False, int8: tuple[str, ...] = (),
                write_more=None) -> Path:
    """Write a bundle atomically. `half=True` stores floating weights as fp16 (half the size);
    the matrices named in `int8` are stored as int8 with a scale per row (a quarter).

    `write_more(tmp_dir)`, if given, adds files (a training checkpoint's optimizer state) before
    the directory is renamed into place. config.json records the sha256 of the weights and of the
    files `write_more` adds; loading checks them.
    """
    from safetensors.torch import save_file

    with atomic_dir(directory) as tmp:
        tensors = {}
        for k, v in state_dict.items():
            v = v.detach().cpu()
            if k in int8:
                tensors[k], tensors[k + SCALE] = quantize_rows(v.float())
            else:
                tensors[k] = (v.half() if half and v.is_floating_point() else v).contiguous()
        version = INT8_FORMAT_VERSION if int8 else FORMAT_VERSION
        save_file(tensors, str(tmp / WEIGHTS), metadata={"format_version": str(version)})
        tokenizer.save(tmp)
        before = {p.name for p in tmp.iterdir()}
        if write_more is not None:
            write_more(tmp)
        more = sorted(p.name for p in tmp.iterdir()
                      if p.is_file() and p.name not in before and p.name not in ("config.json", "metrics.json"))
        sha256 = {name: sha256_of(tmp / name) for name in [WEIGHTS, *more]}
        write_meta(tmp, {"task": task, "model": model_config, "sha256": sha256}, metrics, version)
    return Path(directory)


def save_predictor(predictor, directory: str | Path, *, task: str, metrics: dict | None = None,
                   half: bool = False, int8: bool = False) -> Path:
    """Save a head's predictor (its `.config` dataclass, `.model`, `.tokenizer`, `.metrics`) as a
    bundle; `int8=True` stores its word embeddings (nn.Embedding of ≥ INT8_MIN_ROWS rows) as int8."""
    from torch import nn

    from textrnn.config import to_dict

    names = tuple(f"{n}.weight" for n, m in predictor.model.named_modules()
                  if isinstance(m, nn.Embedding) and m.num_embeddings >= INT8_MIN_ROWS) if int8 else ()
    return save_bundle(directory, task=task, model_config=to_dict(predictor.config),
                       state_dict=predictor.model.state_dict(), tokenizer=predictor.tokenizer,
                       metrics=metrics if metrics is not None else predictor.metrics, half=half, int8=names)


INT8_MIN_ROWS = 1000  # word vocabularies, not the small character or casing tables


def load_model(directory: str | Path, config: dict, config_cls, model_cls):
    """(model, tokenizer, metrics) of a bundle: `model_cls(config_cls(...))` with its weights."""
    from textrnn.tokenizer import load_tokenizer

    model = model_cls(model_config(config_cls, directory, config))
    try:
        model.load_state_dict(load_weights(directory))
    except RuntimeError as e:
        raise BundleError(f"{directory}/model.safetensors: does not match config.json ({str(e).splitlines()[0]})",
                          hint="re-train or re-save the model") from None
    return model, load_tokenizer(directory), read_metrics(directory)


def save_ensemble(directory: str | Path, *, task: str, members, model_config: dict, metrics: dict | None,
                  half: bool = False, int8: bool = False) -> Path:
    """Write an ensemble atomically: each member's bundle in `member{k}/`, and a config.json that
    lists them: `{"ensemble": ["member0", ...], "model": <member0's config>}`."""
    with atomic_dir(directory) as tmp:
        names = [f"member{i}" for i in range(len(members))]
        for name, m in zip(names, members):
            m.save(tmp / name, half=half, int8=int8)
        write_meta(tmp, {"task": task, "ensemble": names, "model": model_config}, metrics,
                   INT8_FORMAT_VERSION if int8 else FORMAT_VERSION)
    return Path(directory)


def load_ensemble_members(directory: str | Path, config: dict, load_member) -> list:
    """Load the members listed by an ensemble's config.json with `load_member(dir, config)`."""
    names = config["ensemble"]
    if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise BundleError(f"{directory}/config.json: 'ensemble' must list member directory names, got {names!r}",
                          hint="re-train or re-save the model")
    members = []
    for n in names:
        member_config = read_config(Path(directory) / n)
        if "ensemble" in member_config:
            raise BundleError(f"{directory}/{n}: an ensemble inside an ensemble", hint="list plain models")
        members.append(load_member(Path(directory) / n, member_config))
    return members


def _umask_modes(tmp: Path) -> None:
    """Give every file in `tmp` the mode the umask gives a new file (0644 under umask 022):
    safetensors writes 0600. `tmp` was made by mkdir, so its mode is 0777 minus the umask, read
    here without os.umask (which would change the process-wide umask, if only for a moment)."""
    mode = tmp.stat().st_mode & 0o666
    for p in tmp.rglob("*"):
        if p.is_file() and not p.is_symlink() and p.stat().st_mode & 0o777 != mode:
            os.chmod(p, mode)


def _replace_dir(src: Path, dst: Path) -> None:
    """Move directory `src` to `dst`, replacing any old `dst` with only renames in the way."""
    if dst.exists():
        old = dst.parent / f".{dst.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)
