"""Attention: at each decoder step, a weighted look back over the encoder's outputs.

    scores  e_s = score(q, k_s)              for every source position s      (B, S)
    weights α   = softmax(e) over real (unpadded) positions                    (B, S)
    context c   = Σ_s α_s · v_s                                                (B, V_dim)

`q` is the decoder's state (B, Q); `v_s` the encoder's outputs (B, S, 2D). Scores, chosen by name:
- `additive` (Bahdanau et al. 2015):   e_s = wᵀ tanh(W_q q + W_k v_s)
- `general`  (Luong et al. 2015):      e_s = qᵀ W v_s
- `dot`      (Luong et al. 2015):      e_s = qᵀ v_s          (needs Q = 2D)

The keys (`W_k v_s`, `W v_s`) depend only on the source, so `keys()` computes them once per
sentence and every decoder step reuses them.
"""

from __future__ import annotations

import torch
from torch import nn

from textrnn.errors import ConfigError, choose

SCORES = ("additive", "general", "dot")


class Attention(nn.Module):
    def __init__(self, score: str, query_size: int, value_size: int, attention_size: int | None = None):
        super().__init__()
        choose("attention", score, SCORES)
        self.score = score
        if score == "additive":
            A = attention_size or query_size
            self.key = nn.Linear(value_size, A, bias=False)       # W_k
            self.query = nn.Linear(query_size, A)                 # W_q
            self.v = nn.Linear(A, 1, bias=False)                  # w
        elif score == "general":
            self.key = nn.Linear(value_size, query_size, bias=False)  # W
        elif query_size != value_size:
            raise ConfigError(f"dot attention needs the decoder size ({query_size}) to equal the encoder's "
                              f"output size ({value_size})", hint="choose attention = \"general\" or \"additive\"")

    def keys(self, values):
        """values (B, S, 2D) → keys (B, S, A or Q), computed once per source."""
        return values if self.score == "dot" else self.key(values)

    def forward(self, query, keys, values, mask):
        """query (B, Q), keys (B, S, ·), values (B, S, 2D), mask (B, S) True at real positions
        → context (B, 2D), weights (B, S)."""
        if self.score == "additive":
            e = self.v(torch.tanh(self.query(query).unsqueeze(1) + keys)).squeeze(2)   # (B, S)
        else:
            e = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)                          # (B, S)
        weights = e.masked_fill(~mask, float("-inf")).softmax(1)                         # (B, S)
        context = torch.bmm(weights.unsqueeze(1), values).squeeze(1)                     # (B, 2D)
        return context, weights
