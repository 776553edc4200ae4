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
