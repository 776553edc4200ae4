"""Beam search on a toy model whose probabilities are written out by hand."""

import math

import torch

from textrnn.decode import beam_search, length_penalty

BOS, EOS = 2, 3


class Table:
    """A 'decoder' whose next-token log-probabilities depend only on the previous token:
    table[prev] is a (V,) vector. Its state is the previous token; memory is unused."""

    def __init__(self, table):
        self.table = torch.log(torch.tensor(table))              # (V, V) rows: previous token

    def encode(self, src, lengths):
        return {"n": src.size(0)}

    def repeat(self, memory, k):
        return {"n": memory["n"] * k}

    def start(self, memory):
        return torch.zeros(memory["n"], dtype=torch.long)

    def step(self, y, state, memory):
        return self.table[y], y, torch.ones(len(y), 1)

    def select(self, state, idx):
        return state[idx]


# tokens 0 pad, 1 unk, 2 bos, 3 eos, 4 "a", 5 "b"
# After <bos>: "a" 0.6, "b" 0.4. After "a": <eos> 0.3, "a" 0.35, "b" 0.35 — after "b": <eos> 0.9.
# Greedy: a, then <eos> is not the argmax... a a ... — beam finds "b <eos>" (0.4·0.9 = 0.36) beating
# "a <eos>" (0.6·0.3 = 0.18).
TABLE = [
    [0.01, 0.01, 0.01, 0.01, 0.48, 0.48],
    [0.01, 0.01, 0.01, 0.01, 0.48, 0.48],
    [1e-6, 1e-6, 1e-6, 1e-6, 0.6, 0.4 - 4e-6],
    [0.01, 0.01, 0.01, 0.01, 0.48, 0.48],
    [1e-6, 1e-6, 1e-6, 0.3, 0.35, 0.35 - 4e-6],
    [1e-6, 1e-6, 1e-6, 0.9, 0.05, 0.05 - 4e-6],
]


def run(beam, n=1, alpha=0.0, max_len=6):
    src = torch.zeros(n, 1, dtype=torch.long)
    return beam_search(Table(TABLE), src, torch.ones(n, dtype=torch.long), beam=beam, max_len=max_len,
                       bos=BOS, eos=EOS, alpha=alpha, keep_attention=True)


def test_beam_finds_the_more_probable_sentence_greedy_misses():
    greedy = run(1)[0]
    assert greedy.tokens[0] == 4                                   # greedy commits to "a"
    best = run(3)[0]
    assert best.tokens == [5] and math.isclose(best.score, math.log(0.4 * 0.9), rel_tol=1e-4)
    assert best.score > greedy.score


def test_batched_sentences_decode_independently():
    one = run(3)[0]
    many = run(3, n=4)
    assert all(h.tokens == one.tokens and math.isclose(h.score, one.score, rel_tol=1e-6) for h in many)


def test_max_len_ends_every_hypothesis_and_attention_has_a_row_per_token():
    h = run(1, max_len=3)[0]
    assert len(h.tokens) <= 2
    assert h.attention.shape == (len(h.tokens) + 1, 1)


def test_length_penalty_is_gnmt():
    assert length_penalty(1, 0.0) == 1.0
    assert math.isclose(length_penalty(7, 1.0), 2.0)
