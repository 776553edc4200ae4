"""Text classification: many-to-one. Sentiment (reviews, tweets) and spam (SMS, e-mail) are this one head.

    token ids (B, T) → embedding (B, T, E) → Encoder (B, T, D·K) → pooling (B, D·K) → linear (B, C)

Pooling turns the encoder's per-step outputs into one vector per text, chosen by name:
- `last`: the final state of the top layer (both directions' ends for a bidirectional encoder);
- `mean` / `max`: over the real (unpadded) steps — max pooling is strong for sentiment
  (Conneau et al. 2017, "InferSent");
- `attention`: a learned score per step, softmax over real steps, weighted sum (Yang et al. 2016).

Reading long texts (an e-mail may run to tens of thousands of characters), chosen by name:
- `head`: the first `max_len` tokens;
- `head_tail`: the first and the last `max_len / 2` tokens (a mail's subject and opening, and its
  closing lines, where the unsubscribe links and signatures are);
- `chunks`: up to `max_len` tokens cut into chunks of `chunk_len`, each encoded on its own as a row
  of one batch, each chunk pooled, and the chunk vectors max-pooled into one. A long text is read
  whole, and short sequences run faster on the CPU than one long one (the recurrence is sequential
  in T, the chunks are parallel in B).

With `bag_ngrams` > 0 a bag of the text's n-grams (its first `bag_len` tokens, usually many more than
the encoder reads; with `bag_chars` also the character n-grams that they, or only the first
`bag_chars_len` of them, spell) adds a learned score per n-gram to the logits: the wide part of a
wide-and-deep model (textrnn/ngrams.py):

    logits (B, C) = linear(pooled) + NgramBag(n-gram rows (B, M))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from textrnn.config import from_dict, to_dict
from textrnn.data import pad_batch
from textrnn.encoder import Encoder, EncoderConfig
from textrnn.errors import ConfigError, choose

TASK = "classify"
POOLINGS = ("last", "mean", "max", "attention")
READINGS = ("head", "head_tail", "chunks")


@dataclass(frozen=True)
class ClassifierConfig:
    labels: tuple[str, ...]        # class names, in output order
    vocab_size: int                # tokenizer's vocabulary size (embedding rows)
    embedding_dim: int = 300       # token vector size E
    cell: str = "lstm"             # rnn | gru | lstm
    hidden_size: int = 256         # D, per direction
    num_layers: int = 1
    bidirectional: bool = True     # a sentence's sentiment depends on words on both sides
    rnn_dropout: float = 0.0       # between stacked recurrent layers
    dropout: float = 0.5           # on embeddings and on the pooled vector: the main regulariser
    pooling: str = "max"           # last | mean | max | attention
    max_len: int = 256             # tokens read per text at most; longer texts are cut as `reading` says
    reading: str = "head"          # head | head_tail | chunks: which tokens of a long text are read, and how
    chunk_len: int = 128           # chunks: tokens per chunk
    impl: str = "fused"            # fused (torch kernels) | reference (cells.py, for learning)
    precision: str = "fp32"        # fp32 | bf16: predictions run in bfloat16 on CPUs that have it natively
                                   # (textrnn/runtime.py); training is not affected
    bag_ngrams: int = 0            # 0: no bag; n: a learned score per 1..n-gram of tokens added to the logits
    bag_buckets: int = 1 << 20     # rows of the bag's table (n-grams are hashed into them)
    bag_len: int = 1024            # tokens of a text the bag reads (the encoder reads max_len)
    bag_chars: int = 0             # 0: none; n: the bag also scores the character 1..n-grams those tokens spell
    bag_chars_len: int = 0         # with bag_chars: only the first this many tokens' characters (0: all
                                   # bag_len of them); a long e-mail's characters cost time and training memory

    def __post_init__(self):
        from textrnn.run_config import MAX_LAYERS, MAX_WIDTH, check_ranges
        from textrnn.runtime import MODEL_PRECISIONS

        check_ranges(self, "model", {"vocab_size": (1, None), "embedding_dim": (1, MAX_WIDTH),
                                     "hidden_size": (1, MAX_WIDTH), "num_layers": (1, MAX_LAYERS),
                                     "dropout": (0.0, 0.95), "rnn_dropout": (0.0, 0.95), "bag_ngrams": (0, 4),
                                     "bag_buckets": (1, 1 << 24), "bag_len": (1, None), "bag_chars": (0, 6),
                                     "bag_chars_len": (0, None)})
        if self.bag_chars and not self.bag_ngrams:
            raise ConfigError("model.bag_chars needs the bag: model.bag_ngrams is 0",
                              hint="set model.bag_ngrams = 1 (or 2) beside model.bag_chars")
        if self.bag_chars_len and not self.bag_chars:
            raise ConfigError("model.bag_chars_len limits the bag's character n-grams, but model.bag_chars is 0",
                              hint="set model.bag_chars (e.g. 4) beside it, or remove bag_chars_len")
        choose("pooling", self.pooling, POOLINGS)
        choose("reading", self.reading, READINGS)
        choose("precision", self.precision, MODEL_PRECISIONS)
        if self.max_len < 2 or self.chunk_len < 1:
            raise ConfigError(f"model.max_len must be at least 2 and chunk_len at least 1, got {self.max_len}, {self.chunk_len}")
        if len(self.labels) < 2:
            raise ConfigError(f"a classifier needs at least 2 labels, got {list(self.labels)}")

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(cell=self.cell, input_size=self.embedding_dim, hidden_size=self.hidden_size,
                             num_layers=self.num_layers, bidirectional=self.bidirectional,
                             dropout=self.rnn_dropout, impl=self.impl)


class Classifier(nn.Module):
    def __init__(self, config: ClassifierConfig, pad_id: int = 0):
        super().__init__()
        self.config = config
        enc = config.encoder_config()
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=pad_id)
        self.encoder = Encoder(enc)
        self.dropout = nn.Dropout(config.dropout)
        if config.pooling == "attention":
            self.attention = nn.Linear(enc.output_size, 1)
        self.output = nn.Linear(enc.output_size, len(config.labels))
        if config.bag_ngrams:
            from textrnn.ngrams import NgramBag

            self.bag = NgramBag(config.bag_buckets, len(config.labels))

    def forward(self, ids, lengths, targets=None, bag=None):
        """ids (B, T), lengths (B,), targets (B,) or None, bag (B, M) n-gram rows (with `bag_ngrams`)
        → (logits (B, C), loss or None)."""
        x = self.dropout(self.embedding(ids))                      # (B, T, E)
        if self.config.reading == "chunks" and x.size(1) > self.config.chunk_len:
            pooled = self.pool_chunks(x, lengths)                  # (B, D·K)
        else:
            outputs, state = self.encoder(x, lengths, outputs_only=self.config.pooling != "last")   # (B, T, D·K)
            pooled = self.pool(outputs, state, lengths)            # (B, D·K)
        logits = self.output(self.dropout(pooled))                 # (B, C)
        if self.config.bag_ngrams:
            if bag is None:
                raise ValueError("this classifier has an n-gram bag (model.bag_ngrams): pass its rows, "
                                 "Predictor.read(texts) gives them")
            logits = logits + self.bag(bag)                        # (B, C)
        loss = F.cross_entropy(logits, targets) if targets is not None else None
        return logits, loss

    def pool_chunks(self, x, lengths):
        """x (B, T, E) → (B, D·K): chunks of `chunk_len` steps encoded as separate rows, each pooled,
        then the maximum over a text's chunks (for max pooling: the maximum over all its steps)."""
        B, T, E = x.shape
        L = self.config.chunk_len
        N = -(-T // L)                                             # chunks per row
        x = F.pad(x, (0, 0, 0, N * L - T)).reshape(B * N, L, E)    # (B·N, L, E)
        starts = torch.arange(N) * L                               # (N,)
        sizes = (lengths.unsqueeze(1) - starts).clamp(0, L).reshape(-1)   # (B·N,) real steps per chunk
        real = sizes > 0                                           # the empty chunks past a text's end are skipped
        outputs, state = self.encoder(x[real], sizes[real], outputs_only=self.config.pooling != "last")  # (R, L, D·K)
        vectors = self.pool(outputs, state, sizes[real])           # (R, D·K)
        pooled = vectors.new_full((B * N, vectors.size(1)), float("-inf"))
        pooled[real] = vectors
        return pooled.view(B, N, -1).max(1).values                 # (B, D·K)

    def pool(self, outputs, state, lengths):
        p = self.config.pooling
        if p == "last":
            return self.encoder.last_hidden(state)                 # (B, D·K)
        T = outputs.size(1)
        mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T) True at real steps
        if p == "mean":
            return outputs.sum(1) / lengths.unsqueeze(1).to(outputs.dtype)
        if p == "max":
            return outputs.masked_fill(~mask.unsqueeze(2), float("-inf")).max(1).values
        scores = self.attention(outputs).squeeze(2).masked_fill(~mask, float("-inf"))  # (B, T)
        weights = scores.softmax(1)                                # (B, T)
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)


