"""Segmentation: raw text into sentences, tokens and words — a character tagger on the shared encoder.

    characters (B, T) → embedding (B, T, E) ⊕ character class (B, T, 8) → Encoder (B, T, D·K) → linear (B, T, 5)

Each character gets one of five labels (segment_data.py): inside a token (or a space), the end of a
token, of a token that ends a sentence, of a multiword token, of a multiword token that ends a
sentence — the way Stanza and UDPipe tokenize (Qi et al. 2020; Straka 2018). A space always ends
a token too, so the network learns only where text *without* spaces splits (`it's` → `it` `'s`,
`12:30` stays whole, `:)` too) and where sentences end.

A multiword token is then split into its syntactic words as UD writes them (`don't` → `do n't`,
`cannot` → `can not`) by tables read from the training treebank (multiword.py), which also split the
surfaces the treebank (nearly) always splits where the network left them whole.

The character class (space, lower, upper, digit, punctuation, symbol, other letter, other) lets the
network read characters it never saw in training (Hangul, Cyrillic, emoji) by what kind they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from textrnn.encoder import Encoder, EncoderConfig
from textrnn.errors import ConfigError, choose
from textrnn.heads.multiword import Expander, tables
from textrnn.segment_data import INSIDE, MWT, MWT_SENTENCE, SENTENCE

TASK = "segment"
LABELS = ("inside", "token", "sentence", "mwt", "mwt_sentence")
CLASSES = 8


_CLASSES: dict[str, int] = {}   # character → its class, remembered (a text repeats few distinct characters)


def char_classes(text: str) -> list[int]:
    """char_class of each character of `text`."""
    known = _CLASSES
    out = [known.get(c, -1) for c in text]
    if -1 in out:
        for k, c in enumerate(text):
            if out[k] < 0:
                out[k] = char_class(c)
                if len(known) < 100_000:
                    known[c] = out[k]
    return out


def char_class(c: str) -> int:
    """0 space, 1 lower, 2 upper, 3 digit, 4 punctuation, 5 symbol, 6 other letter, 7 other."""
    if c.isspace():
        return 0
    cat = unicodedata.category(c)
    if cat == "Ll":
        return 1
    if cat in ("Lu", "Lt"):
        return 2
    if cat[0] == "N":
        return 3
    if cat[0] == "P":
        return 4
    if cat[0] == "S":
        return 5
    if cat[0] == "L":
        return 6
    return 7


@dataclass(frozen=True)
class SegmenterConfig:
    vocab_size: int                # characters known (the char tokenizer's vocabulary)
    embedding_dim: int = 32        # E, per character
    class_dim: int = 8             # the character-class vector
    cell: str = "lstm"             # rnn | gru | lstm
    hidden_size: int = 64          # D, per direction
    num_layers: int = 2
    bidirectional: bool = True     # where a token ends depends on what follows (`.` then a capital)
    rnn_dropout: float = 0.1
    dropout: float = 0.2
    max_len: int = 400             # characters per training piece and per window read at prediction
    mwt: tuple[str, ...] = ()      # "surface<TAB>word word": the multiword tokens of the training treebank
    mwt_always: tuple[str, ...] = ()   # surfaces it (nearly) always splits, and "surface next" pairs (multiword.py)
    impl: str = "fused"
    precision: str = "fp32"        # fp32 | bf16: predictions run in bfloat16 on CPUs that have it natively
                                   # (textrnn/runtime.py); training is not affected
    mwt_weight: float = 1.0        # training: the loss on the two multiword labels × this (they are 0.3 % of
                                   # the characters; the network misses more of them than it invents)

    def __post_init__(self):
        from textrnn.run_config import MAX_LAYERS, MAX_WIDTH, check_ranges
        from textrnn.runtime import MODEL_PRECISIONS

        check_ranges(self, "model", {"vocab_size": (1, None), "embedding_dim": (1, MAX_WIDTH),
                                     "class_dim": (0, MAX_WIDTH), "hidden_size": (1, MAX_WIDTH),
                                     "num_layers": (1, MAX_LAYERS), "max_len": (16, 100_000),
                                     "dropout": (0.0, 0.95), "rnn_dropout": (0.0, 0.95), "mwt_weight": (0.0, 100.0)})
        choose("cell", self.cell, ("rnn", "gru", "lstm"))
        choose("precision", self.precision, MODEL_PRECISIONS)

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(cell=self.cell, input_size=self.embedding_dim + self.class_dim,
                             hidden_size=self.hidden_size, num_layers=self.num_layers,
                             bidirectional=self.bidirectional, dropout=self.rnn_dropout, impl=self.impl)


class Segmenter(nn.Module):
    def __init__(self, config: SegmenterConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=0)
        self.classes = nn.Embedding(CLASSES, config.class_dim) if config.class_dim else None
        self.encoder = Encoder(config.encoder_config())
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden_size * (2 if config.bidirectional else 1), len(LABELS))

    def forward(self, ids, classes, lengths, targets=None):
        x = self.embedding(ids)                                              # (B, T, E)
        if self.classes is not None:
            x = torch.cat([x, self.classes(classes)], -1)                    # (B, T, E + 8)
        h, _ = self.encoder(self.dropout(x), lengths, outputs_only=True)     # (B, T, D·K)
        logits = self.out(self.dropout(h))                                   # (B, T, 5)
        loss = None
        if targets is not None:
            mask = torch.arange(ids.size(1))[None] < lengths[:, None]        # (B, T) real characters
            weight = None
            if self.config.mwt_weight != 1.0:
                weight = logits.new_ones(len(LABELS), dtype=torch.float32)
                weight[[MWT, MWT_SENTENCE]] = self.config.mwt_weight
            loss = F.cross_entropy(logits[mask], targets[mask], weight=weight)
        return logits, loss


# -- from labels to sentences, tokens and words --------------------------------------------------
def separates(c: str) -> bool:
    """A space, or a control character (a terminal's bell, an escape): never part of a token."""
    return c.isspace() or unicodedata.category(c) == "Cc"


# a run of characters between separators: spaces (exactly what str.isspace calls one) and control characters (Cc)
RUN = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]+")


