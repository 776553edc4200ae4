"""The tied adaptive vocabulary: a distribution over every word, the same loss both ways."""

import pytest
import torch
import torch.nn.functional as F

from textrnn.adaptive import TiedVocabulary


@pytest.mark.parametrize("cutoffs", [(), (3,), (3, 7)])
def test_tied_vocabulary_is_a_distribution_and_nll_matches(cutoffs):
    torch.manual_seed(0)
    voc = TiedVocabulary(12, 8, cutoffs, div=2.0).double()
    h = torch.randn(5, 8, dtype=torch.float64)
    logp = voc.log_probs(h)                                           # (5, 12)
    torch.testing.assert_close(logp.exp().sum(1), torch.ones(5, dtype=torch.float64))
    targets = torch.tensor([0, 2, 3, 7, 11])
    torch.testing.assert_close(voc.nll(h, targets), -logp.gather(1, targets.unsqueeze(1)).squeeze(1))
    assert voc.embed(torch.tensor([[0, 5, 11]])).shape == (1, 3, 8)


def test_no_cutoffs_is_the_plain_tied_softmax():
    torch.manual_seed(0)
    voc = TiedVocabulary(10, 4)
    h, t = torch.randn(6, 4), torch.randint(0, 10, (6,))
    expected = F.cross_entropy(h @ voc.tables[0].weight.T + voc.bias, t, reduction="none")
    torch.testing.assert_close(voc.nll(h, t), expected)
    torch.testing.assert_close(voc.embed(t), voc.tables[0].weight[t])
