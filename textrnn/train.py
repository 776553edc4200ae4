"""One explicit training loop for every task head.

    textrnn train configs/sentiment.toml --out runs/sentiment [--set train.lr=1e-3] [--resume]

A run directory holds:
    model/           the best model so far on the dev set (a bundle: what you use)
    checkpoint/      the last finished epoch: bundle + trainer.pt (optimizer, RNG, history),
                     from which `--resume` continues after a crash
    metrics.jsonl    one JSON line per epoch: train loss, dev scores, learning rate, time

The loop: AdamW (or SGD), gradient-norm clipping (the standard cure for exploding gradients,
Pascanu et al. 2013), a dev evaluation each epoch, early stopping after `patience` epochs
without improvement, seeded so two runs on the CPU give the same losses.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from textrnn.config import from_dict, resolve_data_path, to_dict
from textrnn.errors import ConfigError, TextrnnError, choose


@dataclass(frozen=True)
class DataConfig:
    train: str                     # `corpora:sst2/train.tsv` is relative to $TEXTRNN_CORPORA
    dev: str = ""                  # selects the best epoch; empty: the last epoch is kept
    test: str = ""                 # scored once, with the best model, for the final report


@dataclass(frozen=True)
class TokenizerConfig:
    kind: str = "word"             # word | char | sentencepiece
    lowercase: bool = False
    min_freq: int = 1              # word/char: rarer tokens become <unk>
    max_size: int = 50000          # vocabulary size cap (the subword vocabulary size for sentencepiece)
    split: str = "words"           # word: "words" (Penn Treebank rules) or "whitespace"


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32
    optimizer: str = "adamw"       # adamw | sgd
    lr: float = 1e-3
    weight_decay: float = 0.0
    clip: float = 5.0              # max gradient norm; 0 turns clipping off
    schedule: str = "constant"     # constant | cosine (per step) | plateau (× plateau_factor when dev stalls),
    warmup: int = 0                # each after `warmup` steps of linear warm-up
    plateau_factor: float = 0.5    # plateau: multiply the learning rate by this ...
    plateau_patience: int = 1      # ... after this many epochs without a better dev score
    checkpoint_every: int = 0      # also checkpoint every N steps inside an epoch (0: at epoch ends only);
                                   # `--resume` then replays the epoch's batch order and skips what was done
    max_bad_steps: int = 10        # NaN/inf guard: a non-finite loss or gradient skips the step and halves
                                   # the learning rate; this many in a row stop training with an error
    patience: int = 3              # stop after this many epochs without a better dev score
    max_steps: int = 0             # stop after this many steps in all, ending the epoch there (0: no limit;
                                   # for smoke runs and benchmarks)
    seed: int = 1
    threads: int = 0               # torch threads; 0 keeps torch's default
    device: str = "cpu"            # cpu | cuda | mps | auto (the first of cuda, mps, cpu found); dev scoring and
                                   # saving happen on the CPU
    precision: str = "fp32"        # fp32 | bf16: autocast the forward pass to bfloat16 (weights stay fp32)
    half: bool = False             # save the best model with fp16 weights (half the size)
    int8_embeddings: bool = False  # and its big word-embedding matrices as int8 with a scale per row (a quarter
                                   # of fp32): they are most of a model's size (bundle.py)
    ensemble: int = 1              # train this many models (seeds seed, seed+1, ...) and average their predictions


@dataclass(frozen=True)
class RunConfig:
    task: str
    data: DataConfig
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: dict = field(default_factory=dict)   # the head's own config keys (checked by the head)
    train: TrainConfig = field(default_factory=TrainConfig)
    init: str = ""                 # a model directory to start from: its tokenizer is used, and its weights
                                   # initialise every parameter with the same name and shape (e.g. an
                                   # encoder pretrained as a language model by tools/pretrain_bilm.py)


SCHEDULES = ("constant", "cosine", "plateau")
DEVICES = ("cpu", "cuda", "mps", "auto")
PRECISIONS = ("fp32", "bf16")


def pick_device(name: str, local_rank: int = 0):
    """The torch device for `train.device`; a device that is not here is a config error."""
    import torch

    choose("device", name, DEVICES)
    have = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if name == "auto":
        name = next(d for d in ("cuda", "mps", "cpu") if have[d])
    if not have[name]:
        raise ConfigError(f"train.device {name!r}: no such device on this machine", hint="use \"cpu\" or \"auto\"")
    return torch.device(f"cuda:{local_rank}" if name == "cuda" else name)


def to_device(batch: tuple, device) -> tuple:
    return tuple(t.to(device) if hasattr(t, "to") else t for t in batch)
GRAD_EVERY = 25  # steps between samples of the per-parameter gradient norms logged in metrics.jsonl


def progress_bar(quiet: bool):
    """A rich progress bar with ETA and running loss on stderr; silent when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("loss {task.fields[loss]:.4f}"), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=True, disable=quiet or not sys.stderr.isatty())


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def train(config: dict, out_dir: str | Path, resume: bool = False, base: Path | None = None,
          command: str = "", quiet: bool = False):
    """Train the run described by `config` (a dict, as read from TOML) into `out_dir`; return final metrics."""
    import torch

    from textrnn.heads import head_module
    from textrnn.tokenizer import load_tokenizer, train_tokenizer

    from textrnn import distributed

    run = from_dict(RunConfig, config)
    if run.train.ensemble > 1:
        return train_ensemble(config, run, Path(out_dir), resume, base, command, quiet)
    head = head_module(run.task)
    tc = run.train
    dist = distributed.setup(tc.threads)   # one process, or one of torchrun's (distributed.py)
    choose("optimizer", tc.optimizer, ["adamw", "sgd"])
    choose("schedule", tc.schedule, SCHEDULES)
    choose("precision", tc.precision, PRECISIONS)
    device = pick_device(tc.device, int(os.environ.get("LOCAL_RANK", "0")))
    out = Path(out_dir)
    ckpt = out / "checkpoint"
    if out.exists() and any(out.iterdir()) and not resume:
        raise TextrnnError(f"run directory {str(out)!r} exists and is not empty",
                           hint="add --resume to continue it, or choose another --out")
    if resume and not (ckpt / "trainer.pt").is_file():
        raise TextrnnError(f"nothing to resume in {str(out)!r} (no checkpoint/trainer.pt)",
                           hint="start the run without --resume")
    log = (lambda m: None) if quiet or not dist.main else _log
    if tc.threads:
        torch.set_num_threads(tc.threads)

    specs = {k: v for k, v in to_dict(run.data).items() if v}
    paths = {k: v if v.startswith(HUB) else resolve_data_path(v, base) for k, v in specs.items()}
    train_ex = load_split(head, run.task, specs["train"], paths["train"])
    dev_ex = load_split(head, run.task, specs["dev"], paths["dev"]) if "dev" in paths else None
    log(f"train: {len(train_ex)} examples from {paths['train']}" + (f"; dev: {len(dev_ex)}" if dev_ex else ""))

    random.seed(tc.seed)
    torch.manual_seed(tc.seed)
    init_dir = resolve_data_path(run.init, base) if run.init else None
    if init_dir is not None and not init_dir.is_dir():
        raise ConfigError(f"init {run.init!r}: no model directory at {init_dir}",
                          hint="build it first: `make pretrained` builds runs/embeddings and runs/bilm "
                               "(tools/pretrain_embeddings.py, tools/pretrain_bilm.py); or remove `init` to start "
                               "from random weights")
    if resume:
        tokenizer = load_tokenizer(ckpt)
    elif init_dir is not None:
        tokenizer = load_tokenizer(init_dir)
    elif hasattr(head, "train_tokenizer"):
        tokenizer = head.train_tokenizer(run.tokenizer, train_ex)  # the head knows its own vocabulary
    else:
        tk = run.tokenizer
        options = {"max_size": tk.max_size, "lowercase": tk.lowercase}
        if tk.kind in ("word", "char"):
            options["min_freq"] = tk.min_freq
        if tk.kind == "word":
            options["split"] = tk.split
        tokenizer = train_tokenizer(tk.kind, head.tokenizer_texts(train_ex), **options)
    distributed.same_everywhere(tokenizer.vocab_size, dist, "tokenizer's vocabulary")
    predictor = head.build(run.model, train_ex, tokenizer)
    model = predictor.model
    model.to(device)
    net = distributed.wrap(model, dist, device)    # what training calls: DDP averages gradients over processes
    headline = head.headline(predictor)
    if init_dir is not None and not resume:
        log(f"initialised {init_from(model, init_dir)} tensors from {init_dir}")
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params:,} parameters; vocabulary {tokenizer.vocab_size:,}")

    params = [p for p in model.parameters() if p.requires_grad]
    if tc.optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=tc.lr, weight_decay=tc.weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=tc.lr, weight_decay=tc.weight_decay)
    encoded = encode_split(head, run.task, predictor, train_ex)
    if hasattr(head, "steps_per_epoch"):  # a language model reads one stream of text
        steps_per_epoch = head.steps_per_epoch(encoded, tc.batch_size)
    else:
        steps_per_epoch = math.ceil(len(encoded) / tc.batch_size)
    better = getattr(head, "HIGHER_IS_BETTER", True)
    total = steps_per_epoch * tc.epochs

    def lr_at(step: int) -> float:
        scale = state["lr_scale"]      # lowered by the plateau schedule and by the NaN guard
        if tc.warmup and step < tc.warmup:
            return scale * tc.lr * (step + 1) / tc.warmup
        if tc.schedule == "cosine":
            progress = (step - tc.warmup) / max(1, total - tc.warmup)
            return scale * tc.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return scale * tc.lr

    state = {"epoch": 0, "step": 0, "best": None, "best_epoch": 0, "bad_epochs": 0, "lr_scale": 1.0,
             "plateau_epochs": 0, "skipped_steps": 0}
    rng = random.Random(tc.seed)
    if resume:
        from textrnn.bundle import load_weights

        model.load_state_dict(load_weights(ckpt))
        saved = torch.load(ckpt / "trainer.pt", weights_only=True)
        opt.load_state_dict(saved["optimizer"])
        state = {**state, **saved["state"]}   # checkpoints from before a key existed keep its default
        torch.set_rng_state(saved["torch_rng"])
        rng.setstate(_tuplify(saved["python_rng"]))
        where = f"step {state['partial']['done']} of epoch {state['epoch'] + 1}" if "partial" in state else f"epoch {state['epoch']}"
        log(f"resumed after {where} from {ckpt}")

    model_cfg = to_dict(predictor.config)
    metrics_log = out / "metrics.jsonl"

    def save_checkpoint(st: dict) -> None:
        """Model, optimizer, loop state and RNG states, written atomically (a crash leaves the previous one)."""
        from textrnn.bundle import save_bundle

        trainer = {"optimizer": opt.state_dict(), "state": st, "torch_rng": torch.get_rng_state(),
                   "python_rng": list(rng.getstate())}
        save_bundle(ckpt, task=run.task, model_config=model_cfg, state_dict=model.state_dict(),
                    tokenizer=tokenizer, write_more=lambda d: torch.save(trainer, d / "trainer.pt"))

    if dist.main:
        out.mkdir(parents=True, exist_ok=True)
    if resume and metrics_log.exists() and dist.main:
        # a run killed after logging an epoch but before its checkpoint will log that epoch again
        kept = [l for l in metrics_log.read_text(encoding="utf-8").splitlines()
                if l.strip() and json.loads(l)["epoch"] <= state["epoch"]]
        metrics_log.write_text("".join(l + "\n" for l in kept), encoding="utf-8")
    while state["epoch"] < tc.epochs and state["bad_epochs"] < tc.patience and not out_of_steps(state, tc):
        epoch = state["epoch"] + 1
        model.to(device).train()
        # this epoch's running sums; a mid-epoch checkpoint stores them, with the RNG state the
        # epoch's batch order was drawn from, so a resumed epoch replays that order
        ep = state.pop("partial", None) or {"done": 0, "loss_sum": 0.0, "n_batches": 0, "norm_sum": 0.0, "norm_n": 0,
                                             "grad_sums": {}, "seconds": 0.0, "rng": list(rng.getstate())}
        rng.setstate(_tuplify(ep["rng"]))
        t0, bad_run = time.time(), 0
        bar = progress_bar(quiet or not dist.main)
        task = bar.add_task("train", total=steps_per_epoch, completed=ep["done"], epoch=epoch, loss=float("nan"))
        bar.start()
        for i, batch in enumerate(head.batches(encoded, tc.batch_size, rng)):   # inputs, targets (, carry)
            if i < ep["done"]:
                continue                     # trained on before the checkpoint we resumed from
            carry = next((b for b in batch if isinstance(b, dict)), None)   # a language model's carried state
            if i == ep["done"] and carry is not None and ep.get("carry"):
                carry.update(ep.pop("carry"))
            ep["done"] = i + 1
            for g in opt.param_groups:
                g["lr"] = lr_at(state["step"])
            batch, weight = distributed.shard(batch, dist)   # this process's rows (all of them alone)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=tc.precision == "bf16"):
                _, loss = net(*to_device(batch, device))
            opt.zero_grad(set_to_none=True)
            finite = distributed.agree(bool(torch.isfinite(loss)), dist)
            if finite:
                (loss * weight).backward()
                if state["step"] % GRAD_EVERY == 0:   # per-parameter norms: vanishing/exploding gradients show here
                    for name, p in model.named_parameters():
                        if p.grad is not None:
                            ep["grad_sums"][name] = ep["grad_sums"].get(name, 0.0) + float(p.grad.norm())
                norm = torch.nn.utils.clip_grad_norm_(params, tc.clip or float("inf"))   # the norm before clipping
                finite = bool(torch.isfinite(norm))
            elif dist.world > 1:
                (loss * 0).backward()   # every process must join DDP's gradient averaging; the step is skipped
            if not finite:  # the NaN/inf guard: skip this step, halve the learning rate, give up after a streak
                opt.zero_grad(set_to_none=True)
                bad_run += 1
                state["skipped_steps"] += 1
                state["lr_scale"] *= 0.5
                log(f"step {state['step'] + 1}: non-finite loss or gradient; step skipped, learning rate halved "
                    f"to {lr_at(state['step']):.3g}")
                if bad_run >= tc.max_bad_steps:
                    raise TextrnnError(f"training diverged: {bad_run} steps in a row had a non-finite loss or gradient "
                                       f"(epoch {epoch}, step {state['step'] + 1})",
                                       hint="lower train.lr, set train.clip (e.g. 1.0), or check the data; "
                                            "--resume restarts from the last good epoch")
                state["step"] += 1
                continue
            bad_run = 0
            opt.step()
            state["step"] += 1
            ep["loss_sum"] += loss.item()
            ep["norm_sum"] += float(norm)
            ep["norm_n"] += 1
            ep["n_batches"] += 1
            bar.update(task, advance=1, loss=ep["loss_sum"] / ep["n_batches"])
            if tc.checkpoint_every and state["step"] % tc.checkpoint_every == 0 and ep["done"] < steps_per_epoch:
                mid = {**ep, "seconds": ep["seconds"] + time.time() - t0,
                       "carry": dict(carry) if carry is not None else {}}
                if dist.main:
                    save_checkpoint({**state, "partial": mid})
            if os.environ.get("TEXTRNN_KILL_AT_STEP") == str(state["step"]):   # the crash test's kill -9
                os.kill(os.getpid(), signal.SIGKILL)
            if out_of_steps(state, tc):
                break
        bar.stop()
        n_batches = ep["n_batches"]
        samples = max(1, math.ceil(n_batches / GRAD_EVERY))
        record = {"epoch": epoch, "step": state["step"], "train_loss": ep["loss_sum"] / max(1, n_batches),
                  "lr": opt.param_groups[0]["lr"], "seconds": round(ep["seconds"] + time.time() - t0, 1),
                  "grad_norm": ep["norm_sum"] / max(1, ep["norm_n"]),
                  "grad_norms": {k: v / samples for k, v in ep["grad_sums"].items()},
                  "skipped_steps": state["skipped_steps"]}
        model.cpu().eval()   # the predictors score on the CPU (a no-op when training there)
        improved = True
        if dev_ex is not None:
            # a head may score epochs more cheaply than its final report (translation: greedy, not beam)
            dev = getattr(head, "evaluate_epoch", head.evaluate)(predictor, dev_ex)
            score = dev[headline]
            record["dev"] = {k: v for k, v in dev.items() if isinstance(v, (int, float))}
            improved = state["best"] is None or (score > state["best"] if better else score < state["best"])
        if tc.schedule == "plateau" and not improved:
            state["plateau_epochs"] += 1
            if state["plateau_epochs"] >= tc.plateau_patience:
                state["lr_scale"] *= tc.plateau_factor
                state["plateau_epochs"] = 0
                log(f"dev {headline} has not improved for {tc.plateau_patience} epoch(s): learning rate "
                    f"× {tc.plateau_factor} → {lr_at(state['step']):.3g}")
        if improved:
            state["best"] = record.get("dev", {}).get(headline)
            state["best_epoch"], state["bad_epochs"], state["plateau_epochs"] = epoch, 0, 0
            if dist.main:
                predictor.save(out / "model", metrics={"dev": record.get("dev"), "epoch": epoch}, half=tc.half,
                               int8=tc.int8_embeddings)
        else:
            state["bad_epochs"] += 1
        state["epoch"] = epoch
        if not dist.main:   # every process scored dev (same weights, same decisions); only process 0 writes
            continue
        with open(metrics_log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        dev_msg = f" dev {headline} {record['dev'][headline]:.4f}" if "dev" in record else ""
        log(f"epoch {epoch}: train loss {record['train_loss']:.4f}{dev_msg} ({record['seconds']}s)"
            + (" *best*" if improved else ""))
        save_checkpoint(state)

    distributed.finish(dist)
    if not dist.main:
        return {}
    # Final report: the best model on dev (and test, if given), recorded in its metrics.json.
    from textrnn import load

    best = load(out / "model")
    final = {"task": run.task, "headline": headline, "best_epoch": state["best_epoch"], "epochs_run": state["epoch"],
             # the epochs' own times from metrics.jsonl: a resumed run counts its earlier epochs too
             "train_seconds": round(sum(json.loads(l)["seconds"] for l in metrics_log.read_text(encoding="utf-8").splitlines()
                                        if l.strip()), 1),
             "parameters": n_params,
             "data": {k: v for k, v in to_dict(run.data).items() if v},
             "config": config, "command": command,
             "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__}
    for split in ("dev", "test"):
        if split in paths:
            final[split] = head.evaluate(best, load_split(head, run.task, specs[split], paths[split]))
            log(f"best model (epoch {state['best_epoch']}) {split} {headline}: {final[split][headline]:.4f}")
    best.save(out / "model", metrics=final, half=tc.half, int8=tc.int8_embeddings)
    try:
        from textrnn.plot import plot_run

        log(f"curves: {plot_run(out)}")
    except ImportError:  # matplotlib is optional for training
        log("note: no curves.png (pip install matplotlib; then `textrnn plot RUN_DIR`)")
    return final


def train_ensemble(config: dict, run: RunConfig, out: Path, resume: bool, base, command: str, quiet: bool) -> dict:
    """Train `train.ensemble` members from consecutive seeds into OUT/member{k}, then save their
    average as OUT/model. With --resume, finished members are kept and an interrupted one resumes."""
    import torch

    from textrnn import load
    from textrnn.heads import head_module

    head = head_module(run.task)
    if not hasattr(head, "Ensemble"):
        raise ConfigError(f"train.ensemble: the {run.task!r} head does not support ensembles", hint="set train.ensemble = 1")
    if out.exists() and any(out.iterdir()) and not resume:
        raise TextrnnError(f"run directory {str(out)!r} exists and is not empty",
                           hint="add --resume to continue it, or choose another --out")
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
    for split in ("dev", "test"):
        path = getattr(run.data, split)
        if path:
            final[split] = head.evaluate(ensemble, load_split(head, run.task, path,
                                                              path if path.startswith(HUB) else resolve_data_path(path, base)))
            if not quiet:
                _log(f"ensemble of {len(members)} {split} {final['headline']}: {final[split][final['headline']]:.4f}")
    ensemble.save(out / "model", metrics=final, **save)
    return final


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def out_of_steps(state: dict, tc: TrainConfig) -> bool:
    return bool(tc.max_steps) and state["step"] >= tc.max_steps


HUB = "hf:"  # a data path naming a Hugging Face hub dataset (corpus.py)


def load_split(head, task: str, spec: str, path):
    """A data split for training: through Arrow tables and their cache (corpus.py)."""
    from textrnn.corpus import load

    return load(task, spec, None if spec.startswith(HUB) else path, head.read_data)


def encode_split(head, task: str, predictor, examples):
    """Training examples → ids, by `Dataset.map` with a cache (corpus.py); a language model's text
    becomes its memory-mapped token stream there too (heads/lm.py)."""
    from textrnn.corpus import encode

    if task == "lm":
        return head.encode_examples(predictor, examples)
    return encode(task, predictor, examples, head.encode_examples)


def init_from(model, directory: Path) -> int:
    """Copy every weight of the bundle in `directory` whose name and shape match into `model`."""
    from textrnn.bundle import load_weights

    own = model.state_dict()
    found = {k: v for k, v in load_weights(directory).items() if k in own and own[k].shape == v.shape}
    if not found:
        raise ConfigError(f"init {str(directory)!r}: no weight matches the model's names and shapes",
                          hint="make the model's sizes (embedding_dim, hidden_size, cell) match the pretrained ones")
    model.load_state_dict(found, strict=False)
    return len(found)


def _tuplify(x):
    """random.Random state round-trips through torch.save as lists; setstate wants tuples."""
    return tuple(_tuplify(v) for v in x) if isinstance(x, list) else x


def check_task_config(config: dict) -> None:
    if "task" not in config:
        raise ConfigError("config has no `task` key", hint="start the file with e.g. task = \"classify\"")
