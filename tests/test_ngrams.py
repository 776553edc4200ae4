"""The n-gram bag: which rows a text's n-grams land in, and the scores a bag adds."""

import math

import numpy as np
import pytest
import torch

from textrnn.ngrams import NgramBag, bag_batch, bag_ids, char_ngram_ids, ngram_ids, pad_bags


def test_unigrams_are_the_ids_themselves_and_each_ngram_counts_once():
    rows = ngram_ids([5, 7, 5, 7], n=1, buckets=100, vocab_size=10)
    assert rows.tolist() == [6, 8]                      # distinct, 1-based (0 is padding)
    two = ngram_ids([5, 7, 5, 7], n=2, buckets=100, vocab_size=10)
    assert set(rows.tolist()) <= set(two.tolist())
    assert len(two) <= 4                                 # 5, 7, (5 7), (7 5): the second (5 7) is the first one
    assert ngram_ids([], 2, 100, 10).tolist() == []
    assert ngram_ids([3], 3, 100, 10).tolist() == [4]    # too short for pairs: unigrams only


def test_hashing_is_fixed_and_in_range():
    """The rows of an n-gram must not depend on the process (Python's hash() is salted): a model
    trained in one process is used in another. These values are pinned."""
    rows = ngram_ids([1, 2, 3], n=2, buckets=1 << 20, vocab_size=8000)
    assert rows.tolist() == sorted(rows.tolist()) and rows.dtype == np.int64
    assert rows[:3].tolist() == [2, 3, 4]
    assert rows.tolist() == [2, 3, 4, 142647, 391834]
    big = ngram_ids(list(range(0, 50_000, 7)), n=3, buckets=1000, vocab_size=50_000)   # a vocabulary beyond the table
    assert big.min() >= 1 and big.max() <= 1000


@pytest.mark.parametrize("vocab_size, buckets, n, chars", [(50, 64, 1, 0), (5000, 1 << 20, 2, 0), (2_000_000, 64, 3, 4),
                                                         (5000, 1 << 20, 2, 2)])
def test_a_batch_of_bags_is_the_padded_bags_of_its_texts(vocab_size, buckets, n, chars):
    """bag_batch computes every text's bag in one pass over the batch: never an n-gram across two texts."""
    import random

    rng = random.Random(vocab_size + n)
    for _ in range(40):
        size = rng.randint(1, 6)
        tokens = [[rng.randrange(vocab_size) for _ in range(rng.choice([0, 1, 2, 7]))] for _ in range(size)]
        texts = ["".join(rng.choice("ab 가나\ud800😀") for _ in range(rng.choice([0, 1, 3, 12]))) for _ in range(size)]
        want = pad_bags([bag_ids(t, n, buckets, vocab_size, x, chars) for t, x in zip(tokens, texts)])
        assert torch.equal(bag_batch(tokens, n, buckets, vocab_size, texts, chars), want)
    assert bag_batch([[], []], 2, 64, 50).tolist() == [[0], [0]]     # empty texts: one padding column
    assert bag_batch([], 2, 64, 50).shape == pad_bags([]).shape == (0, 1)
    with pytest.raises(ValueError, match="one text per token list"):
        bag_batch([[1], [2]], 1, 64, 50, ["a"], chars=2)


def test_order_matters_for_pairs():
    assert set(ngram_ids([1, 2], 2, 1 << 20, 100).tolist()) != set(ngram_ids([2, 1], 2, 1 << 20, 100).tolist())


def test_bag_scores_are_the_mean_weight_times_root_count():
    bag = NgramBag(buckets=10, num_classes=2)
    with torch.no_grad():
        bag.weight.copy_(torch.arange(22, dtype=torch.float).view(11, 2))
    rows = pad_bags([[1, 3], [2], []])                                   # (3, 2) padded with 0
    assert rows.tolist() == [[1, 3], [2, 0], [0, 0]]
    got = bag(rows)
    expected = torch.tensor([[(2 + 6) / math.sqrt(2), (3 + 7) / math.sqrt(2)], [4.0, 5.0], [0.0, 0.0]])
    torch.testing.assert_close(got, expected)


def test_a_new_bag_adds_nothing():
    bag = NgramBag(buckets=50, num_classes=3)
    assert bag(pad_bags([[1, 2, 3], [4]])).abs().sum() == 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_bag_runs_in_the_prediction_precisions(dtype):
    bag = NgramBag(buckets=50, num_classes=2).to(dtype)
    assert bag(pad_bags([[1, 2]])).dtype == dtype


def test_the_bag_gets_its_own_learning_rate_only_when_asked():
    from textrnn.heads.classify import Classifier, ClassifierConfig
    from textrnn.ngrams import param_groups

    model = Classifier(ClassifierConfig(labels=("a", "b"), vocab_size=20, embedding_dim=8, hidden_size=6,
                                        bag_ngrams=2, bag_buckets=64))
    params = list(model.parameters())
    assert param_groups(model, params, 1.0) is params                   # one group: older checkpoints resume
    rest, bag = param_groups(model, params, 10.0)
    assert bag["params"] == [model.bag.weight] and bag["lr_factor"] == 10.0
    assert len(rest["params"]) == len(params) - 1 and "lr_factor" not in rest
    plain = Classifier(ClassifierConfig(labels=("a", "b"), vocab_size=20, embedding_dim=8, hidden_size=6))
    assert param_groups(plain, list(plain.parameters()), 10.0) == list(plain.parameters())


def test_resuming_keeps_this_runs_bag_factor_and_refuses_a_changed_group_count():
    from textrnn.errors import TextrnnError
    from textrnn.heads.classify import Classifier, ClassifierConfig
    from textrnn.ngrams import load_optimizer, param_groups

    model = Classifier(ClassifierConfig(labels=("a", "b"), vocab_size=20, embedding_dim=8, hidden_size=6,
                                        bag_ngrams=2, bag_buckets=64))
    params = list(model.parameters())
    saved = torch.optim.AdamW(param_groups(model, params, 3.0), lr=0.1).state_dict()
    now = torch.optim.AdamW(param_groups(model, params, 5.0), lr=0.1)
    load_optimizer(now, saved)
    assert now.param_groups[1]["lr_factor"] == 5.0                  # the config's, not the checkpoint's
    with pytest.raises(TextrnnError, match="train.bag_lr_factor changed to or from 1"):
        load_optimizer(torch.optim.AdamW(param_groups(model, params, 1.0), lr=0.1), saved)


def test_character_ngrams_hash_apart_from_token_ngrams():
    """A text's character 1..n-grams (tf-idf's analyzer="char"): fixed rows, in range, each once, and
    not the rows of the token n-grams with the same numbers."""
    rows = char_ngram_ids("학교에 학교", 3, 1 << 20)
    assert rows.min() >= 1 and rows.max() <= 1 << 20 and len(set(rows.tolist())) == len(rows)
    assert len(rows) == len({"학교에 학교"[i: i + k] for k in (1, 2, 3) for i in range(len("학교에 학교") - k + 1)})
    assert rows.tolist() == char_ngram_ids("학교에 학교", 3, 1 << 20).tolist()
    assert not set(char_ngram_ids("ab", 2, 1 << 20).tolist()) & set(ngram_ids([97, 98], 2, 1 << 20, 0x110000).tolist())
    assert char_ngram_ids("", 3, 64).tolist() == []
