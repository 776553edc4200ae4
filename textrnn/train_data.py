"""What a training run reads: its data splits, its tokenizer, and the weights it may start from.

A split is one data path or a list of them (`data.train = ["corpora:sms_spam/train.tsv",
"corpora:email_spam/train.tsv.gz"]`): the files are read as one split, each file `train_repeat`
times (domain balancing: a small corpus read twice weighs twice). Dev and test lists are scored as
one set, which selects the best epoch, and file by file in the final report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textrnn.config import resolve_data_path
from textrnn.errors import ConfigError, InputError

HUB = "hf:"  # a data path naming a Hugging Face hub dataset (corpus.py)


def split_paths(spec) -> list[str]:
    """A split's data paths: one path, or a list of them."""
    return [spec] if isinstance(spec, str) else list(spec)


def load_split(head, task: str, spec, base: Path | None = None, repeat=(), labels=(), balance=False, seed=0):
    """A data split (a path or a list of paths) for training, through Arrow tables and their cache
    (corpus.py); a list is concatenated, each file read `repeat[i]` times (default once). With
    `labels` (classification), only the examples of those labels are kept; with `balance`, each file's
    labels are evened out (balance_labels)."""
    from textrnn.corpus import examples, load_table

    specs = split_paths(spec)
    if repeat and len(repeat) != len(specs):
        raise ConfigError(f"data.train_repeat has {len(repeat)} numbers for {len(specs)} training files",
                          hint="give one number per file in data.train, e.g. train_repeat = [2, 1]")
    tables = []
    for i, s in enumerate(specs):
        path = None if s.startswith(HUB) else resolve_data_path(s, base)
        times = repeat[i] if repeat else 1
        if times < 1:
            raise ConfigError(f"data.train_repeat: {s!r} would be read {times} times", hint="use whole numbers ≥ 1")
        table = load_table(task, s, path, head.read_data)
        if labels:
            if task != "classify":
                raise ConfigError("data.labels applies to classification data only", hint="remove it from [data]")
            keep = set(labels)
            # in memory: a cache file would land among the table's own files in the Arrow cache (corpus.py)
            table = table.filter(lambda batch: [x in keep for x in batch["label"]], batched=True, keep_in_memory=True)
            if len(table) == 0:
                raise ConfigError(f"{s}: no example has a label among data.labels = {sorted(keep)}",
                                  hint="data.labels names the labels to keep, as the data file writes them")
        if balance:
            if task != "classify":
                raise ConfigError("data.balance_labels applies to classification data only", hint="remove it from [data]")
            table = balance_labels(table, seed + i)
        tables += [table] * times
    if len(tables) == 1:
        return examples(task, tables[0])
    from datasets import concatenate_datasets

    return examples(task, concatenate_datasets(tables))


def balance_labels(table, seed: int):
    """The table with its rarer labels' examples read again until each label has as many rows as the
    most frequent one: whole extra copies, then a seeded sample without replacement for the rest."""
    import random

    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(table["label"]):
        by_label.setdefault(label, []).append(i)
    most = max(len(rows) for rows in by_label.values())
    rng = random.Random(seed)
    order = list(range(len(table)))
    for rows in by_label.values():
        whole, rest = divmod(most - len(rows), len(rows))
        order += rows * whole + sorted(rng.sample(rows, rest))
    if len(order) == len(table):
        return table
    return table.select(order, keep_in_memory=True)


@dataclass
class RunData:
    train: object              # the head's examples (a list of rows, or a language model's Lines)
    dev: object | None         # None: no dev set, the last epoch is kept
    base: Path | None          # the config file's folder: relative data paths start there


def load_run_data(head, run, base: Path | None, log) -> RunData:
    d = run.data
    train = load_split(head, run.task, d.train, base, d.train_repeat, d.labels, d.balance_labels, run.train.seed)
    dev = load_split(head, run.task, d.dev, base, labels=d.labels) if d.dev else None
    if hasattr(head, "labels_of"):
        known = head.labels_of(train)
        # the model could never predict them: say so now, not after the model is built (or trained, for test)
        for split, paths, examples in [("dev", d.dev, dev), ("test", d.test, None)]:
            if not paths:
                continue
            if examples is None:
                examples = load_split(head, run.task, paths, base, labels=d.labels)
            unknown = sorted(head.labels_of(examples) - known)
            if unknown:
                raise InputError(f"{', '.join(split_paths(paths))}: label(s) {unknown[:10]} never occur in the training "
                                 f"data ({', '.join(split_paths(d.train))})",
                                 hint=f"add training examples of them, or leave them out of the {split} data")
    files = ", ".join(split_paths(d.train))
    log(f"train: {len(train)} examples from {files}" + (f"; dev: {len(dev)}" if dev is not None else ""))
    return RunData(train, dev, base)


def score_splits(head, run, predictor, base: Path | None, log) -> dict:
    """{"dev": scores, "test": scores} of `predictor` on the run's splits; a split of several files
    also gets "dev_files"/"test_files": {path: scores}. `log(split, scores)` is called for each."""
    out = {}
    for split in ("dev", "test"):
        spec = getattr(run.data, split)
        if not spec:
            continue
        out[split] = head.evaluate(predictor, load_split(head, run.task, spec, base, labels=run.data.labels))
        log(split, out[split])
        if len(split_paths(spec)) > 1:
            out[f"{split}_files"] = {s: head.evaluate(predictor, load_split(head, run.task, s, base, labels=run.data.labels))
                                     for s in split_paths(spec)}
    return out


def encode_split(head, task: str, predictor, examples):
    """Training examples → ids, by `Dataset.map` with a cache (corpus.py); a language model's text
    becomes its memory-mapped token stream there too (heads/lm.py)."""
    from textrnn.corpus import encode

    if task == "lm":
        return head.encode_examples(predictor, examples)
    return encode(task, predictor, examples, head.encode_examples)


def resolve_init(run, base: Path | None) -> Path | None:
    """The model directory named by `init`, which must exist; None without `init`."""
    if not run.init:
        return None
    init_dir = resolve_data_path(run.init, base)
    if not init_dir.is_dir():
        raise ConfigError(f"init {run.init!r}: no model directory at {init_dir}",
                          hint="build it first: `make pretrained` builds runs/embeddings and runs/bilm "
                               "(tools/pretrain_embeddings.py, tools/pretrain_bilm.py); or remove `init` to start "
                               "from random weights")
    return init_dir


def make_tokenizer(head, run, train_examples, saved: Path | None):
    """The run's tokenizer: the one saved in `saved` (a checkpoint being resumed, or the `init`
    model), else trained on the training text as [tokenizer] says (or as the head knows best)."""
    from textrnn.tokenizer import load_tokenizer, train_tokenizer

    if saved is not None:
        return load_tokenizer(saved)
    if hasattr(head, "train_tokenizer"):
        return head.train_tokenizer(run.tokenizer, train_examples)  # the head knows its own vocabulary
    tk = run.tokenizer
    options = {"max_size": tk.max_size, "lowercase": tk.lowercase}
    if tk.kind in ("word", "char"):
        options["min_freq"] = tk.min_freq
    if tk.kind == "word":
        options["split"] = tk.split
    if tk.normalize != "none":
        if tk.kind != "sentencepiece":
            raise ConfigError(f"tokenizer.normalize {tk.normalize!r} is for the sentencepiece tokenizer, not {tk.kind!r}",
                              hint='set tokenizer.kind = "sentencepiece", or remove tokenizer.normalize')
        options["normalize"] = tk.normalize
    return train_tokenizer(tk.kind, head.tokenizer_texts(train_examples), **options)


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
