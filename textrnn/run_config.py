"""A training run's configuration: the sections of a config file, as frozen dataclasses.

    task = "classify"
    [data]       DataConfig: where the splits are
    [tokenizer]  TokenizerConfig: how text becomes ids
    [model]      the head's own keys (checked by the head: ClassifierConfig, TaggerConfig, ...)
    [train]      TrainConfig: the loop's settings
    init = "..." a model directory to start from

Unknown keys are errors naming the valid ones (config.from_dict).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textrnn.errors import ConfigError

@dataclass(frozen=True)
class DataConfig:
    train: str | tuple[str, ...]   # `corpora:sst2/train.tsv` is relative to $TEXTRNN_CORPORA; a list of paths is
                                   # read as one split (train_data.py)
    dev: str | tuple[str, ...] = ""    # selects the best epoch; empty: the last epoch is kept
    test: str | tuple[str, ...] = ""   # scored once, with the best model, for the final report
    train_repeat: tuple[int, ...] = ()   # times each train file is read per epoch (domain balancing); () once each
    labels: tuple[str, ...] = ()         # classify: keep only examples of these labels, in every split (the polar
                                         # tweets of a negative/neutral/positive corpus); () keeps all
    balance_labels: bool = False         # classify: within each train file, the rarer labels' examples are read again
                                         # until every label weighs as much as the most frequent one (a file's label
                                         # mix is then not learnt as a prior: tweets 28 % negative in training, 63 % in test)

    def __post_init__(self):
        for name in ("train", "dev", "test"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, value := tuple(value))
            if not isinstance(value, (str, tuple)) or (isinstance(value, tuple) and not all(isinstance(v, str) for v in value)):
                raise ConfigError(f"config key 'data.{name}' must be a path or a list of paths, got {value!r}")
        if isinstance(self.labels, list):
            object.__setattr__(self, "labels", tuple(self.labels))
        if not isinstance(self.labels, tuple) or not all(isinstance(v, str) and v for v in self.labels):
            raise ConfigError(f"config key 'data.labels' must be a list of label names, got {self.labels!r}")


@dataclass(frozen=True)
class TokenizerConfig:
    kind: str = "word"             # word | char | sentencepiece
    lowercase: bool = False
    min_freq: int = 1              # word/char: rarer tokens become <unk>
    max_size: int = 50000          # vocabulary size cap (the subword vocabulary size for sentencepiece)
    split: str = "words"           # word: "words" (Penn Treebank rules) or "whitespace"
    normalize: str = "none"        # sentencepiece: none | punct (each punctuation character its own token, as in
                                   # the pre-tokenised Enron-Spam e-mails, so raw and tokenised text read alike)

    def __post_init__(self):
        check_ranges(self, "tokenizer", {"min_freq": (1, None), "max_size": (8, None)})


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32
    optimizer: str = "adamw"       # adamw | sgd
    lr: float = 1e-3
    bag_lr_factor: float = 1.0     # a classifier's n-gram bag learns at lr × this (a linear model over sparse
                                   # n-grams, most seen in few batches, wants larger steps than the network)
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
    bag_naive_bayes: tuple[float, ...] = ()   # classify with an n-gram bag: after training, add naive Bayes
                                   # log-count ratios × w to the bag, w the best of these on dev (naive_bayes.py)
    bag_naive_bayes_alpha: float = 0.1   # their smoothing (counts of texts holding each n-gram + alpha)

    def __post_init__(self):
        check_ranges(self, "train", {
            "epochs": (1, None), "batch_size": (1, None), "lr": (0.0, None), "bag_lr_factor": (0.0, None),
            "weight_decay": (0.0, None),
            "clip": (0.0, None), "warmup": (0, None), "plateau_factor": (0.0, 1.0), "plateau_patience": (1, None),
            "checkpoint_every": (0, None), "max_bad_steps": (1, None), "patience": (1, None), "max_steps": (0, None),
            "threads": (0, None), "ensemble": (1, None), "bag_naive_bayes_alpha": (1e-6, None)})
        if isinstance(self.bag_naive_bayes, list):
            object.__setattr__(self, "bag_naive_bayes", tuple(self.bag_naive_bayes))
        if not isinstance(self.bag_naive_bayes, tuple) or not all(
                isinstance(w, (int, float)) and not isinstance(w, bool) and 0 <= w < float("inf")
                for w in self.bag_naive_bayes):
            raise ConfigError(f"config key 'train.bag_naive_bayes' must be a list of weights ≥ 0 to try "
                              f"(e.g. [0.1, 0.3, 1.0]), got {self.bag_naive_bayes!r}")


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
MAX_WIDTH, MAX_LAYERS = 4096, 16   # model.* vector sizes and stacked layers: beyond any model this machine can train
DEVICES = ("cpu", "cuda", "mps", "auto")
PRECISIONS = ("fp32", "bf16")


def check_ranges(config, section: str, ranges: dict) -> None:
    """Each named value must be a finite number within [low, high] (None: unbounded); the error names
    the key, its valid range and its default."""
    import dataclasses
    import math

    defaults = {f.name: f.default for f in dataclasses.fields(config)}
    for name, (low, high) in ranges.items():
        v = getattr(config, name)
        if (isinstance(v, float) and not math.isfinite(v)) or v < low or (high is not None and v > high):
            valid = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise ConfigError(f"config key '{section}.{name}' must be {valid}, got {v!r}",
                              hint=f"the default is {defaults[name]!r}: leave the key out, or e.g. --set {section}.{name}={defaults[name]}")
