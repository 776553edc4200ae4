"""Each step function equals torch's own cell with the same weights."""

import pytest
import torch
from torch import nn

from textrnn.cells import gru_step, lstm_step, rnn_step


@pytest.mark.parametrize("name", ["rnn", "gru", "lstm"])
def test_step_equals_torch_cell(name):
    torch.manual_seed(0)
    cell = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}[name](4, 3).double()
    x, h, c = (torch.randn(2, n, dtype=torch.float64) for n in (4, 3, 3))
    w = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    if name == "lstm":
        (h1, c1), gates = lstm_step(x, (h, c), *w)
        h2, c2 = cell(x, (h, c))
        torch.testing.assert_close(c1, c2)
        assert 0 < gates["forget"].min() and gates["forget"].max() < 1
    else:
        h1, gates = (rnn_step if name == "rnn" else gru_step)(x, h, *w)
        h2 = cell(x, h)
    torch.testing.assert_close(h1, h2)


@pytest.mark.parametrize("name", ["gru", "lstm"])
def test_candidate_is_exposed_on_request_only(name):
    """lstm_step's g_t and gru_step's n_t, recomputed from the equations, with candidate=True; the
    default dict (what the encoder stacks) is unchanged."""
    torch.manual_seed(0)
    cell = {"gru": nn.GRUCell, "lstm": nn.LSTMCell}[name](4, 3).double()
    x, h, c = (torch.randn(2, n, dtype=torch.float64) for n in (4, 3, 3))
    w = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    gi, gh = x @ w[0].T + w[2], h @ w[1].T + w[3]
    if name == "lstm":
        _, plain = lstm_step(x, (h, c), *w)
        new, seen = lstm_step(x, (h, c), *w, candidate=True)
        assert set(plain) == {"input", "forget", "output", "cell"}
        g = torch.tanh((gi + gh).chunk(4, 1)[2])                            # (B, D) torch's order i, f, g, o
        torch.testing.assert_close(seen["candidate"], g)
        torch.testing.assert_close(new[1], seen["forget"] * c + seen["input"] * g)
    else:
        _, plain = gru_step(x, h, *w)
        new, seen = gru_step(x, h, *w, candidate=True)
        assert set(plain) == {"reset", "update"}
        n = torch.tanh(gi.chunk(3, 1)[2] + seen["reset"] * gh.chunk(3, 1)[2])   # r applied after W_hn
        torch.testing.assert_close(seen["candidate"], n)
        torch.testing.assert_close(new, (1 - seen["update"]) * n + seen["update"] * h)   # update = 1 keeps the past