def spans(text: str, labels) -> list[list[tuple[int, int, bool]]]:
    """Labels per character (a list or an array) → sentences, each a list of tokens (start, end,
    is multiword). A space or a control character always ends a token; a sentence ends at a
    sentence label (and the text's end). The work is per token, not per character: runs between
    separators come from a regular expression, the labels that end a token from numpy."""
    labels = np.asarray(labels, dtype=np.int64)
    marks = np.flatnonzero(labels != INSIDE)                                  # characters that end a token
    labs = labels[marks].tolist()
    marks = marks.tolist()
    sentences, tokens, j = [], [], 0
    for run in RUN.finditer(text):
        start, end = run.span()
        while j < len(marks) and marks[j] < start:   # a label on a separator means nothing
            j += 1
        while j < len(marks) and marks[j] < end:
            i, lab = marks[j], labs[j]
            tokens.append((start, i + 1, lab in (MWT, MWT_SENTENCE)))
            if lab in (SENTENCE, MWT_SENTENCE):
                sentences.append(tokens)
                tokens = []
            start, j = i + 1, j + 1
        if start < end:
            tokens.append((start, end, False))
    if tokens:
        sentences.append(tokens)
    return sentences


class Predictor:
    """Character tokenizer + segmenter: `segment(texts)` → sentences, tokens and words with offsets."""

    task = TASK

    def __init__(self, model: Segmenter, tokenizer, metrics: dict | None = None, precision: str = "fp32"):
        from textrnn.runtime import prediction_model

        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = model.config
        self.metrics = metrics or {}
        self.expander = Expander(self.config.mwt, self.config.mwt_always)
        self.precision = precision             # what predictions run in (runtime.py); `model` stays fp32
        self.runner = prediction_model(self.model, precision)

    def encode(self, text: str) -> tuple[list[int], list[int]]:
        ids = [self.tokenizer.index.get(c, self.tokenizer.unk_id) for c in text]
        return ids, char_classes(text)

    @torch.inference_mode()
    def labels(self, texts: list[str], batch_size: int = 64) -> list[np.ndarray]:
        """A label per character of each text, read in windows of max_len characters (cut at a
        space where there is one), windows of similar length batched together."""
        from textrnn.data import pad_batch
        from textrnn.runtime import longest_first, map_batches

        pieces = [(i, s, e) for i, t in enumerate(texts) for s, e in windows(t, self.config.max_len)]
        out = [np.full(len(t), INSIDE, dtype=np.int64) for t in texts]
        order = sorted(range(len(pieces)), key=lambda k: pieces[k][2] - pieces[k][1])
        batches = longest_first(order, batch_size)

        def run(idx):
            enc = [self.encode(texts[pieces[k][0]][pieces[k][1]: pieces[k][2]]) for k in idx]
            ids, lengths = pad_batch([e[0] for e in enc])
            classes, _ = pad_batch([e[1] for e in enc])
            logits, _ = self.runner(ids, classes, lengths)                   # (B, T, 5)
            return logits.argmax(-1).numpy()                                  # (B, T)

        for idx, best in zip(batches, map_batches(run, batches)):          # side by side on torch's threads
            for k, row in zip(idx, best):
                i, s, e = pieces[k]
                out[i][s:e] = row[: e - s]
        return out

    def segment(self, texts: list[str], batch_size: int = 64) -> list[list[dict]]:
        """For each text: its sentences, each {"text", "start", "end", "tokens": [{"text", "start",
        "end", "words": [...]}]}; offsets index the text as given."""
        from textrnn.runtime import paused_gc

        out = []
        labels_of_texts = self.labels(texts, batch_size)
        with paused_gc():
            for text, labels in zip(texts, labels_of_texts):
                sents = []
                for toks in self.tokens(text, labels):
                    tokens = [{"text": text[s:e], "start": s, "end": e,
                               "words": self.expander.words(text[s:e]) if mwt else [text[s:e]]} for s, e, mwt in toks]
                    sents.append({"text": text[toks[0][0]: toks[-1][1]], "start": toks[0][0], "end": toks[-1][1],
                                  "tokens": tokens})
                out.append(sents)
        return out

    def tokens(self, text: str, labels) -> list[list[tuple[int, int, bool]]]:
        """spans(text, labels), a token the network left whole also multiword when the training treebank
        (nearly) always splits its surface, or splits it before the token that follows (multiword.py)."""
        always = self.expander.always
        if not always:
            return spans(text, labels)
        out = []
        for sent in spans(text, labels):
            lows = [text[s:e].lower() for s, e, _ in sent] + [""]
            out.append([(s, e, mwt or lows[i] in always or f"{lows[i]} {lows[i + 1]}" in always)
                        for i, (s, e, mwt) in enumerate(sent)])
        return out

    def save(self, directory, metrics: dict | None = None, half: bool = False, int8: bool = False):
        from textrnn.bundle import save_predictor

        return save_predictor(self, directory, task=TASK, metrics=metrics, half=half, int8=int8)

    @classmethod
    def from_bundle(cls, directory: Path, config: dict):
        from textrnn.bundle import load_model
        from textrnn.runtime import resolve

        model, tokenizer, metrics = load_model(directory, config, SegmenterConfig, Segmenter)
        return cls(model, tokenizer, metrics, precision=resolve(model.config.precision))


