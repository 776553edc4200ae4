"""Recurrent cells written step by step from their equations — the version to read and change.

These are the equations of torch.nn.RNN / GRU / LSTM, with the same parameter names and shapes,
so a model trained with the fast fused kernels loads into these cells and gives the same numbers
(`textrnn.encoder.Encoder(config, impl="reference")`). Axis letters: B batch, I input size,
D hidden size, G number of gates (RNN 1, GRU 3, LSTM 4).

Each cell computes one time step. `W_ih` (G·D, I) multiplies the input, `W_hh` (G·D, D) the
previous hidden state; torch stacks the gates' rows in one matrix, so one matrix product computes
every gate's pre-activation, and `chunk` splits them.
"""

from __future__ import annotations

import torch
from torch import Tensor


def rnn_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> tuple[Tensor, dict]:
    """Elman RNN:  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    x (B, I), h (B, D) → h_t (B, D), and {} (a plain RNN has no gates).
    """
    h_new = torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # (B, D)
    return h_new, {}


def gru_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor,
             candidate: bool = False) -> tuple[Tensor, dict]:
    """Gated recurrent unit (Cho et al. 2014), in torch's formulation (gate order r, z, n):

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))  candidate state
        h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Two conventions to know before comparing with a book:
    - update gate: here z_t = 1 keeps the past (h_t = h_{t-1}) and z_t = 0 takes the candidate.
      Cho et al. write it the same way, but many textbooks and blogs (Chung et al. 2014, the
      Wikipedia article, Olah's "Understanding LSTMs") write h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ n_t,
      where z_t = 1 takes the candidate: the same model with the gate read the other way round.
    - reset gate: here (torch, cuDNN) r_t multiplies W_hn h_{t-1} + b_hn, after the matrix
      product; Cho et al. reset the state before it, n_t = tanh(W_in x_t + W_hn (r_t ⊙ h_{t-1})).
      That is a different function: weights trained one way do not give the same numbers the other.

    x (B, I), h (B, D) → h_t (B, D) and the gates {"reset": r_t, "update": z_t}, each (B, D);
    with `candidate=True` the dict also holds "candidate" n_t (B, D), for inspection.
    """
    gi = x @ w_ih.T + b_ih                                  # (B, 3D)
    gh = h @ w_hh.T + b_hh                                  # (B, 3D)
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)                            # (B, D) how much of the past feeds the candidate
    z = torch.sigmoid(i_z + h_z)                            # (B, D) how much of the past is kept as it was
    n = torch.tanh(i_n + r * h_n)                           # (B, D) the candidate: r applied after W_hn
    h_new = (1 - z) * n + z * h                             # (B, D) z = 1 keeps the past
    return h_new, ({"reset": r, "update": z, "candidate": n} if candidate else {"reset": r, "update": z})


def lstm_step(x: Tensor, state: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor,
              candidate: bool = False) -> tuple[tuple[Tensor, Tensor], dict]:
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000),
    in torch's gate order i, f, g, o:

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)          input gate
        f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)          forget gate
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)       candidate cell values
        o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)          output gate
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                         the cell state: a sum, so gradients flow
        h_t = o_t ⊙ tanh(c_t)

    x (B, I), state (h_{t-1}, c_{t-1}) each (B, D) → two things:
    - the new state (h_t, c_t), each (B, D), which the next step reads;
    - a dict of what the step computed on the way, each (B, D): "input" i_t, "forget" f_t and
      "output" o_t (the three gates, in (0, 1)) and "cell" c_t (the new cell state again, for
      inspection); with `candidate=True` also "candidate" g_t, the values offered to the cell,
      in (−1, 1). (Off by default: the encoder stacks every entry over time, and g_t is needed
      only to look at it.)
    """
    h, c = state
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh           # (B, 4D)
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g                                   # (B, D)
    h_new = o * torch.tanh(c_new)                           # (B, D)
    seen = {"input": i, "forget": f, "output": o, "cell": c_new}
    if candidate:
        seen["candidate"] = g
    return (h_new, c_new), seen


# What a step returns besides its gates: values to inspect, but not gates (no 0-closed/1-open reading).
NOT_GATES = ("candidate", "cell")

# cell name → (step function, number of gates G, whether the state is an (h, c) pair)
STEPS = {"rnn": (rnn_step, 1, False), "gru": (gru_step, 3, False), "lstm": (lstm_step, 4, True)}
