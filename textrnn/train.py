"""One explicit training loop for every task head.

    textrnn train configs/sentiment.toml --out runs/sentiment [--set train.lr=1e-3] [--resume]

A run directory holds:
    model/           the best model so far on the dev set (a bundle: what you use)
    model-trained/   with train.bag_naive_bayes: that model as trained, before naive Bayes weights
                     were added to its bag (train_report.py)
    checkpoint/      the last finished epoch: bundle + trainer.pt (optimizer, RNG, history),
                     from which `--resume` continues after a crash
    metrics.jsonl    one JSON line per epoch: train loss, dev scores, learning rate, time, the mean
                     gradient norm before clipping and how many steps clipping rescaled

The loop: AdamW (or SGD), gradient-norm clipping (the standard cure for exploding gradients,
Pascanu et al. 2013), a dev evaluation each epoch, early stopping after `patience` epochs
without improvement, seeded so two runs on the CPU give the same losses.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

from textrnn.config import from_dict, to_dict
from textrnn.errors import ConfigError, TextrnnError, choose
from textrnn.run_config import DEVICES, PRECISIONS, SCHEDULES, RunConfig, TrainConfig  # noqa: F401
from textrnn.run_dir import RUN_CONFIG, check_resume, check_run_dir, logged_epochs, run_lock
from textrnn.train_report import TRAINED


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
    """Train the run described by `config` (a dict, as read from TOML) into `out_dir`; return final metrics.

    The steps, each a function below: check the run directory → read the data → make the tokenizer
    and the model → (resume) → train epochs, each scored on dev, the best kept → score the best model.
    """
    import torch

    from textrnn import distributed
    from textrnn.heads import head_module
    from textrnn.train_data import load_run_data, make_tokenizer, resolve_init

    run = from_dict(RunConfig, config)
    if run.train.ensemble > 1:
        from textrnn.train_ensemble import train_ensemble

        return train_ensemble(config, run, Path(out_dir), resume, base, command, quiet)
    head = head_module(run.task)
    tc = run.train
    dist = distributed.setup(tc.threads)   # one process, or one of torchrun's (distributed.py)
    choose("optimizer", tc.optimizer, ["adamw", "sgd"])
    choose("schedule", tc.schedule, SCHEDULES)
    choose("precision", tc.precision, PRECISIONS)
    device = pick_device(tc.device, int(os.environ.get("LOCAL_RANK", "0")))
    out = Path(out_dir)
    with run_lock(out, enabled=dist.main):   # a second run into the same directory fails at once
        check_run_dir(out, resume)
        log = (lambda m: None) if quiet or not dist.main else _log
        if tc.threads:
            torch.set_num_threads(tc.threads)

        check_naive_bayes(run)
        data = load_run_data(head, run, base, log)
        random.seed(tc.seed)
        torch.manual_seed(tc.seed)
        init_dir = resolve_init(run, base)
        tokenizer = make_tokenizer(head, run, data.train, out / "checkpoint" if resume else init_dir)
        distributed.same_everywhere(tokenizer.vocab_size, dist, "tokenizer's vocabulary")
        predictor = head.build(run.model, data.train, tokenizer)
        if init_dir is not None and not resume:
            from textrnn.train_data import init_from

            log(f"initialised {init_from(predictor.model, init_dir)} tensors from {init_dir}")
        trainer = Trainer(run, head, predictor, data, out, device, dist, log, quiet, config)
        if resume:
            trainer.resume()
        trainer.run_epochs()
        distributed.finish(dist)
        if not dist.main:
            return {}
        from textrnn.train_report import final_report

        return final_report(trainer, config, command)


class Trainer:
    """One run's moving parts: model, optimizer, schedule, loop state and RNG; its methods are the
    loop's steps (`train_epoch`, `end_epoch`), checkpointing and resuming."""

    def __init__(self, run: RunConfig, head, predictor, data, out: Path, device, dist, log, quiet: bool,
                 config: dict | None = None):
        import torch

        from textrnn import distributed
        from textrnn.train_data import encode_split

        self.run, self.tc, self.head, self.predictor, self.data = run, run.train, head, predictor, data
        self.config = config if config is not None else {}   # as read from TOML: saved with each checkpoint
        self.out, self.ckpt, self.device, self.dist, self.log, self.quiet = out, out / "checkpoint", device, dist, log, quiet
        self.model = predictor.model
        self.model.to(device)
        self.net = distributed.wrap(self.model, dist, device)   # what training calls: DDP averages gradients
        self.headline = head.headline(predictor)
        self.n_params = sum(p.numel() for p in self.model.parameters())
        log(f"model: {self.n_params:,} parameters; vocabulary {predictor.tokenizer.vocab_size:,}")
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        tc = self.tc
        optimizer = torch.optim.AdamW if tc.optimizer == "adamw" else torch.optim.SGD
        from textrnn.ngrams import param_groups

        groups = param_groups(self.model, self.params, tc.bag_lr_factor)   # the n-gram bag's own learning rate
        self.opt = optimizer(groups, lr=tc.lr, weight_decay=tc.weight_decay)
        self.encoded = encode_split(head, run.task, predictor, data.train)
        if hasattr(head, "steps_per_epoch"):  # a language model reads one stream of text
            self.steps_per_epoch = head.steps_per_epoch(self.encoded, tc.batch_size)
        else:
            self.steps_per_epoch = math.ceil(len(self.encoded) / tc.batch_size)
        self.better = getattr(head, "HIGHER_IS_BETTER", True)
        self.total = self.steps_per_epoch * tc.epochs
        self.state = {"epoch": 0, "step": 0, "best": None, "best_epoch": 0, "bad_epochs": 0, "lr_scale": 1.0,
                      "plateau_epochs": 0, "skipped_steps": 0}
        self.rng = random.Random(tc.seed)
        self.model_cfg = to_dict(predictor.config)
        self.model_defaults = to_dict(type(predictor.config)(**{  # a key added since a checkpoint: at its default
            f.name: getattr(predictor.config, f.name) for f in dataclasses.fields(predictor.config)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}))
        self.metrics_log = out / "metrics.jsonl"

    def lr_at(self, step: int) -> float:
        tc, scale = self.tc, self.state["lr_scale"]   # lowered by the plateau schedule and by the NaN guard
        if tc.warmup and step < tc.warmup:
            return scale * tc.lr * (step + 1) / tc.warmup
        if tc.schedule == "cosine":
            progress = (step - tc.warmup) / max(1, self.total - tc.warmup)
            return scale * tc.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return scale * tc.lr

    # -- checkpoints ---------------------------------------------------------------------------
    def save_checkpoint(self, st: dict) -> None:
        """Model, optimizer, loop state and RNG states, written atomically (a crash leaves the previous one)."""
        import torch

        from textrnn.bundle import save_bundle

        trainer = {"optimizer": self.opt.state_dict(), "state": st, "torch_rng": torch.get_rng_state(),
                   "python_rng": list(self.rng.getstate())}
        def write_more(d: Path) -> None:
            torch.save(trainer, d / "trainer.pt")
            (d / RUN_CONFIG).write_text(json.dumps(self.config, indent=1, default=str), encoding="utf-8")

        save_bundle(self.ckpt, task=self.run.task, model_config=self.model_cfg, state_dict=self.model.state_dict(),
                    tokenizer=self.predictor.tokenizer, write_more=write_more)

    def resume(self) -> None:
        import torch

        from textrnn.bundle import load_weights

        check_resume(self.ckpt, self.config, self.model_cfg, self.log, defaults=self.model_defaults)
        self.model.load_state_dict(load_weights(self.ckpt))
        try:
            saved = torch.load(self.ckpt / "trainer.pt", weights_only=True)
        except Exception as e:   # truncated or garbled: torch raises RuntimeError, EOFError, UnpicklingError ...
            raise TextrnnError(f"{self.ckpt / 'trainer.pt'}: damaged checkpoint ({type(e).__name__}: {str(e)[:120]})",
                               hint="the file was cut short or overwritten; the model of the best epoch so far is in "
                                    f"{self.out / 'model'}; start a new run (another --out), with `init` pointing at it "
                                    "to keep its weights") from None
        from textrnn.ngrams import load_optimizer

        load_optimizer(self.opt, saved["optimizer"])   # keeps this run's bag_lr_factor
        self.state = {**self.state, **saved["state"]}   # checkpoints from before a key existed keep its default
        torch.set_rng_state(saved["torch_rng"])
        self.rng.setstate(_tuplify(saved["python_rng"]))
        st = self.state
        where = f"step {st['partial']['done']} of epoch {st['epoch'] + 1}" if "partial" in st else f"epoch {st['epoch']}"
        self.log(f"resumed after {where} from {self.ckpt}")

    # -- the loop ------------------------------------------------------------------------------
    def run_epochs(self) -> None:
        tc, state = self.tc, self.state
        if self.dist.main:
            self.out.mkdir(parents=True, exist_ok=True)
        if self.metrics_log.exists() and self.dist.main:
            # a run killed after logging an epoch but before its checkpoint will log that epoch again
            # (and a kill -9 during the append leaves a truncated last line, dropped here too)
            kept = [json.dumps(r) for r in logged_epochs(self.metrics_log) if r["epoch"] <= state["epoch"]]
            self.metrics_log.write_text("".join(l + "\n" for l in kept), encoding="utf-8")
        while state["epoch"] < tc.epochs and state["bad_epochs"] < tc.patience and not out_of_steps(state, tc):
            record = self.train_epoch(state["epoch"] + 1)
            self.end_epoch(record)

    def train_epoch(self, epoch: int) -> dict:
        """One pass over the training batches (resuming part-way if a mid-epoch checkpoint says so) → its record."""
        import torch

        from textrnn import distributed

        tc, state, model, opt = self.tc, self.state, self.model, self.opt
        model.to(self.device).train()
        # this epoch's running sums; a mid-epoch checkpoint stores them, with the RNG state the
        # epoch's batch order was drawn from, so a resumed epoch replays that order
        ep = state.pop("partial", None) or {"done": 0, "loss_sum": 0.0, "n_batches": 0, "norm_sum": 0.0, "norm_n": 0,
                                             "grad_sums": {}, "seconds": 0.0, "rng": list(self.rng.getstate())}
        self.rng.setstate(_tuplify(ep["rng"]))
        t0, bad_run = time.time(), 0
        bar = progress_bar(self.quiet or not self.dist.main)
        task = bar.add_task("train", total=self.steps_per_epoch, completed=ep["done"], epoch=epoch, loss=float("nan"))
        bar.start()
        for i, batch in enumerate(self.head.batches(self.encoded, tc.batch_size, self.rng)):   # inputs, targets (, carry)
            if i < ep["done"]:
                continue                     # trained on before the checkpoint we resumed from
            carry = next((b for b in batch if isinstance(b, dict)), None)   # a language model's carried state
            if i == ep["done"] and carry is not None and ep.get("carry"):
                carry.update(ep.pop("carry"))
            ep["done"] = i + 1
            for g in opt.param_groups:
                g["lr"] = self.lr_at(state["step"]) * g.get("lr_factor", 1.0)
            batch, weight = distributed.shard(batch, self.dist)   # this process's rows (all of them alone)
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=tc.precision == "bf16"):
                _, loss = self.net(*to_device(batch, self.device))
            opt.zero_grad(set_to_none=True)
            norm = self.backward(loss, weight, ep)
            if norm is None:   # the NaN/inf guard: skip this step, halve the learning rate, give up after a streak
                bad_run += 1
                self.skip_step(bad_run, epoch)
                continue
            bad_run = 0
            opt.step()
            state["step"] += 1
            ep["loss_sum"] += loss.item()
            ep["norm_sum"] += float(norm)
            ep["norm_n"] += 1
            ep["clipped"] = ep.get("clipped", 0) + int(bool(tc.clip) and float(norm) > tc.clip)   # clipping fired
            ep["n_batches"] += 1
            bar.update(task, advance=1, loss=ep["loss_sum"] / ep["n_batches"])
            if tc.checkpoint_every and state["step"] % tc.checkpoint_every == 0 and ep["done"] < self.steps_per_epoch:
                mid = {**ep, "seconds": ep["seconds"] + time.time() - t0,
                       "carry": dict(carry) if carry is not None else {}}
                if self.dist.main:
                    self.save_checkpoint({**state, "partial": mid})
            if os.environ.get("TEXTRNN_KILL_AT_STEP") == str(state["step"]):   # the crash test's kill -9
                os.kill(os.getpid(), signal.SIGKILL)
            if out_of_steps(state, tc):
                break
        bar.stop()
        n_batches = ep["n_batches"]
        samples = max(1, math.ceil(n_batches / GRAD_EVERY))
        return {"epoch": epoch, "step": state["step"], "train_loss": ep["loss_sum"] / max(1, n_batches),
                "lr": opt.param_groups[0]["lr"], "seconds": round(ep["seconds"] + time.time() - t0, 1),
                "grad_norm": ep["norm_sum"] / max(1, ep["norm_n"]),
                "clip": tc.clip, "clipped_steps": ep.get("clipped", 0),   # steps whose gradient norm exceeded clip
                "grad_norms": {k: v / samples for k, v in ep["grad_sums"].items()},
                "skipped_steps": state["skipped_steps"]}

    def backward(self, loss, weight: float, ep: dict):
        """Gradients of `loss`, per-parameter norms sampled, clipped → the norm before clipping, or
        None when the loss or the gradient is not finite (in any process)."""
        import torch

        from textrnn import distributed

        finite = distributed.agree(bool(torch.isfinite(loss)), self.dist)
        if not finite:
            if self.dist.world > 1:
                (loss * 0).backward()   # every process must join DDP's gradient averaging; the step is skipped
            return None
        (loss * weight).backward()
        if self.state["step"] % GRAD_EVERY == 0:   # per-parameter norms: vanishing/exploding gradients show here
            for name, p in self.model.named_parameters():
                if p.grad is not None:
                    ep["grad_sums"][name] = ep["grad_sums"].get(name, 0.0) + float(p.grad.norm())
        norm = torch.nn.utils.clip_grad_norm_(self.params, self.tc.clip or float("inf"))   # the norm before clipping
        return norm if bool(torch.isfinite(norm)) else None

    def skip_step(self, bad_run: int, epoch: int) -> None:
        """A non-finite loss or gradient: no update, the learning rate halved; a streak is an error."""
        state = self.state
        self.opt.zero_grad(set_to_none=True)
        state["skipped_steps"] += 1
        state["lr_scale"] *= 0.5
        self.log(f"step {state['step'] + 1}: non-finite loss or gradient; step skipped, learning rate halved "
                 f"to {self.lr_at(state['step']):.3g}")
        if bad_run >= self.tc.max_bad_steps:
            raise TextrnnError(f"training diverged: {bad_run} steps in a row had a non-finite loss or gradient "
                               f"(epoch {epoch}, step {state['step'] + 1})",
                               hint="lower train.lr, set train.clip (e.g. 1.0), or check the data; "
                                    "--resume restarts from the last good epoch")
        state["step"] += 1

    def end_epoch(self, record: dict) -> None:
        """Score dev, adjust the learning rate (plateau), keep the model if it is the best, log, checkpoint."""
        tc, state, headline = self.tc, self.state, self.headline
        self.model.cpu().eval()   # the predictors score on the CPU (a no-op when training there)
        improved = True
        if self.data.dev is not None:
            # a head may score epochs more cheaply than its final report (translation: greedy, not beam)
            dev = getattr(self.head, "evaluate_epoch", self.head.evaluate)(self.predictor, self.data.dev)
            score = dev[headline]
            record["dev"] = {k: v for k, v in dev.items() if isinstance(v, (int, float))}
            improved = state["best"] is None or (score > state["best"] if self.better else score < state["best"])
        if tc.schedule == "plateau" and not improved:
            state["plateau_epochs"] += 1
            if state["plateau_epochs"] >= tc.plateau_patience:
                state["lr_scale"] *= tc.plateau_factor
                state["plateau_epochs"] = 0
                self.log(f"dev {headline} has not improved for {tc.plateau_patience} epoch(s): learning rate "
                         f"× {tc.plateau_factor} → {self.lr_at(state['step']):.3g}")
        epoch = record["epoch"]
        if improved:
            state["best"] = record.get("dev", {}).get(headline)
            state["best_epoch"], state["bad_epochs"], state["plateau_epochs"] = epoch, 0, 0
            if self.dist.main:
                self.predictor.save(self.out / "model", metrics={"dev": record.get("dev"), "epoch": epoch},
                                    half=tc.half, int8=tc.int8_embeddings)
                shutil.rmtree(self.out / TRAINED, ignore_errors=True)   # the previous best as trained (train_report.py)
        else:
            state["bad_epochs"] += 1
        state["epoch"] = epoch
        if not self.dist.main:   # every process scored dev (same weights, same decisions); only process 0 writes
            return
        with open(self.metrics_log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        dev_msg = f" dev {headline} {record['dev'][headline]:.4f}" if "dev" in record else ""
        self.log(f"epoch {epoch}: train loss {record['train_loss']:.4f}{dev_msg} ({record['seconds']}s)"
                 + (" *best*" if improved else ""))
        self.save_checkpoint(state)


def check_naive_bayes(run: RunConfig) -> None:
    """train.bag_naive_bayes needs a classifier with an n-gram bag and dev data to choose the weight on."""
    if not run.train.bag_naive_bayes:
        return
    if run.task != "classify":
        raise ConfigError(f"train.bag_naive_bayes is for classifiers (task = \"classify\"), this run's task is {run.task!r}",
                          hint="remove train.bag_naive_bayes")
    if not run.model.get("bag_ngrams"):
        raise ConfigError("train.bag_naive_bayes adds naive Bayes weights to the classifier's n-gram bag, but "
                          "model.bag_ngrams is 0 (no bag)", hint="set model.bag_ngrams (e.g. 2), or remove train.bag_naive_bayes")
    if not run.data.dev:
        raise ConfigError("train.bag_naive_bayes chooses its weight on dev data, but data.dev is not set",
                          hint="set data.dev, or remove train.bag_naive_bayes")


def out_of_steps(state: dict, tc: TrainConfig) -> bool:
    return bool(tc.max_steps) and state["step"] >= tc.max_steps


def _tuplify(x):
    """random.Random state round-trips through torch.save as lists; setstate wants tuples."""
    return tuple(_tuplify(v) for v in x) if isinstance(x, list) else x


def check_task_config(config: dict) -> None:
    if "task" not in config:
        raise ConfigError("config has no `task` key", hint="start the file with e.g. task = \"classify\"")
