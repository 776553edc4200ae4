"""Attention: weights are a distribution over real source positions, for each score."""

import pytest
import torch

from textrnn.attention import Attention
from textrnn.errors import ConfigError


@pytest.mark.parametrize("score", ["additive", "general", "dot"])
def test_weights_sum_to_one_over_real_positions(score):
    torch.manual_seed(0)
    att = Attention(score, 8, 8)
    values = torch.randn(3, 5, 8)                                  # (B, S, 2D)
    mask = torch.arange(5).unsqueeze(0) < torch.tensor([[5], [3], [1]])
    context, w = att(torch.randn(3, 8), att.keys(values), values, mask)
    assert context.shape == (3, 8) and w.shape == (3, 5)
    assert torch.allclose(w.sum(1), torch.ones(3))
    assert (w[~mask] == 0).all()
    # the context is the weighted sum of the values; one real position gets all the weight
    assert torch.allclose(context, torch.einsum("bs,bsd->bd", w, values), atol=1e-6)
    assert torch.allclose(w[2, 0], torch.tensor(1.0))


def test_padding_does_not_change_the_context():
    torch.manual_seed(0)
    att = Attention("additive", 6, 4, attention_size=5)
    values, q = torch.randn(1, 3, 4), torch.randn(1, 6)
    padded = torch.cat([values, torch.randn(1, 2, 4)], 1)
    c1, _ = att(q, att.keys(values), values, torch.ones(1, 3, dtype=torch.bool))
    c2, _ = att(q, att.keys(padded), padded, torch.tensor([[True, True, True, False, False]]))
    assert torch.allclose(c1, c2, atol=1e-6)


def test_bad_names_and_sizes():
    with pytest.raises(ConfigError, match="additive, dot, general"):
        Attention("bilinear", 4, 4)
    with pytest.raises(ConfigError, match="dot attention needs"):
        Attention("dot", 4, 8)
