"""Word representations for taggers: a word vector, a character-level vector and a casing feature.

    words (B, T) ─────► word embedding (B, T, E)     lower-cased, digits → 0: "Paris" = "paris"
    spellings (U, W) ─► char-CNN, max over W (U, F)  spelling: "-ing", "Mc…", capitals, digits
      spelling_ids (B, T) pick each token's row → (B, T, F)
    casings (B, T) ───► casing embedding (B, T, S)   lower / Title / UPPER / mixed / digits / other

concatenated to (B, T, E + F + S). The char-CNN (Ma & Hovy 2016) gives a word never seen in
training a useful vector from its spelling, which is why taggers with character features beat
word-only ones by several points on unseen words (Lample et al. 2016; Plank et al. 2016).

The char-CNN runs once per *distinct* word of the batch (U of them, row 0 the padding word): words
repeat a lot ("the", ","), so this is cheaper than running it on all B·T tokens. W is the number
of characters kept per word: long words keep their first and last `W/2` characters (prefixes and
suffixes carry the signal).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import torch
from torch import nn

CHAR_ENCODERS = ("cnn", "bilstm")
CHAR_SPLITS = ("none", "jamo")
CASINGS = ("pad", "lower", "title", "upper", "mixed", "digits", "has_digit", "other")
_DIGIT = re.compile(r"\d")


def word_key(word: str) -> str:
    """The form looked up in the word vocabulary: composed (NFC: decomposed Hangul letters read as
    their syllables), lower-cased, every digit 0 ("1996" → "0000")."""
    return _DIGIT.sub("0", unicodedata.normalize("NFC", word).lower())


def casing(word: str) -> int:
    """Index into CASINGS of the word's capitalisation pattern."""
    if word.isdigit():
        return 5
    if any(c.isdigit() for c in word):
        return 6
    if not any(c.isalpha() for c in word):
        return 7
    if word.islower():
        return 1
    if word.isupper():
        return 3
    if word[0].isupper() and (word[1:].islower() or not any(c.isalpha() for c in word[1:])):
        return 2
    return 4


def spelled(word: str, split: str = "none") -> str:
    """The characters the character encoder reads. `jamo`: Hangul syllables decomposed into their
    letters (Unicode NFD), so the endings fused into a syllable show: 가까운 = 가깝 + ㄴ reads
    ᄀ ᅡ ᄁ ᅡ ᄋ ᅮ ᆫ, and the final ᆫ marks the adnominal ending."""
    return unicodedata.normalize("NFD", word) if split == "jamo" else word


def clip_word(word: str, width: int) -> str:
    """At most `width` characters: the first and last width/2 of a long word."""
    if len(word) <= width:
        return word
    half = width // 2
    return word[:half] + word[-(width - half):]


@dataclass(frozen=True)
class WordFeaturesConfig:
    vocab_size: int                # word vocabulary (lower-cased forms)
    char_vocab_size: int           # character vocabulary
    word_dim: int = 100            # E
    char_dim: int = 30             # size of each character's vector
    char_filters: int = 50         # F: char-CNN output size (0 turns character features off)
    char_width: int = 3            # characters each filter sees
    casing_dim: int = 8            # S (0 turns the casing feature off)
    char_encoder: str = "cnn"      # cnn: n-gram filters, max over the word | bilstm: the last states of a
                                   # character BiLSTM each way (Lample et al. 2016): it knows where in
                                   # the word a character stands (prefix, suffix)

    @property
    def output_size(self) -> int:
        return self.word_dim + self.char_filters + self.casing_dim


class WordFeatures(nn.Module):
    def __init__(self, config: WordFeaturesConfig):
        super().__init__()
        self.config = config
        self.words = nn.Embedding(config.vocab_size, config.word_dim, padding_idx=0)
        if config.char_filters:
            self.chars = nn.Embedding(config.char_vocab_size, config.char_dim, padding_idx=0)
            if config.char_encoder == "bilstm":
                self.char_rnn = nn.LSTM(config.char_dim, config.char_filters // 2, batch_first=True,
                                        bidirectional=True)
            else:
                self.conv = nn.Conv1d(config.char_dim, config.char_filters, config.char_width,
                                      padding=config.char_width // 2)
        if config.casing_dim:
            self.casing = nn.Embedding(len(CASINGS), config.casing_dim, padding_idx=0)

    def forward(self, words, spellings, spelling_ids, casings):
        """words (B, T), spellings (U, W), spelling_ids (B, T), casings (B, T) → (B, T, E + F + S)."""
        parts = [self.words(words)]                                # (B, T, E)
        if self.config.char_filters and self.config.char_encoder == "bilstm":
            parts.append(self.char_states(spellings)[spelling_ids])  # (B, T, F)
        elif self.config.char_filters:
            c = self.chars(spellings).transpose(1, 2)              # (U, char_dim, W)
            h = self.conv(c)                                       # (U, F, W)
            # padding characters must not win the max: push them to -inf first
            h = h.masked_fill((spellings == 0).unsqueeze(1), float("-inf")).max(2).values  # (U, F)
            h = torch.tanh(torch.nan_to_num(h, neginf=0.0))        # the padding word has no characters: 0
            parts.append(h[spelling_ids])                          # (B, T, F)
        if self.config.casing_dim:
            parts.append(self.casing(casings))                     # (B, T, S)
        return torch.cat(parts, 2)

    def char_states(self, spellings):
        """spellings (U, W) → (U, F): the character BiLSTM's last forward state (after the word's last
        character) beside its last backward state (after reading back to the first)."""
        from torch.nn.utils.rnn import pack_padded_sequence

        lengths = (spellings > 0).sum(1)                           # (U,) the padding word: 0
        packed = pack_padded_sequence(self.chars(spellings), lengths.clamp(min=1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, (h, _) = self.char_rnn(packed)                          # h (2, U, F/2)
        h = torch.cat([h[0], h[1]], 1)                             # (U, F)
        return h.masked_fill((lengths == 0).unsqueeze(1), 0.0)