def windows(text: str, size: int) -> list[tuple[int, int]]:
    """Cut a text into spans of at most `size` characters, each ending at a space when one is near
    the end (the last quarter of the window), else cut hard (a 1 MB line without a space)."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + size * 3 // 4, end)
            end = cut + 1 if cut >= 0 else end
        out.append((start, end))
        start = end
    return out


# -- what the training loop needs from this head ------------------------------------------------
def headline(predictor) -> str:
    return "score"    # the mean of token and sentence F1 (evaluate)


def read_data(path):
    """A CoNLL-U treebank → [(paragraph text, its labels as a string of digits, its multiword
    tokens as lines `surface<TAB>word word`)]."""
    from textrnn.segment_data import read_paragraphs

    return [(p.text, "".join(map(str, p.labels)), "\n".join(f"{s}\t{' '.join(w)}" for s, w in p.mwts))
            for p in read_paragraphs(path)]


def tokenizer_texts(examples):
    return (text for text, _, _ in examples)


def build(model_options: dict, examples, tokenizer) -> Predictor:
    from textrnn.config import from_dict

    for key in ("mwt", "mwt_always"):
        if key in model_options:
            raise ConfigError(f"model.{key} is read from the training treebank", hint="remove it from [model]")
    cfg = from_dict(SegmenterConfig, {**model_options, "vocab_size": tokenizer.vocab_size,
                                      **derived(examples)}, "model")
    return Predictor(Segmenter(cfg), tokenizer)


def derived(examples) -> dict:
    """The model keys read from the training data without learning: the multiword tables (multiword.py).
    tools/rescore.py --derive writes them into a trained bundle."""
    return tables(examples, spans)


def encode_examples(predictor: Predictor, examples):
    """[(text, labels)] → [((char ids, classes), label ids)] in pieces of max_len characters, cut at
    spaces, and once more starting half a piece later, so every boundary is read with context."""
    out = []
    m = predictor.config.max_len
    for text, labels, _ in examples:
        for offset in (0, m // 2):
            for s, e in windows(text[offset:], m) if offset < len(text) else []:
                s, e = s + offset, e + offset
                out.append((predictor.encode(text[s:e]), [int(c) for c in labels[s:e]]))
    return out


def batches(encoded, batch_size: int, rng):
    from textrnn.data import length_batches, pad_batch

    for idx in length_batches([len(t) for _, t in encoded], batch_size, rng):
        ids, lengths = pad_batch([encoded[i][0][0] for i in idx])
        classes, _ = pad_batch([encoded[i][0][1] for i in idx])
        targets, _ = pad_batch([encoded[i][1] for i in idx])
        yield ids, classes, lengths, targets


def _f1(gold: set, pred: set) -> float:
    if not gold and not pred:
        return 1.0
    right = len(gold & pred)
    return 2 * right / (len(gold) + len(pred)) if right else 0.0


def evaluate(predictor: Predictor, examples, batch_size: int = 32) -> dict:
    """Token, sentence and multiword-token F1 by exact character spans, over [(text, labels, mwts)]."""
    texts = [t for t, _, _ in examples]
    got = predictor.labels(texts, batch_size)
    g_tok, p_tok, g_sent, p_sent, g_mwt, p_mwt = set(), set(), set(), set(), set(), set()
    for n, ((text, gold, _), pred) in enumerate(zip(examples, got)):
        for sentences, toks, sents, mwts in ((spans(text, list(map(int, gold))), g_tok, g_sent, g_mwt),
                                             (predictor.tokens(text, pred), p_tok, p_sent, p_mwt)):
            for sent in sentences:
                sents.add((n, sent[0][0], sent[-1][1]))
                for s, e, mwt in sent:
                    toks.add((n, s, e))
                    if mwt:
                        mwts.add((n, s, e))
    tokens, sentences = _f1(g_tok, p_tok), _f1(g_sent, p_sent)
    return {"score": (tokens + sentences) / 2, "tokens_f1": tokens, "sentences_f1": sentences,
            "mwt_f1": _f1(g_mwt, p_mwt), "n": len(examples)}
