"""A bag of n-grams beside the recurrent encoder: the "wide" part of a wide-and-deep classifier.

    token ids of the whole text (N,) → hashed n-gram ids, each once (M,) → one weight vector per id (M, C)
    → their sum / √M (C,)  … added to the network's logits

A linear model on n-gram counts (naive Bayes, tf-idf + logistic regression) reads every word of a
long e-mail or review and remembers rare but telling word pairs; the BiLSTM reads the first few
hundred tokens and composes them. The two err on different texts, so one network that adds a
learned weight per n-gram to its logits beats either (Cheng et al. 2016, "Wide & Deep Learning";
Joulin et al. 2017, fastText's hashed bigrams; Wang & Manning 2012, NBSVM). Both parts are trained
together, as one model.

The features are those of tf-idf with binary counts and L2 normalisation: each distinct n-gram of
the text counts once, and the sum of their weights is divided by √(number of distinct n-grams).
N-grams are of the tokenizer's ids: unigrams are the ids themselves; a longer n-gram is hashed
(a fixed integer hash, the same in every process and on every machine) into `buckets` rows.
Row 0 is padding. With `bag_chars` the bag also holds the character n-grams of the text those tokens
spell (tf-idf's `analyzer="char"`; `char_ngram_ids`), hashed into the same rows with another salt:
in an agglutinative language such as Korean a word's stem and ending are its characters.

`ngram_ids`, `char_ngram_ids` and `bag_ids` define a text's rows one text at a time; `bag_batch`, which
training and prediction both use (heads/classify.py), computes a batch's rows at once, the same ones.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

_MIX = np.uint64(0x9E3779B97F4A7C15)   # an odd 64-bit multiplier (Fibonacci hashing); bits from 20 up are kept
CHAR_SALT = 16                         # added to a character n-gram's code before hashing: apart from token
                                       # n-grams of the same length (but for codes exactly 16 apart)
UNICODE = 0x110000                     # code points: the characters' "vocabulary"


def ngram_ids(ids: list[int], n: int, buckets: int, vocab_size: int, salt: int = 0) -> np.ndarray:
    """A text's token ids → its distinct n-gram rows (M,) int64 (1-based; 0 is padding), for n-grams of
    1..n tokens. (Training's encoding cache keeps them as JSON lists: for the spam corpus of 30,000
    texts, a training process of 1.3 GB.)

    Unigram i is row 1 + i when the vocabulary fits in the table, else hashed like the others;
    an n-gram of 2 or more tokens is hashed into [1, buckets]. `salt` keeps another kind of n-gram
    (characters) apart in the hash."""
    return _distinct(_rows(np.asarray(ids, dtype=np.uint64), n, buckets, vocab_size, salt))


def char_ngram_ids(text: str, n: int, buckets: int) -> np.ndarray:
    """A text → the distinct rows (1-based) of its character 1..n-grams, hashed as ngram_ids hashes."""
    return _distinct(_char_rows(text, n, buckets))


def bag_ids(ids: list[int], n: int, buckets: int, vocab_size: int, text: str = "", chars: int = 0) -> np.ndarray:
    """ngram_ids(ids, …) and, with `chars`, char_ngram_ids(text, chars, …) together: one set of rows."""
    rows = _rows(np.asarray(ids, dtype=np.uint64), n, buckets, vocab_size, 0)
    if chars:
        rows += _char_rows(text, chars, buckets)
    return _distinct(rows)


def bag_batch(token_lists: list, n: int, buckets: int, vocab_size: int, texts: list[str] | None = None,
              chars: int = 0) -> torch.Tensor:
    """Many texts' bags at once → (B, M) rows padded with 0: the same tensor as
    pad_bags([bag_ids(ids, …, text, chars) for ids, text in …]), computed by one pass of numpy over the
    batch's ids (and characters) laid end to end, instead of a dozen small numpy calls per text.

    An n-gram is kept only where all its items come from one text; (text, row) pairs, coded as
    text · (buckets + 1) + row (well inside int64 for the config's ≤ 2^24 buckets), are then made
    distinct and sorted by one np.unique, which leaves each text's rows in the order bag_ids gives."""
    B = len(token_lists)
    if chars and (texts is None or len(texts) != B):
        raise ValueError(f"bag_batch: character n-grams need one text per token list ({B}), got "
                         f"{'none' if texts is None else len(texts)}")
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=B)   # (B,)
    flat = np.fromiter((i for t in token_lists for i in t), dtype=np.uint64, count=int(lengths.sum()))
    keys = _batch_rows(flat, np.repeat(np.arange(B, dtype=np.int64), lengths), n, buckets, vocab_size, 0)
    if chars:
        joined = "".join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        seg = np.repeat(np.arange(B, dtype=np.int64), np.fromiter(map(len, texts), dtype=np.int64, count=B))
        keys += _batch_rows(codes, seg, chars, buckets, UNICODE, CHAR_SALT)
    width = np.int64(buckets + 1)
    pairs = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)   # text · (buckets+1) + row
    which, rows = pairs // width, pairs % width + 1                                 # (P,) each
    counts = np.bincount(which, minlength=B)                                         # (B,) distinct rows per text
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.zeros((B, max(1, int(counts.max(initial=0)))), dtype=np.int64)         # (B, M)
    out[which, np.arange(len(pairs)) - starts[which]] = rows
    return torch.from_numpy(out)


