"""Contract: the language model's pieces (text stream, carried state),
and train → save → load → same scores, next words and samples."""

import math

import pytest
import torch

import textrnn
from textrnn.errors import ConfigError, InputError
from textrnn.heads.lm import LanguageModel, LMConfig, Stream, batches, read_data, steps_per_epoch
from tests.conftest import FIXTURES, tiny_lm_config


def test_training_windows_follow_the_stream():
    import random

    ids = torch.arange(100)
    wins = list(batches(Stream(ids, 5), 4, random.Random(0)))
    assert all(w[0].shape == (4, 5) for w in wins) and all(w[2] is wins[0][2] for w in wins)  # one carry per epoch
    for (x, y, _), (x2, _, _) in zip(wins, wins[1:]):
        assert torch.equal(y[:, :-1], x[:, 1:]) and torch.equal(x2[:, 0], x[:, -1] + 1)
    # every epoch, whatever its random offset, has the number of steps the schedule counts on
    for n in (100, 101, 137):
        stream = Stream(torch.arange(n), 5)
        assert {len(list(batches(stream, 4, random.Random(seed)))) for seed in range(20)} == {steps_per_epoch(stream, 4)}


def test_read_data_slices_join_to_the_file():
    whole = "".join(read_data(FIXTURES / "lm_sample.txt"))
    head, tail = read_data(f"{FIXTURES / 'lm_sample.txt'}[:30%]"), read_data(f"{FIXTURES / 'lm_sample.txt'}[30%:]")
    assert "".join(head) + "".join(tail) == whole and whole.startswith(" = The little garden")


def test_score_is_exact_and_independent_of_the_batch(tiny_lm):
    lm = textrnn.load(tiny_lm, task="lm")
    lines = read_data(FIXTURES / "lm_sample.txt")
    one, three = lm.score(lines, batch_size=1), lm.score(lines, batch_size=3, window=5)
    n_words = sum(len(line.split()) + 1 for line in lines)            # every word and every <eos>
    assert one["n"] == three["n"] == n_words and one["unit"] == "word" and one["unknown"] == 1
    # by hand: the log-probability of each token given everything before it, from <eos>
    ids = [lm.start_id] + [i for line in lines for i in lm.tokenizer.encode([line])[0] + [lm.tokenizer.eos_id]]
    with torch.inference_mode():
        feats, _ = lm.model.hidden(torch.tensor([ids[:-1]]))
        nll = lm.model.nll(feats[0], torch.tensor(ids[1:])).double().sum().item()
    assert one["loss"] == pytest.approx(nll / n_words, rel=1e-5)
    assert one["perplexity"] == pytest.approx(math.exp(one["loss"]))
    assert three["loss"] == pytest.approx(one["loss"], rel=1e-5)      # one stream, whatever the batch and window


def test_train_save_load_same_predictions(tmp_path):
    from textrnn.train import train

    final = train(tiny_lm_config(epochs=2), tmp_path / "run", quiet=True)
    assert final["headline"] == "perplexity" and final["dev"]["perplexity"] > 1
    lm = textrnn.load(tmp_path / "run" / "model")
    lm.save(tmp_path / "copy")
    again = textrnn.load(tmp_path / "copy")
    lines = read_data(FIXTURES / "lm_sample.txt")
    assert lm.score(lines) == again.score(lines)
    assert lm.next_tokens(["the cat"], 3) == again.next_tokens(["the cat"], 3)
    sample = lambda m: "".join(m.generate("the", 12, generator=torch.Generator().manual_seed(5)))  # noqa: E731
    assert sample(lm) == sample(again)


def test_tiny_lm_learns_the_text(tiny_lm):
    lm = textrnn.load(tiny_lm)
    assert [t for t, _ in lm.next_tokens(["the united"], 1)[0]] == ["states"]
    ranked = lm.next_tokens(["the cat sat on the"], 3)[0]
    assert all(p1 >= p2 for (_, p1), (_, p2) in zip(ranked, ranked[1:]))
    assert "<unk>" not in [t for t, _ in lm.next_tokens(["the"], 40)[0]]


def test_greedy_sampling_and_seeds(tiny_lm):
    lm = textrnn.load(tiny_lm)
    greedy = "".join(lm.generate("the dog", 10, temperature=0))
    assert greedy == "".join(lm.generate("the dog", 10, top_k=1)) == "".join(lm.generate("the dog", 10, temperature=0.5, top_k=1))
    g = lambda s: torch.Generator().manual_seed(s)  # noqa: E731
    assert "".join(lm.generate("the", 20, generator=g(1))) == "".join(lm.generate("the", 20, generator=g(1)))
    pieces = list(lm.generate("", 7, top_p=0.5, generator=g(2)))       # empty prompt: starts a new line
    assert len(pieces) == 7 and all(p == "\n" or p.endswith(" ") for p in pieces)


def test_char_model_scores_per_character(tiny_char_lm):
    lm = textrnn.load(tiny_char_lm)
    text = read_data(f"{FIXTURES / 'lm_sample.txt'}[80%:]")
    scores = lm.score(text)
    assert scores["unit"] == "char" and scores["n"] == len("".join(text))
    assert scores["bits_per_unit"] == pytest.approx(scores["loss"] / math.log(2))
    assert len("".join(lm.generate("the ", 25, generator=torch.Generator().manual_seed(0)))) == 25


def test_reference_cells_give_the_same_perplexity(tiny_lm):
    lm = textrnn.load(tiny_lm)
    lines = read_data(FIXTURES / "lm_sample.txt")
    ref = LanguageModel(LMConfig(**{**lm.config.__dict__, "impl": "reference"}))
    ref.load_state_dict(lm.model.state_dict())
    fused_score = lm.score(lines)
    lm.model = ref.eval()
    assert lm.score(lines)["loss"] == pytest.approx(fused_score["loss"], rel=1e-5)


@pytest.mark.parametrize("options,message", [
    ({"cutoffs": [5, 3]}, "must increase"),
    ({"cutoffs": [2], "tie": False}, "needs model.tie"),
    ({"unit": "char"}, "does not match tokenizer.kind"),
    ({"dropout": 1.0}, "dropout must be in"),
    ({"bptt_len": 3}, "unknown config key 'model.bptt_len'"),
])
def test_bad_config(options, message, tmp_path):
    from textrnn.train import train

    config = tiny_lm_config(epochs=1)
    config["model"].update(options)
    with pytest.raises(ConfigError, match=message):
        train(config, tmp_path / "run", quiet=True)


def test_empty_or_tiny_text_is_refused(tmp_path):
    from textrnn.train import train

    empty = tmp_path / "blank.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no text"):
        read_data(empty)
    short = tmp_path / "short.txt"
    short.write_text("a b\n", encoding="utf-8")
    config = tiny_lm_config(epochs=1)
    config["data"] = {"train": str(short)}
    with pytest.raises(InputError, match="too few"):
        train(config, tmp_path / "run", quiet=True)
