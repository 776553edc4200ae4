"""A model's word vectors: nearest neighbours and a 2-D map (`textrnn inspect embeddings`).

Training moves the vector of each word so that the task gets easier; words the model should treat
alike end up pointing the same way. Cosine similarity measures that:

    cos(u, v) = u·v / (‖u‖ ‖v‖)       1: same direction, 0: unrelated, −1: opposite

Which table is read, per task:
- classify, translate: the input embedding `model.embedding` (for an ensemble, its first member);
- tag: the word vectors of `WordFeatures` (a tagger looks words up lower-cased, digits as 0, so
  "Paris" and "paris" are one vector; its character and casing features are not in this table);
- lm: the input embedding; with a tied adaptive vocabulary (textrnn/adaptive.py) rare words'
  small vectors are projected to full size by `TiedVocabulary.embed`, as the model reads them.
Models on sentencepiece subwords (spam, translation) have vectors for pieces, not words: a word is
looked up as a word-initial piece ("▁free") first, then as a piece inside a word ("free"), and its
neighbours are pieces.
Axis letters: V vocabulary, E embedding size, N listed words.
"""

from __future__ import annotations

import difflib

import torch

from textrnn.errors import InputError, TextrnnError
from textrnn.inspect import TASKS, first_member, pca_2d

SPECIALS = 4   # every tokenizer reserves ids 0 <pad>, 1 <unk>, 2 <bos>, 3 <eos>: never neighbours
WORD_START = "▁"  # sentencepiece's mark of a piece that starts a word


class WordVectors:
    """The embedding table of a loaded model, with the model's own way of looking a word up."""

    def __init__(self, predictor):
        task = getattr(predictor, "task", None)
        if task not in TASKS:
            raise TextrnnError(f"inspect cannot read word vectors of a {task!r} model; it reads models of the "
                               f"tasks: {', '.join(TASKS)}")
        p = first_member(predictor)
        self.task, self.tokenizer, self.config = task, p.tokenizer, p.config
        model = p.model
        with torch.no_grad():
            if task == "tag":
                table = model.features.words.weight                              # (V, E)
            elif task == "lm" and model.config.tie:
                table = model.vocab.embed(torch.arange(model.config.vocab_size))  # (V, E)
            else:
                table = model.embedding.weight                                   # (V, E)
        self.table = table.detach().float()
        tk = self.tokenizer
        if tk.kind == "sentencepiece":
            self.vocab = [tk.sp.id_to_piece(i) for i in range(tk.vocab_size)]
        else:
            self.vocab = list(tk.vocab)

    def id_of(self, word: str) -> int | None:
        """The row of `word`, looked up as the model reads text; None when it has no vector of its own."""
        tk = self.tokenizer
        if self.task == "tag":
            from textrnn.embedding import word_key

            return tk.index.get(word_key(word))
        if getattr(tk, "lowercase", False):
            word = word.lower()
        if tk.kind == "sentencepiece":
            for piece in (WORD_START + word, word):
                i = tk.sp.piece_to_id(piece)
                if tk.sp.id_to_piece(i) == piece and i != tk.unk_id:
                    return i
            return None
        return tk.index.get(word)

    def ids_of(self, words: list[str]) -> list[int]:
        """Rows of `words`; an unknown word is an error that names it, with close spellings."""
        ids = [self.id_of(w) for w in words]
        missing = [w for w, i in zip(words, ids) if i is None]
        if missing:
            close = difflib.get_close_matches(missing[0].lower(), self.vocab[SPECIALS:], n=5, cutoff=0.75)
            hint = f"close spellings the model knows: {', '.join(close)}" if close else \
                "pick a word from the model's training data"
            if self.tokenizer.kind == "sentencepiece":
                hint += f" (this model's vocabulary is sentencepiece pieces; '{WORD_START}' starts a word)"
            which = "is" if len(missing) == 1 else "are"
            raise InputError(f"{', '.join(map(repr, missing))} {which} not in the model's vocabulary", hint=hint)
        return ids

    def neighbours(self, word: str, top: int = 10) -> list[tuple[str, float]]:
        """The `top` words whose vectors are closest to `word`'s by cosine similarity, most similar
        first, as (word, similarity); the word itself and the special tokens are left out."""
        if top < 1:
            raise InputError(f"--top {top}: must be at least 1")
        i = self.ids_of([word])[0]
        unit = self.table / self.table.norm(dim=1, keepdim=True).clamp_min(1e-12)   # (V, E) rows of length 1
        sims = unit @ unit[i]                                                       # (V,) cosines
        sims[:SPECIALS] = float("-inf")
        sims[i] = float("-inf")
        best = sims.topk(min(top, len(sims) - SPECIALS - 1))
        return [(self.vocab[j], float(s)) for s, j in zip(best.values.tolist(), best.indices.tolist())]

    def project(self, words: list[str]) -> dict:
        """The listed words' vectors mapped to 2-D by PCA over these words alone (the two directions
        in which they differ most). Returns {"words", "tokens", "coords": (N, 2), "explained": (2,)};
        `tokens` are the vocabulary entries actually read (lower-cased, or pieces)."""
        if len(words) < 2:
            raise InputError(f"--plot needs at least 2 words, got {len(words)}", hint="--plot london,paris,monday,friday")
        ids = self.ids_of(words)
        coords, explained = pca_2d(self.table[ids])                                 # (N, 2)
        return {"words": words, "tokens": [self.vocab[i] for i in ids], "coords": coords, "explained": explained}