def _batch_rows(a: np.ndarray, seg: np.ndarray, n: int, buckets: int, vocab_size: int, salt: int) -> list[np.ndarray]:
    """(N,) uint64 items of several texts end to end, seg (N,) their text → text · (buckets+1) + row
    of every 1..n-gram that lies within one text (_rows' rows, 0-based)."""
    out = []
    width = np.int64(buckets + 1)
    for k, rows in enumerate(_rows(a, n, buckets, vocab_size, salt), start=1):
        inside = seg[: len(seg) - k + 1] == seg[k - 1:]                               # (N - k + 1,)
        out.append(seg[: len(rows)][inside] * width + rows[inside].astype(np.int64))
    return out


def _char_rows(text: str, n: int, buckets: int) -> list[np.ndarray]:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)   # (N,) code points
    return _rows(codes, n, buckets, UNICODE, CHAR_SALT)


def _rows(a: np.ndarray, n: int, buckets: int, vocab_size: int, salt: int) -> list[np.ndarray]:
    """(N,) uint64 ids → the 0-based rows of their 1..n-grams, one array per n (repeats kept)."""
    if not len(a):
        return []
    rows = [a % np.uint64(buckets)] if vocab_size <= buckets and not salt else [_hash(a, buckets, 1 + salt)]
    code = a
    for k in range(2, n + 1):
        if len(a) < k:
            break
        code = code[:-1] * np.uint64(vocab_size + 1) + a[k - 1:] + np.uint64(1)   # (N - k + 1,) the k-gram's code
        # (unique below 2^64; longer n-grams of a large vocabulary wrap around: more collisions, still fixed)
        rows.append(_hash(code, buckets, k + salt))
    return rows


def _distinct(rows: list[np.ndarray]) -> np.ndarray:
    if not rows:
        return np.zeros(0, dtype=np.int64)
    return (np.unique(np.concatenate(rows)) + np.uint64(1)).astype(np.int64)


def _hash(code: np.ndarray, buckets: int, k: int) -> np.ndarray:
    with np.errstate(over="ignore"):                              # wrapping multiplication is the hash
        mixed = (code + np.uint64(k)) * _MIX
    return (mixed >> np.uint64(20)) % np.uint64(buckets)


def pad_bags(bags: list) -> torch.Tensor:
    """Rows of n-gram ids → (B, M) LongTensor padded with 0 (at least one column)."""
    width = max(1, max((len(b) for b in bags), default=0))
    out = torch.zeros(len(bags), width, dtype=torch.long)        # (B, M)
    for i, b in enumerate(bags):
        if len(b):
            out[i, : len(b)] = torch.as_tensor(b, dtype=torch.long)
    return out


class NgramBag(nn.Module):
    """(B, M) n-gram rows, 0-padded → (B, C) scores: the rows' weight vectors summed, divided by √M.

    The weights start at zero, so a bag added to a trained network changes nothing until it learns."""

    def __init__(self, buckets: int, num_classes: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(buckets + 1, num_classes))   # (buckets + 1, C); row 0 stays 0

    def forward(self, bag: torch.Tensor) -> torch.Tensor:
        real = (bag != 0).to(self.weight.dtype)                   # (B, M)
        scale = real.sum(1, keepdim=True).clamp(min=1).rsqrt()    # (B, 1) 1 / √(distinct n-grams)
        return nn.functional.embedding_bag(bag, self.weight, per_sample_weights=real * scale, mode="sum",
                                           padding_idx=0)         # (B, C)


def param_groups(model, params: list, bag_lr_factor: float) -> list:
    """The optimizer's parameter groups: one, or with a bag_lr_factor other than 1 for a classifier
    with an n-gram bag, the bag's weights in a group of their own whose learning rate the loop
    multiplies by it (`lr_factor`). One group otherwise, so checkpoints of runs without it resume."""
    bag = getattr(model, "bag", None)
    if bag is None or bag_lr_factor == 1.0:
        return params
    mine = {id(p) for p in bag.parameters()}
    return [{"params": [p for p in params if id(p) not in mine]},
            {"params": [p for p in params if id(p) in mine], "lr_factor": bag_lr_factor}]


def load_optimizer(opt, saved: dict) -> None:
    """Load a checkpoint's optimizer state into `opt`, keeping this run's `lr_factor`s (torch's
    load_state_dict would bring back the checkpoint's). A run whose bag_lr_factor moved to or from 1
    has a different number of groups: it cannot resume with that change."""
    from textrnn.errors import TextrnnError

    if len(saved["param_groups"]) != len(opt.param_groups):
        raise TextrnnError(f"the checkpoint's optimizer has {len(saved['param_groups'])} parameter group(s), this run "
                           f"{len(opt.param_groups)}: train.bag_lr_factor changed to or from 1 since it was written",
                           hint="resume with the checkpoint's train.bag_lr_factor, or start a new run (another --out)")
    factors = [g.get("lr_factor", 1.0) for g in opt.param_groups]
    opt.load_state_dict(saved)
    for g, f in zip(opt.param_groups, factors):
        g["lr_factor"] = f