class Predicts:
    """What every classifier offers: `probabilities` (N, C) and `predict` on top of it."""

    task = TASK
    labels: list[str]

    def probabilities(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, texts: list[str], batch_size: int = 64) -> list[dict | None]:
        """For each text: {"label", "probability", "scores": {label: p}}; None for an empty text."""
        keep = [i for i, t in enumerate(texts) if t.strip()]
        out: list[dict | None] = [None] * len(texts)
        if keep:
            probs = self.probabilities([texts[i] for i in keep], batch_size)
            for i, p in zip(keep, probs.tolist()):
                best = max(range(len(p)), key=p.__getitem__)
                out[i] = {"label": self.labels[best], "probability": p[best],
                          "scores": dict(zip(self.labels, p))}
        return out


class Predictor(Predicts):
    """Tokenizer + classifier + label names: what `textrnn.load("sentiment")` returns."""

    def __init__(self, model: Classifier, tokenizer, metrics: dict | None = None, precision: str = "fp32"):
        from textrnn.runtime import prediction_model

        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = model.config
        self.labels = list(model.config.labels)
        self.metrics = metrics or {}
        self.truncated = 0  # how many inputs were cut to max_len (the CLI says so once)
        self.precision = precision             # what predictions run in (runtime.py); `model` stays fp32
        self.runner = prediction_model(self.model, precision)
        self._surfaces: list[str] | None = None   # the tokenizer's id → text table, for bag_chars (ngrams)

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Texts → token ids, a long text cut to `max_len` tokens as `reading` says."""
        return self.read(texts, bags=False)[0]

    def read(self, texts: list[str], bags: bool = True):
        """Texts → (token ids the encoder reads, each cut to `max_len` as `reading` says;
        the token ids the bag reads, each text's first `bag_len`, or None without a bag)."""
        c = self.config
        m = c.max_len
        with_bag = bags and c.bag_ngrams > 0
        reach = max(m, c.bag_len) if with_bag else m
        full = self.tokenizer.encode([clip_words(t, reach, c.reading == "head_tail") for t in texts])
        self.truncated += sum(len(s) > m for s in full)
        if c.reading == "head_tail":
            ids = [s if len(s) <= m else s[: m // 2] + s[len(s) - (m - m // 2):] for s in full]
        else:
            ids = [s[:m] for s in full]
        return ids, [s[: c.bag_len] for s in full] if with_bag else None

    def ngrams(self, tokens: list[int]) -> list[int]:
        """The bag's distinct n-gram rows of one text's bag token ids: token n-grams, and with
        `bag_chars` the character n-grams of the text they spell (ngrams.py)."""
        return self.ngram_lists([tokens])[0]

    def ngram_lists(self, bags, budget: int = 100_000) -> list[list[int]]:
        """Each text's distinct n-gram rows (what training caches), by bag_rows over blocks of texts of
        about `budget` bag tokens together (a block's padded rows grow with its longest text): training
        and prediction read their rows through the same code."""
        out, start, tokens = [], 0, 0
        for i, b in enumerate(bags):
            tokens += len(b)
            if tokens >= budget or i == len(bags) - 1:
                block = self.bag_rows(bags, range(start, i + 1))          # (b, M), 0-padded
                out += [row[row > 0].tolist() for row in block]
                start, tokens = i + 1, 0
        return out

    def bag_rows(self, bags, idx):
        """The (b, M) padded n-gram rows of the bag token ids `bags[i]` for i in `idx`; None without a bag."""
        if bags is None:
            return None
        from textrnn.ngrams import bag_batch

        c = self.config
        tokens = [bags[i] for i in idx]
        return bag_batch(tokens, c.bag_ngrams, c.bag_buckets, c.vocab_size,
                         [self.spelled(t) for t in tokens] if c.bag_chars else None, c.bag_chars)

    def spelled(self, tokens: list[int]) -> str:
        """The text a bag's token ids spell (the tokenizer's surfaces, normalised as it reads), or
        their first `bag_chars_len` spell: what the bag's character n-grams read."""
        if self._surfaces is None:
            self._surfaces = self.tokenizer.surfaces()
        return "".join([self._surfaces[i] for i in tokens[: self.config.bag_chars_len or None]])

    @torch.inference_mode()
    def probabilities(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """(N, C) class probabilities, batched by length, the batches run side by side on torch's threads
        (runtime.map_batches); order follows `texts`."""
        from textrnn.runtime import longest_first, map_batches

        seqs, bags = self.read(texts)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        batches = longest_first(order, batch_size)

        def run(idx):
            ids, lengths = pad_batch([seqs[i] for i in idx], self.tokenizer.pad_id)
            logits, _ = self.runner(ids, lengths, None, self.bag_rows(bags, idx))
            return logits.float().softmax(-1)                      # (b, C)

        probs = torch.empty(len(texts), len(self.labels))
        for idx, p in zip(batches, map_batches(run, batches)):
            probs[idx] = p
        return probs

    # -- save / load -------------------------------------------------------------------------
    def save(self, directory, metrics: dict | None = None, half: bool = False, int8: bool = False):
        from textrnn.bundle import save_predictor

        return save_predictor(self, directory, task=TASK, metrics=metrics, half=half, int8=int8)

    @classmethod
    def from_bundle(cls, directory: Path, config: dict):
        from textrnn.bundle import load_model
        from textrnn.runtime import resolve

        if "ensemble" in config:
            return Ensemble.from_bundle(directory, config)
        model, tokenizer, metrics = load_model(directory, config, ClassifierConfig, Classifier)
        return cls(model, tokenizer, metrics, precision=resolve(model.config.precision))


_WORDS = {}   # n → a compiled pattern matching the first n whitespace-separated words


def clip_words(text: str, max_len: int, tail: bool = False) -> str:
    """The part of `text` that its first `max_len` tokens can come from (and, with `tail`, its last
    ones): its first max_len + 1 whitespace-separated words (and its last ones), so that a 100,000-
    character e-mail is not tokenized whole to read 256 pieces of it. The ids are the same: every
    token comes from one word (punctuation splitting and subword pieces never cross whitespace), and
    every word gives at least one token."""
    n = max_len + 1
    if len(text) <= 4 * n:   # short texts (almost all): nothing to gain
        return text
    if n not in _WORDS:
        _WORDS[n] = re.compile(r"\s*(?:\S+\s+){%d}" % n)
    head = _WORDS[n].match(text)
    if head is None:   # fewer words than that: read whole
        return text
    if not tail:
        return head.group()
    window = text[-64 * n:]                                      # where the last n words start
    starts = [m.end() for m in re.finditer(r"\s+", window)]
    if len(starts) < n:
        return text
    start = len(text) - len(window) + starts[-n]
    return text if start <= head.end() else head.group() + text[start:]


class Ensemble(Predicts):
    """Several classifiers with the same labels (e.g. trained from different seeds) whose class
    probabilities are averaged: a cheap, reliable gain when single models vary from run to run.

    Saved as a bundle whose config.json lists member bundles in sub-directories:
    `{"ensemble": ["member0", "member1", ...], "model": <member0's config>}`.
    """

    def __init__(self, members: list[Predictor], metrics: dict | None = None):
        from textrnn.errors import BundleError

        if any(m.labels != members[0].labels for m in members):
            raise BundleError("ensemble members have different labels", hint="combine models of the same task and data")
        self.members = members
        self.labels = members[0].labels
        self.config = members[0].config
        self.metrics = metrics or {}

    @property
    def truncated(self) -> int:
        return max(m.truncated for m in self.members)

    @property
    def precision(self) -> str:
        return self.members[0].precision

    def probabilities(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        return torch.stack([m.probabilities(texts, batch_size) for m in self.members]).mean(0)  # (N, C)

    def save(self, directory, metrics: dict | None = None, half: bool = False, int8: bool = False):
        from textrnn.bundle import save_ensemble

        return save_ensemble(directory, task=TASK, members=self.members, model_config=to_dict(self.config),
                             metrics=metrics if metrics is not None else self.metrics, half=half, int8=int8)

    @classmethod
    def from_bundle(cls, directory: Path, config: dict):
        from textrnn.bundle import load_ensemble_members, read_metrics

        return cls(load_ensemble_members(directory, config, Predictor.from_bundle), read_metrics(directory))


def evaluate(predictor: Predicts, examples: list[tuple[str, str]], batch_size: int = 64) -> dict:
    """Score on [(gold label, text)]: accuracy, macro-F1, per-class P/R/F1, confusion matrix, n."""
    from textrnn.errors import UnknownLabels
    from textrnn.metrics import classification_report

    unknown = sorted({g for g, _ in examples} - set(predictor.labels))
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        conll = sum(" " not in t.strip() for _, t in examples) > 0.9 * len(examples)   # one token per line
        raise UnknownLabels(f"labels {unknown[:5]}{more} in the data are not among the model's labels {predictor.labels}",
                            hint="this looks like CoNLL tagging data (token<TAB>tag): evaluate it with a tagger (ner, pos)"
                            if conll else "evaluate on data of the task this model was trained for",
                            labels=tuple(unknown))
    probs = predictor.probabilities([t for _, t in examples], batch_size)
    pred = [predictor.labels[i] for i in probs.argmax(-1).tolist()]
    return classification_report([g for g, _ in examples], pred, predictor.labels)


# -- what the training loop needs from this head ---------------------------------------------
def headline(predictor) -> str:
    """The dev metric that selects the best epoch (higher is better)."""
    return "accuracy"


def read_data(path) -> list[tuple[str, str]]:
    from textrnn.data import read_labelled_tsv

    return read_labelled_tsv(path)


def labels_of(examples) -> set[str]:
    """The labels used in [(label, text)] (checked when data are read: dev labels must be in train)."""
    return {label for label, _ in examples}


def tokenizer_texts(examples):
    return (text for _, text in examples)


def build(model_options: dict, examples, tokenizer) -> Predictor:
    """A fresh predictor; labels are the sorted label names seen in the training data."""
    labels = sorted({label for label, _ in examples})
    cfg = from_dict(ClassifierConfig, {**model_options, "labels": labels, "vocab_size": tokenizer.vocab_size}, "model")
    return Predictor(Classifier(cfg, pad_id=tokenizer.pad_id), tokenizer)


def encode_examples(predictor: Predictor, examples) -> list[tuple]:
    """[(label, text)] → [(token ids, label index)] (and the bag's n-gram rows, with a bag), done once before training."""
    index = {l: i for i, l in enumerate(predictor.labels)}
    ids, bags = predictor.read([t for _, t in examples])
    if bags is None:
        return [(s, index[l]) for s, (l, _) in zip(ids, examples)]
    return [(s, index[l], rows) for s, (l, _), rows in zip(ids, examples, predictor.ngram_lists(bags))]


def batches(encoded, batch_size: int, rng):
    """Yield (ids (B, T), lengths (B,), targets (B,)[, bag (B, M)]) in length buckets, shuffled by `rng`."""
    from textrnn.data import length_batches

    with_bag = bool(encoded) and len(encoded[0]) == 3
    for idx in length_batches([len(e[0]) for e in encoded], batch_size, rng):
        ids, lengths = pad_batch([encoded[i][0] for i in idx])
        targets = torch.tensor([encoded[i][1] for i in idx])
        if not with_bag:
            yield ids, lengths, targets
        else:
            from textrnn.ngrams import pad_bags

            yield ids, lengths, targets, pad_bags([encoded[i][2] for i in idx])
