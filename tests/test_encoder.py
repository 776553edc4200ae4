"""The encoder contract: fused and reference agree; padding changes nothing; names match torch."""

import itertools

import pytest
import torch
from torch import nn

from textrnn.encoder import Encoder, EncoderConfig, padded_directions, reverse_within
from textrnn.errors import ConfigError

CASES = list(itertools.product(["rnn", "gru", "lstm"], [1, 2], [False, True]))
LENGTHS = [None, [5, 5, 5], [5, 1, 3]]


def pair(cell, layers, bidir, I=4, D=3):
    torch.manual_seed(0)
    cfg = EncoderConfig(cell, I, D, num_layers=layers, bidirectional=bidir)
    fused = Encoder(cfg).double()
    ref = Encoder(EncoderConfig(cell, I, D, num_layers=layers, bidirectional=bidir, impl="reference")).double()
    ref.load_state_dict(fused.state_dict())
    return fused, ref


def states(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("cell,layers,bidir", CASES)
@pytest.mark.parametrize("lengths", LENGTHS)
def test_fused_equals_reference_with_gradients(cell, layers, bidir, lengths):
    fused, ref = pair(cell, layers, bidir)
    lengths = None if lengths is None else torch.tensor(lengths)
    x = torch.randn(3, 5, 4, dtype=torch.float64)
    results = []
    for enc in (fused, ref):
        xi = x.clone().requires_grad_()
        out, state = enc(xi, lengths)
        loss = out.pow(2).sum() + sum(s.sin().sum() for s in states(state))
        loss.backward()
        grads = [p.grad for p in enc.parameters()]
        results.append((out, states(state), xi.grad, grads))
    (o1, s1, gx1, gp1), (o2, s2, gx2, gp2) = results
    torch.testing.assert_close(o2, o1, atol=1e-5, rtol=0)
    for a, b in zip(s1, s2):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=0)
    torch.testing.assert_close(gx2, gx1, atol=1e-4, rtol=0)
    for a, b in zip(gp1, gp2):
        torch.testing.assert_close(b, a, atol=1e-4, rtol=0)


@pytest.mark.parametrize("cell,layers,bidir", CASES)
@pytest.mark.parametrize("impl", ["fused", "reference"])
def test_padded_batch_equals_unpadded_runs(cell, layers, bidir, impl):
    fused, ref = pair(cell, layers, bidir)
    enc = fused if impl == "fused" else ref
    lengths = torch.tensor([5, 1, 3])
    x = torch.randn(3, 5, 4, dtype=torch.float64)
    out, state = enc(x, lengths)
    K = 2 if bidir else 1
    for i, n in enumerate(lengths.tolist()):
        alone, alone_state = enc(x[i: i + 1, :n])
        torch.testing.assert_close(out[i, :n], alone[0], atol=1e-6, rtol=0)
        assert torch.all(out[i, n:] == 0), "padded steps must be exact zeros"
        for s, a in zip(states(state), states(alone_state)):
            torch.testing.assert_close(s[:, i], a[:, 0], atol=1e-6, rtol=0)
    assert enc.last_hidden(state).shape == (3, 3 * K)


def test_parameter_names_match_torch():
    cfg = EncoderConfig("lstm", 4, 3, num_layers=2, bidirectional=True)
    torch_names = {f"rnn.{k}": v.shape for k, v in nn.LSTM(4, 3, 2, bidirectional=True).state_dict().items()}
    for impl in ("fused", "reference"):
        enc = Encoder(EncoderConfig(**{**cfg.__dict__, "impl": impl}))
        assert {k: v.shape for k, v in enc.state_dict().items()} == torch_names
    ref = Encoder(EncoderConfig(**{**cfg.__dict__, "impl": "reference"}))
    Encoder(cfg).load_state_dict(ref.state_dict(), strict=True)
    ref.load_state_dict(Encoder(cfg).state_dict(), strict=True)


def test_reverse_within():
    x = torch.arange(10).view(2, 5)
    assert reverse_within(x, torch.tensor([3, 5])).tolist() == [[2, 1, 0, 3, 4], [9, 8, 7, 6, 5]]


@pytest.mark.parametrize("field,value,message", [
    ("cell", "lstn", "unknown cell 'lstn'; choose one of: gru, lstm, rnn"),
    ("impl", "fast", "unknown impl 'fast'; choose one of: fused, reference"),
    ("hidden_size", 0, "hidden_size must be at least 1"),
])
def test_bad_config(field, value, message):
    args = {"cell": "lstm", "input_size": 4, "hidden_size": 3, field: value}
    with pytest.raises(ConfigError, match=message):
        EncoderConfig(**args)
    with pytest.raises(ValueError):  # ConfigError is a ValueError for library users
        EncoderConfig(**args)


def test_reference_gates_are_exposed():
    enc = Encoder(EncoderConfig("lstm", 4, 3, impl="reference"))
    gates = []
    enc.rnn(torch.randn(2, 5, 4), torch.tensor([5, 2]), gates=gates)
    assert set(gates[0]) == {"input", "forget", "output", "cell"} and gates[0]["forget"].shape == (2, 5, 3)


