"""The shared encoder: RNN, GRU or LSTM cells, one or two directions, stacked.

Axis letters used in shape comments throughout textrnn:
    B batch   T time steps   I input size   D hidden size (per direction)
    L layers  K directions (1 or 2)   E embedding size   C classes   V vocabulary

Every task head reads text through this one module:

    outputs, state = Encoder(config)(x, lengths)    # x (B, T, I), batch first
    outputs, state = encoder(x, lengths, state)     # start from a given state (a language model
                                                    # carries it from one window of text to the next)
    outputs: (B, T, D·K) — zeros at padded steps (t >= length)
    state:   (L·K, B, D) ordered like torch's h_n (layer 0 forward, layer 0 backward, layer 1 ...),
             each taken at the sequence's real last step; for an LSTM a pair (h, c)

`impl="fused"` runs torch's fused kernels (fast); `impl="reference"` runs the step-by-step cells of
`textrnn/cells.py` (for learning and inspecting gates). Both hold the same parameters under the
same names (`rnn.weight_ih_l0`, `rnn.weight_hh_l0_reverse`, ...), so one state_dict loads into
either, and they give the same numbers.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from textrnn.cells import STEPS
from textrnn.errors import ConfigError, choose

FUSED = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
IMPLS = ("fused", "reference")


@dataclass(frozen=True)
class EncoderConfig:
    cell: str                      # rnn | gru | lstm: gated cells (gru, lstm) keep gradients alive over long spans
    input_size: int                # I: size of each input vector (the embedding size)
    hidden_size: int               # D: state size per direction
    num_layers: int = 1            # L: stacked layers, each reading the outputs of the one below
    bidirectional: bool = False    # K = 2: a second layer reads right to left; outputs are concatenated
    dropout: float = 0.0           # between stacked layers (not after the top one), as in torch
    impl: str = "fused"            # fused (torch kernels) | reference (cells.py, step by step)

    def __post_init__(self):
        choose("cell", self.cell, FUSED)
        choose("impl", self.impl, IMPLS)
        for name in ("input_size", "hidden_size", "num_layers"):
            if getattr(self, name) < 1:
                raise ConfigError(f"encoder {name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"encoder dropout must be in [0, 1), got {self.dropout}")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        return self.hidden_size * self.directions


class Encoder(nn.Module):
    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        if config.impl == "fused":
            self.rnn = FUSED[config.cell](
                config.input_size, config.hidden_size, num_layers=config.num_layers, batch_first=True,
                bidirectional=config.bidirectional, dropout=config.dropout if config.num_layers > 1 else 0.0,
            )
        else:
            self.rnn = ReferenceRNN(config)

    def forward(self, x, lengths=None, state=None, outputs_only: bool = False):
        """x (B, T, I), lengths (B,) or None, initial state (L·K, B, D) or (h, c) or None (zeros)
        → outputs (B, T, D·K), final state (L·K, B, D) or (h, c).

        `outputs_only=True` says the caller ignores the final state (the taggers, the segmenter, a
        classifier that pools over the outputs): a bfloat16 network predicting then may take the faster
        padded path (`padded_directions`), and then the state it returns is None.

        Inputs and outputs keep the caller's dtype: a recurrent layer in bfloat16 (a predictor's
        runner, runtime.prediction_model) gets its input cast, and its outputs and state cast back."""
        dtype = self.rnn_dtype()
        if x.dtype == dtype:
            return self._run(x, lengths, state, outputs_only)
        outer = x.dtype
        state = None if state is None else _cast(state, dtype)
        outputs, state = self._run(x.to(dtype), lengths, state, outputs_only)
        return outputs.to(outer), None if state is None else _cast(state, outer)

    def rnn_dtype(self):
        return next(self.rnn.parameters()).dtype

    def _run(self, x, lengths, state, outputs_only: bool):
        if self.config.impl == "reference":
            return self.rnn(x, lengths, state=state)
        T = x.size(1)
        if T == 1 and lengths is None:   # one step at a time (generation, decoding)
            with one_step_kernels():
                return self.rnn(x, state)
        if outputs_only and state is None and x.dtype == torch.bfloat16 and not self.training \
                and self.rnn.bias and not getattr(self.rnn, "proj_size", 0):
            full = torch.full((x.size(0),), T) if lengths is None else lengths
            return padded_directions(self.rnn, x, full), None
        # No packing when every sequence fills the batch: packing then costs 5–17 % for nothing.
        if lengths is None or bool((lengths == T).all()):
            return self.rnn(x, state)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, state = self.rnn(packed, state)  # state comes back in the batch's own order
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=T)  # (B, T, D·K)
        return outputs, state

    def last_hidden(self, state):
        """The top layer's final hidden state, both directions concatenated: (B, D·K)."""
        h = state[0] if isinstance(state, tuple) else state        # (L·K, B, D)
        K = self.config.directions
        return torch.cat(list(h[-K:]), dim=1)                       # (B, D·K)


