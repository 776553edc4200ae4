"""A linear-chain conditional random field over tag sequences (Lafferty et al. 2001), as used on
top of a BiLSTM by Huang et al. 2015 and Lample et al. 2016.

A softmax tagger picks each tag on its own; a CRF scores whole tag sequences:

    score(y) = start[y_1] + Σ_t emit[t, y_t] + Σ_t trans[y_{t-1}, y_t] + end[y_T]
    p(y | x) = exp(score(y)) / Z,   Z = Σ over all C^T sequences y' of exp(score(y'))

so it learns that I-PER follows B-PER or I-PER and never O. Z is summed by the forward algorithm
in O(T·C²), and the best sequence is found by Viterbi, both vectorized over the batch: the only
Python loop is over time.

Transitions a BIO scheme forbids (O → I-X, B-X → I-Y, start → I-X) get a fixed score of -10000,
in training and decoding alike, so decoded sequences are always well formed.

Shapes: B batch, T time, C tags. `mask` (B, T) is True at real tokens, which form a prefix.
"""

from __future__ import annotations

import torch
from torch import nn

FORBIDDEN = -10000.0


def bio_constraints(labels: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Allowed transitions for BIO tags: (C, C) matrix [from, to] and (C,) allowed starts, as bools."""
    C = len(labels)
    allowed = torch.ones(C, C, dtype=torch.bool)
    start = torch.ones(C, dtype=torch.bool)
    for j, to in enumerate(labels):
        if not to.startswith("I-"):
            continue
        start[j] = False  # a sentence cannot begin inside an entity
        for i, frm in enumerate(labels):
            allowed[i, j] = frm[2:] == to[2:] and frm[:2] in ("B-", "I-")
    return allowed, start


class CRF(nn.Module):
    def __init__(self, num_tags: int, allowed: torch.Tensor | None = None, allowed_start: torch.Tensor | None = None):
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))   # (C, C) [from, to]
        self.start = nn.Parameter(torch.zeros(num_tags))                    # (C,)
        self.end = nn.Parameter(torch.zeros(num_tags))                      # (C,)
        # Penalties for forbidden moves: buffers, not parameters (they are never learned).
        no = torch.zeros(num_tags, num_tags)
        if allowed is not None:
            no = no.masked_fill(~allowed, FORBIDDEN)
        no_start = torch.zeros(num_tags)
        if allowed_start is not None:
            no_start = no_start.masked_fill(~allowed_start, FORBIDDEN)
        self.register_buffer("penalty", no, persistent=False)
        self.register_buffer("start_penalty", no_start, persistent=False)

    def _scores(self):
        return self.transitions + self.penalty, self.start + self.start_penalty

    def nll(self, emissions, tags, mask):
        """Negative log-likelihood of the gold `tags` (B, T), summed over the batch.

        emissions (B, T, C) are the encoder's per-token tag scores.
        """
        trans, start = self._scores()
        return (self.log_partition(emissions, mask, trans, start)
                - self.path_score(emissions, tags, mask, trans, start)).sum()

    def path_score(self, emissions, tags, mask, trans, start):
        """score(y) of the gold sequences: (B,)."""
        B, T, _ = emissions.shape
        m = mask.to(emissions.dtype)                                               # (B, T)
        emit = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)                   # (B, T)
        moves = trans[tags[:, :-1], tags[:, 1:]]                                   # (B, T-1)
        score = start[tags[:, 0]] + (emit * m).sum(1) + (moves * m[:, 1:]).sum(1)  # (B,)
        last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)           # (B,) last real tag
        return score + self.end[last]

    def log_partition(self, emissions, mask, trans, start):
        """log Z by the forward algorithm: alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + trans[i, j]) + emit_t[j]."""
        alpha = start + emissions[:, 0]                                            # (B, C)
        for t in range(1, emissions.size(1)):
            step = alpha.unsqueeze(2) + trans + emissions[:, t].unsqueeze(1)       # (B, C_from, C_to)
            alpha = torch.where(mask[:, t].unsqueeze(1), step.logsumexp(1), alpha)  # padded steps keep alpha
        return (alpha + self.end).logsumexp(1)                                     # (B,)

    @torch.no_grad()
    def decode(self, emissions, mask) -> list[list[int]]:
        """Viterbi: the highest-scoring tag sequence of each sentence (lists of its real length)."""
        trans, start = self._scores()
        B, T, C = emissions.shape
        best = start + emissions[:, 0]                                             # (B, C)
        stay = torch.arange(C).expand(B, C)                                        # backpointer at padded steps
        pointers = []
        for t in range(1, T):
            step = best.unsqueeze(2) + trans                                       # (B, C_from, C_to)
            value, arg = step.max(1)                                               # (B, C)
            m = mask[:, t].unsqueeze(1)
            best = torch.where(m, value + emissions[:, t], best)
            pointers.append(torch.where(m, arg, stay))
        tag = (best + self.end).argmax(1)                                          # (B,)
        path = [tag]
        for arg in reversed(pointers):                                             # padded steps pass the tag through
            tag = arg.gather(1, tag.unsqueeze(1)).squeeze(1)
            path.append(tag)
        tags = torch.stack(path[::-1], 1).tolist()                                 # (B, T)
        lengths = mask.sum(1).tolist()
        return [row[:n] for row, n in zip(tags, lengths)]
