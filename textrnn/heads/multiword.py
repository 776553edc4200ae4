"""Multiword tokens: which tokens are one, and the words each one stands for (the segmenter's tables).

UD writes some tokens as several syntactic words: `don't` → `do n't`, `cannot` → `can not`, `gotta` →
`got ta`, and in English EWT also the possessive, `Bush's` → `Bush 's`. The segmenter network says which
tokens of a text are multiword (heads/segment.py); two tables read from the training treebank, both
kept in the model's config, do the rest:

- `mwt`: each multiword token the treebank writes, lowercased, with its commonest split. `Expander`
  splits a token by it, or, for one it never saw, by the longest second word it knows as a suffix
  (`Ahmed's` → `Ahmed 's`).
- `mwt_always`: the surfaces the treebank splits at least three times and in at least 80 % of their
  occurrences (`cant`, `thats`, `gotta`, `Ive`). A token with such a surface is split even where the network left it whole:
  the network learns these from a handful of examples each and misses many on text it never saw
  (EWT dev, the shipped segmenter: 19 of its 66 missed multiword tokens; words F1 98.77 → 98.88, and
  98.91 with the pairs below; docs/BENCHMARKS.md). A surface the treebank writes both ways (`its` is `it s` a quarter of the time,
  `lets` 5 times of 7: "this app lets you") is left to the network, which reads the context —
  unless the word after it settles the matter: the list also holds pairs "surface next" that pass the
  same test (`its not`, `its a`: it's, never the possessive), and such a token is split before that word.
"""

from __future__ import annotations

from collections import Counter

ALWAYS_MIN_COUNT = 3    # a surface split at least this often in the training treebank ...
ALWAYS_MIN_SHARE = 0.8  # ... and in at least this share of its occurrences (EWT dev: as good as 2 and a bare
                        # majority, without the treebank's noise: `lets`, `mares`, `hams`, `travellers`)


class Expander:
    """A multiword token → its words: the training treebank's own table, else a known suffix."""

    def __init__(self, entries: tuple[str, ...], always: tuple[str, ...] = ()):
        self.table: dict[str, list[str]] = {}
        suffixes = set()
        for e in entries:
            surface, words = e.split("\t")
            self.table[surface] = words.split(" ")
            w = self.table[surface]
            if len(w) == 2 and surface == "".join(w) and len(w[1]) < len(surface):
                suffixes.add(w[1])
        self.suffixes = sorted(suffixes, key=len, reverse=True)
        self.always = frozenset(always)     # lowercased surfaces split wherever met, and "surface next" pairs
                                            # split before that token (Predictor.tokens)

    def words(self, surface: str) -> list[str]:
        low = surface.lower()
        words = self.table.get(low)
        if words is None:
            suffix = next((s for s in self.suffixes if low.endswith(s) and len(s) < len(low)), None)
            words = [low[: -len(suffix)], suffix] if suffix else [low]
        if "".join(words) == low:                 # cut the surface itself: its case is kept
            out, at = [], 0
            for w in words:
                out.append(surface[at: at + len(w)])
                at += len(w)
            return out
        return words


def token_counts(examples, spans) -> tuple[dict[str, Counter], Counter]:
    """Over [(text, labels, mwts)]: each multiword surface's splits (lowercased), and how often each
    lowercased surface is a token that is not split. `spans` turns a text and its labels into tokens."""
    split: dict[str, Counter] = {}
    whole: Counter = Counter()
    for text, labels, mwts in examples:
        for line in filter(None, mwts.split("\n")):
            surface, words = line.lower().split("\t")
            split.setdefault(surface, Counter())[words] += 1
        for sentence in spans(text, list(map(int, labels))):
            for s, e, multi in sentence:
                if not multi:
                    whole[text[s:e].lower()] += 1
    return split, whole


def mwt_entries(split: dict[str, Counter]) -> tuple[str, ...]:
    """The `mwt` table: "surface<TAB>word word", the commonest split of each multiword surface."""
    return tuple(f"{s}\t{c.most_common(1)[0][0]}" for s, c in sorted(split.items()))


def always_entries(split: dict[str, Counter], whole: Counter, min_count: int = ALWAYS_MIN_COUNT,
                   min_share: float = ALWAYS_MIN_SHARE) -> tuple[str, ...]:
    """The `mwt_always` list: surfaces split at least `min_count` times and in at least `min_share` of
    the times they occur as a token."""
    out = []
    for surface, c in sorted(split.items()):
        n = sum(c.values())
        if n >= min_count and n / (n + whole[surface]) >= min_share:
            out.append(surface)
    return tuple(out)


def pair_counts(examples, spans, surfaces) -> tuple[Counter, Counter]:
    """Over [(text, labels, mwts)]: how often each of `surfaces` (lowercased) is split, and how often it is
    left whole, before each next token of its sentence, keyed "surface next"."""
    split: Counter = Counter()
    whole: Counter = Counter()
    for text, labels, _ in examples:
        for sentence in spans(text, list(map(int, labels))):
            for (s, e, multi), (s2, e2, _) in zip(sentence, sentence[1:]):
                low = text[s:e].lower()
                if low in surfaces:
                    (split if multi else whole)[f"{low} {text[s2:e2].lower()}"] += 1
    return split, whole


def always_pairs(split: Counter, whole: Counter, min_count: int = ALWAYS_MIN_COUNT,
                 min_share: float = ALWAYS_MIN_SHARE) -> tuple[str, ...]:
    """The pairs "surface next" for `mwt_always`: the surface is split before that word at least
    `min_count` times and in at least `min_share` of the times (always_entries' test, in context)."""
    return tuple(p for p, n in sorted(split.items()) if n >= min_count and n / (n + whole[p]) >= min_share)


def tables(examples, spans) -> dict[str, list[str]]:
    """The model config's multiword tables read from a training treebank: {"mwt": …, "mwt_always": …},
    the latter with the surfaces always split, then the pairs of the others (split before a word)."""
    split, whole = token_counts(examples, spans)
    always = always_entries(split, whole)
    pairs = always_pairs(*pair_counts(examples, spans, set(split) - set(always)))
    return {"mwt": list(mwt_entries(split)), "mwt_always": list(always + pairs)}
