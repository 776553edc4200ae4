"""The input embedding and the output softmax as one tied, adaptive vocabulary.

Weight tying (Press & Wolf 2017; Inan et al. 2017): a language model's output layer scores token
w with the same vector that embeds w at the input — fewer parameters, lower perplexity.

Adaptive softmax (Grave et al. 2017) with a tied adaptive input (Baevski & Auli 2019): with a
vocabulary sorted by frequency (the word tokenizer sorts it so), `cutoffs` split it into clusters

    cluster 0: ranks [0, c1)      vectors of size E        scored at every step (the "head")
    cluster 1: ranks [c1, c2)     vectors of size E/div    scored only when the target is in it
    cluster 2: ranks [c2, V)      vectors of size E/div²   ...

The head scores cluster 0's words plus one entry per further cluster; a rare word's probability
is P(its cluster) · P(word | cluster). Most running words are frequent, so most steps never touch
the big tails: with the `wikitext2` sizes, training runs 5.2× faster than with the full 33k softmax
(`python tools/bench_lm.py`, docs/BENCHMARKS.md).
Axis letters as in encoder.py; N is a number of positions (batch × time, flattened).
"""

from __future__ import annotations

import torch
from torch import nn


class TiedVocabulary(nn.Module):
    """Input embedding and output layer in one: cluster k holds the vectors of the words whose
    frequency ranks lie in [bounds[k], bounds[k+1]), of size E / div^k, projected to E.

    `embed(ids)` (B, T) → (B, T, E); `nll(h, targets)` (N, E), (N,) → (N,) nats;
    `log_probs(h)` (N, E) → (N, V). One cluster and no projection: the plain tied softmax.
    """

    def __init__(self, vocab_size: int, dim: int, cutoffs: tuple[int, ...] = (), div: float = 4.0):
        super().__init__()
        self.bounds = (0, *cutoffs, vocab_size)
        self.dims = [max(1, int(dim // div ** k)) for k in range(len(self.bounds) - 1)]
        self.tables = nn.ModuleList(nn.Embedding(b - a, d) for a, b, d in zip(self.bounds, self.bounds[1:], self.dims))
        # cluster k > 0: a projection between its small vectors and the model's size E, used both ways
        self.projections = nn.ModuleList(nn.Linear(d, dim, bias=False) for d in self.dims[1:])
        self.bias = nn.Parameter(torch.zeros(vocab_size))
        # the head scores cluster 0's words and one entry per further cluster
        self.cluster_logits = nn.Linear(dim, len(self.dims) - 1) if len(self.dims) > 1 else None
        for t, d in zip(self.tables, self.dims):
            nn.init.normal_(t.weight, std=d ** -0.5)

    def embed(self, ids):
        if len(self.tables) == 1:
            return self.tables[0](ids)                                       # (B, T, E)
        out = ids.new_zeros(*ids.shape, self.dims[0], dtype=self.tables[0].weight.dtype)
        for k, (a, b) in enumerate(zip(self.bounds, self.bounds[1:])):
            mask = (ids >= a) & (ids < b)
            if mask.any():
                v = self.tables[k](ids[mask] - a)                             # (n, d_k)
                out[mask] = v if k == 0 else self.projections[k - 1](v)       # (n, E)
        return out

    def _head(self, h):
        logits = h @ self.tables[0].weight.T + self.bias[: self.bounds[1]]    # (N, V_0)
        if self.cluster_logits is not None:
            logits = torch.cat([logits, self.cluster_logits(h)], 1)          # (N, V_0 + K-1)
        return logits.log_softmax(1)

    def _tail(self, h, k):
        """Log-probabilities within cluster k > 0: (n, E) → (n, V_k)."""
        a, b = self.bounds[k], self.bounds[k + 1]
        small = h @ self.projections[k - 1].weight                            # (n, d_k)
        return (small @ self.tables[k].weight.T + self.bias[a:b]).log_softmax(1)

    def nll(self, h, targets):
        """Negative log-likelihood of each target: h (N, E), targets (N,) → (N,)."""
        head = self._head(h)                                                  # (N, V_0 + K-1)
        v0 = self.bounds[1]
        out = -head.gather(1, targets.clamp(max=v0 - 1).unsqueeze(1)).squeeze(1)
        for k in range(1, len(self.tables)):
            a, b = self.bounds[k], self.bounds[k + 1]
            rows = ((targets >= a) & (targets < b)).nonzero().squeeze(1)
            if len(rows):
                tail = self._tail(h[rows], k)                                 # (n, V_k)
                lp = head[rows, v0 + k - 1] + tail.gather(1, (targets[rows] - a).unsqueeze(1)).squeeze(1)
                out = out.index_put((rows,), -lp)
        return out

    def log_probs(self, h):
        """Every token's log-probability: (N, E) → (N, V)."""
        head = self._head(h)
        v0 = self.bounds[1]
        parts = [head[:, :v0]]
        for k in range(1, len(self.tables)):
            parts.append(head[:, v0 + k - 1: v0 + k] + self._tail(h, k))
        return torch.cat(parts, 1)
