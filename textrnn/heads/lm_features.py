"""A tagger's language-model features (TagLM, Peters et al. 2017): the top states of two frozen word
language models, one reading the sentence left to right and one right to left, at each word.

    words (B, T) → forward LM states (B, T, H) ⊕ backward LM states, back in reading order (B, T, H) → (B, T, 2·H)

The language models are pretrained on unlabelled text (tools/pretrain_bilm.py --for tagger) and
never change while the tagger trains (heads/tag.py), so they carry context learned from far more
text than the tagged corpus holds.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from textrnn.heads.lm import LanguageModel, LMConfig


class LMFeatures(nn.Module):
    """Two frozen word language models (heads/lm.py) as features, TagLM-style: at word t, the forward
    model's state after reading `<eos> w_1 … w_t` and the backward model's after `<eos> w_n … w_t`
    (it was trained on text with every line reversed). `<eos>` starts a sentence because in training
    it ended the line before. The weights come from pretraining (init) and never change here."""

    EOS = 3  # the word vocabulary's <eos> id (tokenizer.py: <pad> <unk> <bos> <eos>)

    def __init__(self, config: LMConfig):
        super().__init__()
        self.fwd = LanguageModel(config)
        self.bwd = LanguageModel(config)
        self.requires_grad_(False)
        self._tables: dict[int, tuple] = {}

    def train(self, mode: bool = True):
        return super().train(False)  # frozen: no dropout, ever

    def table(self, lm: LanguageModel):
        """The model's word vectors as one (V, E) matrix: its adaptive input's clusters, projected.
        One lookup instead of one per cluster; cached, since the weights never change here (the
        cache notices if they are replaced, as `init` and loading do)."""
        v = lm.vocab
        key = tuple((p.data_ptr(), p._version) for p in (*v.tables.parameters(), *v.projections.parameters()))
        cached = self._tables.get(id(lm))
        if cached is None or cached[0] != key:
            parts = [v.tables[0].weight] + [t.weight @ proj.weight.T for t, proj in zip(v.tables[1:], v.projections)]
            cached = self._tables[id(lm)] = (key, torch.cat(parts).detach())
        return cached[1]

    def states(self, lm: LanguageModel, ids):
        """ids (B, T) → top LSTM states after each word (B, T, H), starting from <eos>."""
        start = ids.new_full((ids.size(0), 1), LMFeatures.EOS)
        x = F.embedding(torch.cat([start, ids], 1), self.table(lm))      # (B, 1+T, E)
        out, _ = lm.encoder(x, None, outputs_only=True)                   # (B, 1+T, H)
        return out[:, 1:]

    @torch.no_grad()
    def forward(self, words, lengths):
        """words (B, T), lengths (B,) → (B, T, 2H). Padding comes after each sentence, so a
        left-to-right model never reads it before a real word."""
        T = words.size(1)
        steps = torch.arange(T).unsqueeze(0)                                # (1, T)
        back = (lengths.unsqueeze(1) - 1 - steps).clamp(min=0)              # (B, T): position t ↔ n-1-t
        reversed_words = words.gather(1, back).masked_fill(steps >= lengths.unsqueeze(1), 0)
        f = self.states(self.fwd, words)                                    # (B, T, H)
        b = self.states(self.bwd, reversed_words)                           # (B, T, H), reversed order
        b = b.gather(1, back.unsqueeze(2).expand(-1, -1, b.size(2)))        # back in reading order
        return torch.cat([f, b], 2)
