"""Decoding: write the target one token at a time — greedy, or batched beam search.

A decoder model offers
    memory = model.encode(src (B, S), lengths (B,))    what every step looks back at (batch first)
    memory = model.repeat(memory, K)                    each sentence K times: (B·K, ...)
    state  = model.start(memory)
    logp, state, weights = model.step(y (N,), state, memory)
                                                        log-probabilities (N, V), attention (N, S)
    state  = model.select(state, idx (N,))              keep/reorder rows of the state

Beam search (batched: all B sentences × K hypotheses advance together as one (B·K) batch):
1. every live hypothesis is extended by every token: score + log p(token)          (B, K, V)
2. the 2K best extensions per sentence are ranked; those ending in `<eos>` among the top K are
   finished (scored with a length penalty, below); the best K that do not end are kept alive;
3. a sentence is done once it has K finished hypotheses, or at `max_len`; its best finished one
   (by normalised score) is the output.

Length penalty (Wu et al. 2016, GNMT): a finished hypothesis of n tokens scores
log P / ((5 + n) / 6)^α. Without it (α = 0) beam search prefers short outputs, because every extra
token only lowers log P. K = 1 is greedy decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Hypothesis:
    tokens: list[int]              # without <bos> and <eos>
    score: float                   # length-normalised log-probability
    attention: torch.Tensor | None  # (n + 1, S): one row per output token and <eos>


def length_penalty(n: int, alpha: float) -> float:
    return ((5 + n) / 6) ** alpha


@torch.inference_mode()
def beam_search(model, src, lengths, *, beam: int, max_len: int, bos: int, eos: int,
                alpha: float = 1.0, keep_attention: bool = False) -> list[Hypothesis]:
    """src (B, S), lengths (B,) → the best hypothesis per sentence, in input order."""
    B, K = src.size(0), beam
    memory = model.repeat(model.encode(src, lengths), K)          # (B·K, ...)
    state = model.start(memory)
    y = torch.full((B * K,), bos, dtype=torch.long)
    scores = torch.zeros(B, K)
    scores[:, 1:] = float("-inf")                                  # all K beams start identical: keep one
    tokens = torch.empty(B * K, 0, dtype=torch.long)              # (B·K, t)
    attn = torch.empty(B * K, 0, src.size(1)) if keep_attention else None
    finished: list[list[Hypothesis]] = [[] for _ in range(B)]
    done = torch.zeros(B, dtype=torch.bool)
    base = (torch.arange(B) * K).unsqueeze(1)                      # (B, 1) first row of each sentence

    for t in range(max_len):
        logp, state, weights = model.step(y, state, memory)       # (B·K, V), (B·K, S)
        V = logp.size(1)
        logp = logp.float()
        if t == max_len - 1:                                       # out of room: everything ends here
            logp = torch.full_like(logp, float("-inf"))
            logp[:, eos] = 0
        cand = scores.unsqueeze(2) + logp.view(B, K, V)            # (B, K, V)
        top, flat = cand.view(B, K * V).topk(min(2 * K, K * V), dim=1)  # (B, 2K)
        src_beam, tok = flat // V, flat % V                        # (B, 2K)
        rows = base + src_beam                                     # (B, 2K) rows of (B·K)
        is_eos = tok == eos

        # finished: <eos> among the top K candidates, with a finite score, of a sentence not yet done
        for b, j in (is_eos[:, :K] & top[:, :K].isfinite() & ~done.unsqueeze(1)).nonzero().tolist():
            r, n = rows[b, j].item(), tokens.size(1)
            a = torch.cat([attn[r], weights[r: r + 1]]) if keep_attention else None
            finished[b].append(Hypothesis(tokens[r].tolist(), top[b, j].item() / length_penalty(n + 1, alpha), a))
        done |= torch.tensor([len(f) >= K for f in finished])
        if bool(done.all()):
            break

        # alive: the K best candidates that do not end (2K candidates always hold K of them)
        rank = torch.arange(top.size(1)).expand_as(top) + is_eos * top.size(1)
        keep = rank.topk(K, dim=1, largest=False).indices          # (B, K)
        scores = top.gather(1, keep)                               # (B, K)
        sel = rows.gather(1, keep).view(-1)                        # (B·K,)
        y = tok.gather(1, keep).view(-1)
        tokens = torch.cat([tokens[sel], y.unsqueeze(1)], 1)       # (B·K, t+1)
        if keep_attention:
            attn = torch.cat([attn[sel], weights[sel].unsqueeze(1)], 1)
        state = model.select(state, sel)
    return [max(f, key=lambda h: h.score) for f in finished]
