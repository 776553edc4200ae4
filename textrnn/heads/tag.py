"""Sequence tagging: many-to-many. Part-of-speech (UD English EWT) and named entities (CoNLL-2003).

    words, spellings, casing → WordFeatures (B, T, E+F+S) [+ LM states (B, T, 2·H)] → Encoder (B, T, D·K) → linear (B, T, C)
                                                             → softmax per token, or CRF over the sentence

- WordFeatures (embedding.py): a lower-cased word vector, a char-CNN vector from the spelling and
  a casing feature, so unseen words ("Macron") still get a useful representation.
- Optionally (`lm_hidden_size > 0`; TagLM, Peters et al. 2017) the top states of two *frozen* word
  language models, one reading the sentence left to right and one right to left, pretrained on
  unlabelled text (tools/pretrain_bilm.py --for tagger): context learned from far more text than the
  tagged corpus holds.
- The encoder is the shared `Encoder`, normally a BiLSTM: each tag sees the whole sentence.
- Decoder chosen by name: `softmax` picks each tag on its own (enough for POS); `crf` scores tag
  *sequences* (crf.py) and never outputs an ill-formed BIO sequence such as O I-PER.

Entity tags are BIO2 (`B-PER I-PER O`); `scheme = "bio"` is detected from the labels and turns on
the CRF's constraints and span output: `entities` with character offsets into the input text.
Sentences longer than `max_len` words are tagged in consecutive pieces of `max_len`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from textrnn.config import from_dict, to_dict
from textrnn.crf import CRF, bio_constraints
from textrnn.embedding import (CHAR_ENCODERS, CHAR_SPLITS, WordFeatures, WordFeaturesConfig, casing, clip_word,
                                spelled, word_key)
from textrnn.encoder import Encoder, EncoderConfig
from textrnn.errors import ConfigError, choose
from textrnn.heads.lm import LMConfig
from textrnn.heads.lm_features import LMFeatures

TASK = "tag"
DECODERS = ("softmax", "crf")
WORD_STYLES = ("conll", "ud", "ko")


@dataclass(frozen=True)
class TaggerConfig:
    labels: tuple[str, ...]        # tag names, in output order
    vocab_size: int                # word vocabulary size (lower-cased forms)
    chars: str                     # the character vocabulary, in id order from id 2 (0 pad, 1 unknown)
    scheme: str = "none"           # bio (entity spans; set from the labels) | none (POS)
    word_dim: int = 100            # E: word vector size
    freeze_words: bool = False     # keep the word vectors as initialised (pretrained ones stay in one space
                                   # with the vectors of words never seen in the tagged training data)
    char_dim: int = 30             # character vector size
    char_filters: int = 50         # F: char-CNN output size; 0 turns character features off
    char_width: int = 3            # characters each char-CNN filter sees
    char_encoder: str = "cnn"      # cnn | bilstm (char_filters is then the size of its two states together)
    char_split: str = "none"       # none | jamo: Korean syllables read as their letters (embedding.spelled)
    max_word_chars: int = 20       # W: characters kept per word (first and last halves of longer ones)
    casing_dim: int = 8            # S: casing feature size; 0 turns it off
    cell: str = "lstm"             # rnn | gru | lstm
    hidden_size: int = 200         # D, per direction
    num_layers: int = 1
    bidirectional: bool = True     # a tag depends on the words on both sides
    rnn_dropout: float = 0.0       # between stacked recurrent layers
    dropout: float = 0.5           # on word features and encoder outputs
    word_dropout: float = 0.05     # training: replace a word's id by <unk> with this probability, so the
                                   # <unk> vector is learned and the model leans on spelling for rare words
    decoder: str = "crf"           # softmax | crf
    words: str = "conll"           # how raw text is split into words: as CoNLL-2003 ("Al-Zaman"), UD English
                                   # ("Al - Zaman") or UD Korean (eojeol, punctuation apart: tokenizer.word_spans)
    max_len: int = 256             # longer sentences are tagged in pieces of this many words
    lm_hidden_size: int = 0        # H: > 0 adds the states of frozen forward and backward language models
                                   # of this size (one LSTM layer each, the tagger's word vocabulary)
    lm_embedding_dim: int = 100    # their word vectors (adaptive input: lm_cutoffs, lm_div)
    lm_cutoffs: tuple[int, ...] = (2000, 10000)
    lm_div: float = 1.0
    impl: str = "fused"            # fused (torch kernels) | reference (cells.py, for learning)
    precision: str = "fp32"        # fp32 | bf16: predictions run in bfloat16 on CPUs that have it natively
                                   # (textrnn/runtime.py); training is not affected

    def __post_init__(self):
        from textrnn.run_config import MAX_LAYERS, MAX_WIDTH, check_ranges
        from textrnn.runtime import MODEL_PRECISIONS

        check_ranges(self, "model", {"vocab_size": (1, None), "word_dim": (1, MAX_WIDTH), "char_dim": (1, MAX_WIDTH),
                                     "char_filters": (0, MAX_WIDTH), "char_width": (1, 15), "max_word_chars": (1, 256),
                                     "casing_dim": (0, MAX_WIDTH), "hidden_size": (1, MAX_WIDTH),
                                     "num_layers": (1, MAX_LAYERS), "max_len": (1, None), "lm_hidden_size": (0, MAX_WIDTH),
                                     "dropout": (0.0, 0.95), "rnn_dropout": (0.0, 0.95), "word_dropout": (0.0, 0.95)})
        choose("decoder", self.decoder, DECODERS)
        choose("words", self.words, WORD_STYLES)
        choose("scheme", self.scheme, ("bio", "none"))
        choose("char encoder", self.char_encoder, CHAR_ENCODERS)
        choose("precision", self.precision, MODEL_PRECISIONS)
        choose("char split", self.char_split, CHAR_SPLITS)
        if self.char_encoder == "bilstm" and self.char_filters % 2:
            raise ConfigError(f"model.char_filters must be even with a character BiLSTM (half each way), "
                              f"got {self.char_filters}", hint=f"e.g. char_filters = {self.char_filters + 1}")
        if len(self.labels) < 2:
            raise ConfigError(f"a tagger needs at least 2 tags, got {list(self.labels)}")

    def features_config(self) -> WordFeaturesConfig:
        return WordFeaturesConfig(vocab_size=self.vocab_size, char_vocab_size=len(self.chars) + 2,
                                  word_dim=self.word_dim, char_dim=self.char_dim, char_filters=self.char_filters,
                                  char_width=self.char_width, casing_dim=self.casing_dim,
                                  char_encoder=self.char_encoder)

    def lm_config(self) -> LMConfig:
        return LMConfig(vocab_size=self.vocab_size, embedding_dim=self.lm_embedding_dim, cell="lstm",
                        hidden_size=self.lm_hidden_size, num_layers=1, rnn_dropout=0.0, dropout=0.0,
                        cutoffs=self.lm_cutoffs, div=self.lm_div, impl=self.impl)

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(cell=self.cell, input_size=self.features_config().output_size + 2 * self.lm_hidden_size,
                             hidden_size=self.hidden_size, num_layers=self.num_layers,
                             bidirectional=self.bidirectional, dropout=self.rnn_dropout, impl=self.impl)


class Tagger(nn.Module):
    def __init__(self, config: TaggerConfig):
        super().__init__()
        self.config = config
        self.features = WordFeatures(config.features_config())
        if config.freeze_words:
            self.features.words.weight.requires_grad_(False)
        self.lm = LMFeatures(config.lm_config()) if config.lm_hidden_size else None
        self.encoder = Encoder(config.encoder_config())
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(config.encoder_config().output_size, len(config.labels))
        if config.decoder == "crf":
            allowed = bio_constraints(list(config.labels)) if config.scheme == "bio" else (None, None)
            self.crf = CRF(len(config.labels), *allowed)

    def forward(self, words, spellings, spelling_ids, casings, lengths, targets=None):
        """words (B, T), spellings (U, W), spelling_ids (B, T), casings (B, T), lengths (B,) (see
        make_batch), targets (B, T) or None → (emissions (B, T, C), loss or None). The loss is per
        sentence, averaged over the batch."""
        lm = self.lm(words, lengths) if self.lm is not None else None  # (B, T, 2H), before word dropout
        if self.training and self.config.word_dropout:
            drop = torch.rand(words.shape) < self.config.word_dropout
            words = words.masked_fill(drop & (words > 0), 1)       # 1 = <unk>
        x = self.features(words, spellings, spelling_ids, casings)  # (B, T, E+F+S)
        if lm is not None:
            x = torch.cat([x, lm], 2)                              # (B, T, E+F+S+2H)
        x = self.dropout(x)
        outputs, _ = self.encoder(x, lengths, outputs_only=True)   # (B, T, D·K)
        emissions = self.output(self.dropout(outputs))             # (B, T, C)
        if targets is None:
            return emissions, None
        mask = torch.arange(words.size(1)).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)
        if self.config.decoder == "crf":
            loss = self.crf.nll(emissions, targets, mask) / words.size(0)
        else:
            loss = F.cross_entropy(emissions[mask], targets[mask], reduction="sum") / words.size(0)
        return emissions, loss

    def decode(self, emissions, lengths) -> list[list[int]]:
        """Best tag ids per sentence (lists of each sentence's length)."""
        mask = torch.arange(emissions.size(1)).unsqueeze(0) < lengths.unsqueeze(1)
        if self.config.decoder == "crf":
            return self.crf.decode(emissions, mask)
        best = emissions.argmax(2).tolist()
        return [row[:n] for row, n in zip(best, lengths.tolist())]


def make_batch(encoded: list[tuple[list[int], list[tuple[int, ...]], list[int]]]):
    """[(word ids, char ids per word, casings)] → words (B, T), spellings (U, W), spelling_ids (B, T),
    casings (B, T), lengths (B,). `spellings` holds each distinct word's character ids once (row 0:
    the padding word) and `spelling_ids` points every token at its row."""
    import numpy as np   # filling arrays row by row is several times faster than torch.tensor(nested lists)

    B, T = len(encoded), max(1, max(len(w) for w, _, _ in encoded))
    rows: dict[tuple[int, ...], int] = {(): 0}
    words, casings, spelling_ids = (np.zeros((B, T), dtype=np.int64) for _ in range(3))
    for i, (w, cs, k) in enumerate(encoded):    # lists or tuples (the training cache stores JSON lists)
        n = len(w)
        words[i, :n] = w
        casings[i, :n] = k
        spelling_ids[i, :n] = [rows.setdefault(tuple(c), len(rows)) for c in cs]
    # The char-CNN's shape (U, W) is rounded up (U to a multiple of 64 rows, W of 4 characters) so that
    # oneDNN, which caches one convolution kernel per shape, sees a few dozen shapes instead of one per
    # batch: its cache otherwise grew a long `textrnn tag` run by 200 MB. The extra rows are unused and
    # padding characters are masked, so the tags are the same.
    W = -(-max(1, max(map(len, rows))) // 4) * 4
    U = -(-len(rows) // 64) * 64
    spellings = np.zeros((U, W), dtype=np.int64)              # dicts keep insertion order: row i is id i
    for c, i in rows.items():
        spellings[i, :len(c)] = c
    lengths = torch.tensor([max(1, len(w)) for w, _, _ in encoded])
    return (torch.from_numpy(words), torch.from_numpy(spellings), torch.from_numpy(spelling_ids),
            torch.from_numpy(casings), lengths)


class Tags:
    """What every tagger offers: `tag_tokens` on token lists and `predict` on raw lines, on top
    of `decode_batch` (a batch of token lists → tag ids), which subclasses provide."""

    task = TASK
    config: TaggerConfig
    labels: list[str]
    split_long = 0  # sentences longer than max_len, tagged in pieces (the CLI says so once)

    @property
    def spans(self) -> bool:
        return self.config.scheme == "bio"

    def decode_batch(self, batch: list[list[str]]) -> list[list[int]]:
        raise NotImplementedError

    @torch.inference_mode()
    def tag_tokens(self, sentences: list[list[str]], batch_size: int = 64) -> list[list[str]]:
        """Tags for each sentence of tokens; long sentences are tagged in pieces of `max_len`."""
        from textrnn.runtime import longest_first, map_batches

        m = self.config.max_len
        pieces = [(i, s[k: k + m]) for i, s in enumerate(sentences) for k in range(0, len(s), m)]
        self.split_long += sum(len(s) > m for s in sentences)
        order = sorted(range(len(pieces)), key=lambda j: len(pieces[j][1]))  # batches of similar length
        batches = longest_first(order, batch_size)
        tags: list[list[int]] = [[] for _ in pieces]
        # the batches run side by side on torch's threads (runtime.map_batches)
        for idx, rows in zip(batches, map_batches(lambda idx: self.decode_batch([pieces[j][1] for j in idx]), batches)):
            for j, row in zip(idx, rows):
                tags[j] = row
        out: list[list[str]] = [[] for _ in sentences]
        for (i, _), row in zip(pieces, tags):
            out[i] += [self.labels[t] for t in row]
        return out

    def predict(self, texts: list[str], batch_size: int = 64, tokenized: bool = False,
                segmenter: str = "auto") -> list[dict]:
        """For each line: {"text", "tokens", "tags", "offsets"} plus "entities" [{"text", "type",
        "start", "end"}] (character offsets into the line) for an entity model. Raw lines of an
        English tagger go through the shipped segmenter (raw_text.pick_segmenter; `segmenter` names
        another, or "rules") and get "sentences" too: a line may hold several. Without a segmenter
        a line is one sentence split into words as the training corpus was; `tokenized=True` splits
        on whitespace only."""
        from textrnn.raw_text import pick_segmenter, tag_lines
        from textrnn.tokenizer import whitespace_spans, word_spans

        seg = None if tokenized else pick_segmenter(segmenter, self)
        if seg is not None:
            return tag_lines(seg, self, texts, batch_size)
        offsets = [whitespace_spans(t) if tokenized else word_spans(t, self.config.words) for t in texts]
        sentences = [[t[s:e] for s, e in spans] for t, spans in zip(texts, offsets)]
        tags = self.tag_tokens(sentences, batch_size)
        return [self.record(t, toks, tg, spans) for t, toks, tg, spans in zip(texts, sentences, tags, offsets)]

    def record(self, text: str, tokens: list[str], tags: list[str], offsets) -> dict:
        from textrnn.metrics import bio_spans

        rec = {"text": text, "tokens": tokens, "tags": tags, "offsets": [list(o) for o in offsets]}
        if self.spans:
            rec["entities"] = [{"text": text[offsets[s][0]: offsets[e - 1][1]], "type": kind,
                                "start": offsets[s][0], "end": offsets[e - 1][1]} for s, e, kind in bio_spans(tags)]
        return rec


class Predictor(Tags):
    """Tokenizer + tagger + tag names: what `textrnn.load("ner")` returns."""

    def __init__(self, model: Tagger, tokenizer, metrics: dict | None = None, precision: str = "fp32"):
        from textrnn.runtime import prediction_model

        self.model = model.eval()
        self.precision = precision             # what predictions run in (runtime.py); `model` stays fp32
        self.runner = prediction_model(self.model, precision)
        self.tokenizer = tokenizer
        self.config = model.config
        self.labels = list(model.config.labels)
        self.metrics = metrics or {}
        self.char_index = {c: i + 2 for i, c in enumerate(model.config.chars)}
        self._cache: dict[str, tuple[int, tuple[int, ...], int]] = {}  # word → its ids (words repeat a lot)

    def encode_word(self, word: str) -> tuple[int, tuple[int, ...], int]:
        hit = self._cache.get(word)
        if hit is None:
            get = self.char_index.get
            hit = (self.tokenizer.index.get(word_key(word), 1),
                   tuple(get(c, 1) for c in clip_word(spelled(word, self.config.char_split),
                                                      self.config.max_word_chars)) or (1,),
                   casing(word))
            if len(self._cache) < 200_000:
                self._cache[word] = hit
        return hit

    def encode(self, tokens: list[str]):
        enc = [self.encode_word(t) for t in tokens]
        return [e[0] for e in enc], [e[1] for e in enc], [e[2] for e in enc]

    def emissions(self, batch: list[list[str]]):
        """Tag scores (B, T, C) and lengths (B,) of a batch of token lists."""
        *inputs, lengths = make_batch([self.encode(p) for p in batch])
        return self.runner(*inputs, lengths)[0].float(), lengths   # decoded in fp32 (a CRF's Viterbi)

    def decode_batch(self, batch: list[list[str]]) -> list[list[int]]:
        emissions, lengths = self.emissions(batch)
        return self.model.decode(emissions, lengths)

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
        model, tokenizer, metrics = load_model(directory, config, TaggerConfig, Tagger)
        return cls(model, tokenizer, metrics, precision=resolve(model.config.precision))


class Ensemble(Tags):
    """Several taggers with the same tags whose scores are averaged: log-probabilities for softmax
    taggers; emissions and transition scores for CRF taggers, decoded by one Viterbi pass."""

    def __init__(self, members: list[Predictor], metrics: dict | None = None):
        from textrnn.errors import BundleError

        first = members[0].config
        if any((m.labels, m.config.decoder, m.config.scheme) != (members[0].labels, first.decoder, first.scheme)
               for m in members):
            raise BundleError("ensemble members differ in tags or decoder", hint="combine models of the same task")
        self.members = members
        self.config = first
        self.labels = members[0].labels
        self.metrics = metrics or {}
        self.crf = None
        if first.decoder == "crf":
            crfs = [m.model.crf for m in members]
            self.crf = CRF(len(self.labels), *(bio_constraints(self.labels) if first.scheme == "bio" else (None, None)))
            for name, p in self.crf.named_parameters():
                p.data = torch.stack([getattr(c, name).data for c in crfs]).mean(0)

    def decode_batch(self, batch: list[list[str]]) -> list[list[int]]:
        scores = []
        for m in self.members:
            emissions, lengths = m.emissions(batch)
            scores.append(emissions if self.crf is not None else emissions.log_softmax(-1))
        mean = torch.stack(scores).mean(0)                         # (B, T, C)
        if self.crf is not None:
            return self.crf.decode(mean, torch.arange(mean.size(1)).unsqueeze(0) < lengths.unsqueeze(1))
        return [row[:n] for row, n in zip(mean.argmax(2).tolist(), lengths.tolist())]

    def save(self, directory, metrics: dict | None = None, half: bool = False, int8: bool = False):
        from textrnn.bundle import save_ensemble

        return save_ensemble(directory, task=TASK, members=self.members, model_config=to_dict(self.config),
                             metrics=metrics if metrics is not None else self.metrics, half=half, int8=int8)

    @classmethod
    def from_bundle(cls, directory: Path, config: dict):
        from textrnn.bundle import load_ensemble_members, read_metrics

        return cls(load_ensemble_members(directory, config, Predictor.from_bundle), read_metrics(directory))


def evaluate(predictor: Tags, examples: list[tuple[list[str], list[str]]], batch_size: int = 64) -> dict:
    """POS: per-word `accuracy`. Entities: conlleval's span precision/recall/`f1` (+ per type)."""
    from textrnn.errors import UnknownLabels
    from textrnn.metrics import span_f1, token_accuracy

    gold = [tags for _, tags in examples]
    unknown = sorted({t for g in gold for t in g} - set(predictor.labels))
    if unknown:
        raise UnknownLabels(f"tags {unknown[:10]} in the data are not among the model's tags {predictor.labels}",
                            hint="evaluate on data of the kind this model was trained for (POS or NER)",
                            labels=tuple(unknown))
    pred = predictor.tag_tokens([tokens for tokens, _ in examples], batch_size)
    return span_f1(gold, pred) if predictor.spans else token_accuracy(gold, pred)


# -- what the training loop needs from this head ---------------------------------------------
def headline(predictor: Tags) -> str:
    """The dev metric that selects the best epoch (higher is better)."""
    return "f1" if predictor.spans else "accuracy"


def read_data(path):
    from textrnn.data import read_tagged

    return read_tagged(path)


def labels_of(examples) -> set[str]:
    """The tags used in [(tokens, tags)] (checked when data are read: dev tags must be in train)."""
    return {t for _, tags in examples for t in tags}


def train_tokenizer(options, examples):
    """The word vocabulary: lower-cased, digit-normalised forms seen `min_freq` times."""
    from textrnn.tokenizer import WordTokenizer

    return WordTokenizer.train((" ".join(word_key(w) for w in tokens) for tokens, _ in examples),
                               max_size=options.max_size, min_freq=options.min_freq, split="whitespace")


def build(model_options: dict, examples, tokenizer) -> Predictor:
    """A fresh tagger: tags and characters are those of the training data (O first for entities)."""
    from collections import Counter

    tags = sorted({t for _, ts in examples for t in ts})
    scheme = "bio" if all(t == "O" or t[:2] in ("B-", "I-") for t in tags) and "O" in tags else "none"
    if scheme == "bio":
        tags = ["O"] + [t for t in tags if t != "O"]
    split = model_options.get("char_split", "none")
    counts = Counter(c for tokens, _ in examples for w in tokens for c in spelled(w, split))
    chars = "".join(c for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2)
    cfg = from_dict(TaggerConfig, {"scheme": scheme, **model_options, "labels": tags,
                                   "vocab_size": tokenizer.vocab_size, "chars": chars}, "model")
    return Predictor(Tagger(cfg), tokenizer)


def encode_examples(predictor: Predictor, examples):
    """[(tokens, tags)] → [((word ids, char ids, casings), tag ids)], done once before training."""
    index = {t: i for i, t in enumerate(predictor.labels)}
    m = predictor.config.max_len
    return [(predictor.encode(tokens[k: k + m]), [index[t] for t in tags[k: k + m]])
            for tokens, tags in examples for k in range(0, len(tokens), m)]


def batches(encoded, batch_size: int, rng):
    """Yield make_batch's tensors and targets (B, T) in length buckets, shuffled by `rng`."""
    from textrnn.data import length_batches, pad_batch

    for idx in length_batches([len(t) for _, t in encoded], batch_size, rng):
        targets, _ = pad_batch([encoded[i][1] for i in idx])
        yield *make_batch([encoded[i][0] for i in idx]), targets