def _cast(state, dtype):
    """A final state, (L·K, B, D) or (h, c), in `dtype`."""
    return tuple(t.to(dtype) for t in state) if isinstance(state, tuple) else state.to(dtype)


@contextmanager
def one_step_kernels():
    """Run torch's recurrent modules without oneDNN inside this block. oneDNN's RNN kernels pay about
    1.8 ms per call to set up (measured here: a 2-layer LSTM 512 at batch 1): worth it over a whole
    sequence (1.6× faster on 256 steps), but most of the time of a single step — generating with
    oneDNN ran 470 characters/s, without it 1,370."""
    was = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = was


# oneDNN compiles a kernel for each input shape it meets and keeps up to 1,024 of them, each with
# its own memory. The padded path pads its steps up to a multiple of this, and its rows as
# row_bucket says, so it meets few shapes, at the cost of a few padded steps and rows per batch:
# a segmenter given a server's mix of batch sizes grew from 383 to 568 MB in a minute with the rows
# as they came, and stayed near 400 MB with them rounded up (docs/BENCHMARKS.md, "Serving").
STEP_BUCKET = 16


def padded_directions(rnn: nn.Module, x, lengths):
    """The outputs (B, T, D·K) of a fused torch RNN, GRU or LSTM on padded sequences, without packing:
    one kernel call per layer and direction over the whole padded batch. For bfloat16 this is the
    path oneDNN runs fastest: on the shipped networks' encoders it took 1.25× to 1.74× less time than
    the packed bfloat16 run, and 1.84× to 2.28× less than the packed fp32 one (docs/BENCHMARKS.md,
    "Precision and threads at prediction time"; measured before the steps were padded to STEP_BUCKET).

    Each sequence's real steps come first, so a forward run's outputs there are exact: the padding
    is read only after them. The backward direction reads each sequence reversed within its own
    length (reverse_within), so its real steps come first too. Outputs at padded steps are zeros, as
    with packing. The final state is not computed: a run over padding ends past the real last step.
    For prediction only (no dropout between layers)."""
    B0, T0 = x.shape[:2]
    T = -(-T0 // STEP_BUCKET) * STEP_BUCKET                            # whole buckets of steps: few shapes
    B = row_bucket(B0)
    x = F.pad(x, (0, 0, 0, T - T0, 0, B - B0))                         # (B, T, I), the padding after each end
    lengths = F.pad(lengths.to(x.device), (0, B - B0))                 # (B,) the padding rows: length 0
    mask = (torch.arange(T, device=x.device).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2).to(x.dtype)   # (B, T, 1)
    kernel = {"LSTM": torch.lstm, "GRU": torch.gru}.get(type(rnn).__name__) or \
        (torch.rnn_tanh if rnn.nonlinearity == "tanh" else torch.rnn_relu)
    inp = x
    for layer in range(rnn.num_layers):
        outs = []
        for direction in range(2 if rnn.bidirectional else 1):
            s = f"_l{layer}" + ("_reverse" if direction else "")
            params = [getattr(rnn, f"{n}{s}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            seq = reverse_within(inp, lengths) if direction else inp
            h0 = seq.new_zeros(1, B, rnn.hidden_size)                  # (1, B, D)
            hx = (h0, h0) if kernel is torch.lstm else h0
            out = kernel(seq, hx, params, True, 1, 0.0, False, False, True)[0]   # (B, T, D)
            outs.append(reverse_within(out, lengths) if direction else out)
        inp = torch.cat(outs, dim=2) * mask                         # (B, T, D·K), zeros past each end
    return inp[:B0, :T0]


def row_bucket(rows: int) -> int:
    """The batch size the padded path runs `rows` rows as: the next power of two up to 8, then the
    next multiple of 8 (a server's batches come in every size from 1 to 64)."""
    return 1 << (rows - 1).bit_length() if rows <= 8 else -(-rows // 8) * 8


def reverse_within(x, lengths):
    """Reverse each sequence of x (B, T, ...) within its own length; padded steps stay in place.

    [a b c _ _] with length 3 → [c b a _ _]. Applying it twice gives x back.
    """
    B, T = x.shape[:2]
    t = torch.arange(T).unsqueeze(0)                                # (1, T)
    L = lengths.unsqueeze(1)                                        # (B, 1)
    idx = torch.where(t < L, L - 1 - t, t) + torch.arange(B).unsqueeze(1) * T   # (B, T) rows of x as (B·T, ...)
    # whole rows copied by index_select: 8-15x faster here than gather with an index expanded over the features
    return x.reshape(B * T, *x.shape[2:]).index_select(0, idx.reshape(-1)).view(x.shape)


class ReferenceRNN(nn.Module):
    """A stacked, optionally bidirectional recurrent layer built from the step functions in cells.py.

    Parameters are registered under torch's names and shapes: for layer l and suffix s ("" or
    "_reverse"), `weight_ih_l{l}{s}` (G·D, I or D·K), `weight_hh_l{l}{s}` (G·D, D),
    `bias_ih_l{l}{s}` and `bias_hh_l{l}{s}` (G·D,).
    """

    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        self.step, gates, self.has_cell = STEPS[config.cell]
        D, K = config.hidden_size, config.directions
        for layer in range(config.num_layers):
            in_size = config.input_size if layer == 0 else D * K
            for s in self.suffixes(layer):
                self.register_parameter(f"weight_ih{s}", nn.Parameter(torch.empty(gates * D, in_size)))
                self.register_parameter(f"weight_hh{s}", nn.Parameter(torch.empty(gates * D, D)))
                self.register_parameter(f"bias_ih{s}", nn.Parameter(torch.empty(gates * D)))
                self.register_parameter(f"bias_hh{s}", nn.Parameter(torch.empty(gates * D)))
        bound = 1.0 / math.sqrt(D)  # torch's initialisation
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.config.directions]

    def forward(self, x, lengths=None, gates: list | None = None, state=None):
        """x (B, T, I), initial state or None (zeros) → outputs (B, T, D·K), state; if `gates` is a
        list, per-layer, per-direction gate activations {name: (B, T, D)} are appended to it (for
        `textrnn inspect gates`)."""
        B, T, _ = x.shape
        if lengths is None:
            lengths = torch.full((B,), T, dtype=torch.long)
        mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T) True at real steps
        finals_h, finals_c = [], []
        inp = x
        for layer in range(self.config.num_layers):
            outs = []
            for direction, s in enumerate(self.suffixes(layer)):
                params = [getattr(self, f"{n}{s}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                # The backward direction reads each sequence reversed within its own length, so
                # its real steps are a prefix too and the same mask applies.
                seq = reverse_within(inp, lengths) if direction else inp
                start = self.initial(state, layer * self.config.directions + direction)
                out, h, c, g = self.run_direction(seq, mask, params, start)
                outs.append(reverse_within(out, lengths) if direction else out)
                finals_h.append(h)
                finals_c.append(c)
                if gates is not None:
                    gates.append({k: reverse_within(v, lengths) if direction else v for k, v in g.items()})
            inp = torch.cat(outs, dim=2)                            # (B, T, D·K)
            if layer < self.config.num_layers - 1 and self.config.dropout and self.training:
                inp = F.dropout(inp, self.config.dropout)
        h_n = torch.stack(finals_h)                                 # (L·K, B, D)
        return inp, ((h_n, torch.stack(finals_c)) if self.has_cell else h_n)

    def initial(self, state, index: int):
        """The (h, c) this layer and direction start from: row `index` of the given state, or None."""
        if state is None:
            return None
        if self.has_cell:
            return state[0][index], state[1][index]                 # (B, D) each
        return state[index], None

    def run_direction(self, x, mask, params, start=None):
        """Run one direction over time: x (B, T, I), mask (B, T), start (h, c) or None (zeros)
        → outputs (B, T, D), final h, c, gates."""
        B = x.size(0)
        h = x.new_zeros(B, self.config.hidden_size)                 # (B, D)
        c = x.new_zeros(B, self.config.hidden_size) if self.has_cell else None
        if start is not None:
            h, c = start
        outs, gate_steps = [], []
        # unbind(1) takes all steps at once: indexing x[:, t] per step is 1.3–1.8× slower in backward.
        for x_t, m_t in zip(x.unbind(1), mask.unbind(1)):
            m = m_t.unsqueeze(1)                                    # (B, 1)
            if self.has_cell:
                (h_new, c_new), g = self.step(x_t, (h, c), *params)
                c = torch.where(m, c_new, c)                        # a finished sequence keeps its state
            else:
                h_new, g = self.step(x_t, h, *params)
            h = torch.where(m, h_new, h)
            outs.append(h_new * m)                                  # zeros at padded steps
            gate_steps.append(g)
        gates = {k: torch.stack([g[k] for g in gate_steps], 1) for k in gate_steps[0]} if gate_steps else {}
        return torch.stack(outs, 1), h, c, gates
