"""Issue 20's rows on language models: a long prompt is read in windows, the state carried, with
flat memory and only its last tokens kept past a bound (row 8); a perplexity does not depend on
the batch size (row 11)."""

import json

import pytest
import torch

import textrnn
from textrnn.heads.lm import WINDOW, read_data
from tests.conftest import FIXTURES
from tests.test_cli import run


def long_prompt(times: int) -> str:
    """The fixture text's words, `times` over, on one line (128 words each time)."""
    return " ".join(" ".join(read_data(FIXTURES / "lm_sample.txt")).split() * times)


def spy_on_reads(lm, monkeypatch) -> list[int]:
    """The lengths of the token runs the model is given, one per call of `hidden`."""
    seen, hidden = [], lm.model.hidden

    def spy(ids, state=None):
        seen.append(ids.size(1))
        return hidden(ids, state)

    monkeypatch.setattr(lm.model, "hidden", spy)
    return seen


# row 8 — a long prompt is read window by window: the same next-token probabilities as one pass
@pytest.mark.parametrize("fixture", ["tiny_lm", "tiny_char_lm"])
def test_long_prompt_read_in_windows_gives_the_one_pass_probabilities(fixture, request, monkeypatch):
    lm = textrnn.load(request.getfixturevalue(fixture), task="lm")
    prompt = long_prompt(8)                                             # ~1,000 words, ~6,000 characters
    ids = lm.prompt_ids(prompt)
    assert len(ids) > 3 * WINDOW
    with torch.inference_mode():
        whole, _ = lm.model(torch.tensor([ids]))                        # (1, V): the prompt in one pass
    seen = spy_on_reads(lm, monkeypatch)
    ranked = lm.next_tokens([prompt], 5)[0]
    assert max(seen) <= WINDOW and sum(seen) == len(ids)                # memory for one window at a time
    index = {t: i for i, t in enumerate(lm.tokenizer.vocab)}
    torch.testing.assert_close(torch.tensor([p for _, p in ranked]),
                               whole[0].exp()[[index[t] for t, _ in ranked]], atol=1e-6, rtol=1e-5)
    with torch.inference_mode():                                        # and the whole distribution
        last, _ = lm.read_prompt(prompt)
        torch.testing.assert_close(lm.model.log_probs(last).exp(), whole.exp(), atol=1e-6, rtol=1e-5)
    seen.clear()
    assert len(list(lm.generate(prompt, 3, temperature=0))) == 3 and max(seen) <= WINDOW


def test_a_prompt_past_the_bound_keeps_its_last_tokens(tiny_lm):
    lm = textrnn.load(tiny_lm, task="lm")
    prompt = long_prompt(2)
    full = lm.prompt_ids(prompt)
    assert lm.truncated == 0
    lm.max_prompt = 50
    assert lm.prompt_ids(prompt) == full[-50:] and lm.truncated == 1
    assert lm.prompt_ids("the cat") == full[:1] + lm.tokenizer.encode(["the cat"])[0] and lm.truncated == 1


def test_cli_long_prompt_lines_work_and_say_so_once(tiny_lm, tmp_path):
    line = long_prompt(170)                                             # 21,760 words: past the 20,000-token bound
    r = run("next-word", "--model", tiny_lm, "-k", "2", input=f"{line}\nthe united\n{line}\n")
    assert r.exit_code == 0, r.output
    rows = r.stdout.split("\n")
    assert len(rows) == 4 and rows[1].split("\t")[:2] == ["the united", "states"] and rows[0].startswith(line + "\t")
    assert r.stderr.count("read from their last 20,000 tokens") == 1 and "Traceback" not in r.output
    prompts = tmp_path / "prompts.txt"
    prompts.write_text(f"{line}\n", encoding="utf-8")
    r = run("generate", prompts, "--model", tiny_lm, "--seed", "1", "-n", "5", "--format", "jsonl")
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)
    assert rec["prompt"] == line and rec["text"] and r.stderr.count("read from their last 20,000 tokens") == 1


# row 11 — the batch size is a speed knob: it must not change a perplexity
def test_perplexity_does_not_depend_on_the_batch_size(tiny_lm, tiny_char_lm):
    for model in (tiny_lm, tiny_char_lm):
        lm = textrnn.load(model, task="lm")
        lines = read_data(FIXTURES / "lm_sample.txt")
        one, many = lm.score(lines, batch_size=1), lm.score(lines, batch_size=64)
        assert one["n"] == many["n"] and many["loss"] == pytest.approx(one["loss"], rel=1e-4, abs=1e-4)
        assert many["perplexity"] == pytest.approx(one["perplexity"], rel=1e-4)


def test_cli_evaluate_batch_size_is_a_note_not_a_different_score(tiny_lm):
    data = FIXTURES / "lm_sample.txt"
    scores = {}
    for b in ("1", "64"):
        r = run("evaluate", tiny_lm, data, "--batch-size", b, "--json")
        assert r.exit_code == 0, r.output
        assert "--batch-size does not apply to a language model" in r.stderr
        scores[b] = json.loads(r.stdout)["perplexity"]
    r = run("evaluate", tiny_lm, data, "--json")
    assert r.exit_code == 0 and "batch-size" not in r.stderr
    assert scores["64"] == pytest.approx(scores["1"], rel=1e-4) and json.loads(r.stdout)["perplexity"] == pytest.approx(scores["1"], rel=1e-4)
