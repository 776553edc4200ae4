"""The CRF against brute force: enumerate every tag sequence of a tiny problem."""

import itertools

import torch

from textrnn.crf import CRF, bio_constraints


def brute_force(crf, emissions, length):
    """(log Z, best path) of one sentence by enumerating all C^length sequences."""
    trans, start = crf._scores()
    C = emissions.size(-1)
    scores = {}
    for seq in itertools.product(range(C), repeat=length):
        s = start[seq[0]] + emissions[0, seq[0]] + crf.end[seq[-1]]
        for t in range(1, length):
            s = s + trans[seq[t - 1], seq[t]] + emissions[t, seq[t]]
        scores[seq] = s
    log_z = torch.logsumexp(torch.stack(list(scores.values())), 0)
    return log_z, list(max(scores, key=lambda k: scores[k].item()))


def random_crf(C, allowed=None, start=None):
    torch.manual_seed(0)
    crf = CRF(C, allowed, start)
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    return crf


def test_forward_algorithm_and_viterbi_match_enumeration_with_padding():
    crf = random_crf(3)
    emissions = torch.randn(3, 5, 3)                          # (B, T, C)
    lengths = torch.tensor([5, 3, 1])
    mask = torch.arange(5).unsqueeze(0) < lengths.unsqueeze(1)
    tags = torch.randint(0, 3, (3, 5))
    trans, start = crf._scores()
    log_z = crf.log_partition(emissions, mask, trans, start)
    gold = crf.path_score(emissions, tags, mask, trans, start)
    paths = crf.decode(emissions, mask)
    for b, n in enumerate(lengths.tolist()):
        z, best = brute_force(crf, emissions[b, :n], n)
        assert torch.allclose(log_z[b], z, atol=1e-5)
        assert paths[b] == best
        seq = tags[b, :n].tolist()
        s = start[seq[0]] + emissions[b, 0, seq[0]] + crf.end[seq[-1]]
        s = s + sum(trans[seq[t - 1], seq[t]] + emissions[b, t, seq[t]] for t in range(1, n))
        assert torch.allclose(gold[b], s, atol=1e-5)
    # the NLL is a proper negative log-probability
    assert (crf.nll(emissions, tags, mask) > 0).item()


def test_bio_constraints_forbid_ill_formed_sequences():
    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    allowed, start = bio_constraints(labels)
    assert not start[2] and not start[4] and start[0] and start[1]
    assert allowed[1, 2] and allowed[2, 2] and not allowed[0, 2] and not allowed[1, 4] and not allowed[2, 4]
    crf = random_crf(5, allowed, start)
    # emissions that shout "I-LOC after O": the decoder must still produce a valid sequence
    emissions = torch.zeros(1, 4, 5)
    emissions[0, :, 4] = 5.0
    emissions[0, 0, 0] = 6.0
    path = crf.decode(emissions, torch.ones(1, 4, dtype=torch.bool))[0]
    tags = [labels[i] for i in path]
    assert not tags[0].startswith("I-")
    for a, b in zip(tags, tags[1:]):
        assert not b.startswith("I-") or a[2:] == b[2:]