@pytest.mark.parametrize("cell,layers,bidir", CASES)
def test_initial_state_fused_equals_reference(cell, layers, bidir):
    fused, ref = pair(cell, layers, bidir)
    x = torch.randn(3, 5, 4, dtype=torch.float64)
    h0 = torch.randn(layers * (2 if bidir else 1), 3, 3, dtype=torch.float64)
    start = (h0, h0.cos()) if cell == "lstm" else h0
    for lengths in (None, torch.tensor([5, 1, 3])):
        (o1, s1), (o2, s2) = fused(x, lengths, start), ref(x, lengths, start)
        torch.testing.assert_close(o2, o1, atol=1e-6, rtol=0)
        for a, b in zip(states(s1), states(s2)):
            torch.testing.assert_close(b, a, atol=1e-6, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("impl", ["fused", "reference"])
def test_carried_state_equals_one_long_run(cell, impl):
    """A language model reads text in windows and carries the state: two windows = one run."""
    fused, ref = pair(cell, 2, False)
    enc = fused if impl == "fused" else ref
    x = torch.randn(2, 8, 4, dtype=torch.float64)
    whole, whole_state = enc(x)
    first, state = enc(x[:, :5])
    second, state = enc(x[:, 5:], None, state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole, atol=1e-9, rtol=0)
    for a, b in zip(states(state), states(whole_state)):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=0)


def test_one_step_path_gives_the_same_numbers_and_restores_onednn():
    """Single steps run without oneDNN (its per-call setup dominates a step); same results, flag restored."""
    import torch

    from textrnn.encoder import Encoder, EncoderConfig

    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell="lstm", input_size=6, hidden_size=5, num_layers=2)).eval()
    x = torch.randn(3, 4, 6)
    with torch.inference_mode():
        full, _ = enc(x)
        state, steps = None, []
        for t in range(4):
            out, state = enc(x[:, t: t + 1], None, state)
            steps.append(out)
    assert torch.allclose(torch.cat(steps, 1), full, atol=1e-6)
    assert torch.backends.mkldnn.enabled


@pytest.mark.parametrize("cell, layers, bidir", [(c, l, b) for c in ("rnn", "gru", "lstm") for l in (1, 2) for b in (False, True)])
def test_padded_directions_equal_the_packed_run(cell, layers, bidir):
    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell=cell, input_size=5, hidden_size=4, num_layers=layers, bidirectional=bidir)).eval()
    x = torch.randn(4, 7, 5)
    lengths = torch.tensor([7, 3, 5, 1])
    with torch.inference_mode():
        packed, _ = enc(x, lengths)
        fast = padded_directions(enc.rnn, x, lengths)
    torch.testing.assert_close(fast, packed, atol=1e-6, rtol=1e-5)
    assert bool((fast[1, 3:] == 0).all())            # zeros past each sequence's end, as packing gives


def test_outputs_only_takes_the_padded_path_in_bfloat16_at_prediction_only():
    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell="lstm", input_size=5, hidden_size=4, bidirectional=True))
    x, lengths = torch.randn(3, 6, 5), torch.tensor([6, 2, 4])
    fast = Encoder(enc.config).to(torch.bfloat16).eval()
    fast.load_state_dict(enc.state_dict())
    with torch.inference_mode():
        out, state = fast(x.bfloat16(), lengths, outputs_only=True)
        assert state is None                                 # the padded path: no final state
        exact, _ = enc.eval()(x, lengths)
        torch.testing.assert_close(out.float(), exact, atol=0.03, rtol=0.03)
        assert fast(x.bfloat16(), lengths)[1] is not None    # without outputs_only: packed, with its state
        assert enc(x, lengths, outputs_only=True)[1] is not None   # fp32: packed
    enc.train()
    assert enc(x, lengths, outputs_only=True)[1] is not None       # training: packed


def test_row_buckets_are_few_and_never_smaller():
    from textrnn.encoder import row_bucket

    sizes = [row_bucket(b) for b in range(1, 129)]
    assert all(s >= b for s, b in zip(sizes, range(1, 129)))
    assert sorted(set(sizes[:64])) == [1, 2, 4, 8, 16, 24, 32, 40, 48, 56, 64]
    assert row_bucket(65) == 72


@pytest.mark.parametrize("bidir", [False, True])
def test_full_batches_take_the_padded_path_in_bfloat16_too(bidir):
    """A language model's states for a tagger (no lengths: every row is whole) go through the
    padded path as well, so its shapes are rounded up like the others'."""
    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell="lstm", input_size=5, hidden_size=4, bidirectional=bidir)).eval()
    x = torch.randn(3, 7, 5)
    exact, _ = enc(x)
    enc.rnn.to(torch.bfloat16)
    with torch.inference_mode():
        out, state = enc(x, None, outputs_only=True)
    assert state is None and out.shape == exact.shape and out.dtype == torch.float32
    torch.testing.assert_close(out, exact, atol=0.03, rtol=0.03)
