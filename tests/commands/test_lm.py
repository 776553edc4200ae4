"""`textrnn next-word`, `generate` and `evaluate` on a language model, through typer's runner."""

import json

import pytest

from tests.conftest import FIXTURES
from tests.test_cli import run


def test_next_word_keeps_lines_aligned(tiny_lm):
    r = run("next-word", "--model", tiny_lm, "-k", "2", input="the united\n\nthe cat sat on the\n")
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert len(lines) == 4 and lines[1] == ""
    assert lines[0].split("\t")[:2] == ["the united", "states"] and len(lines[0].split("\t")) == 5
    r = run("next-word", "the united", "", "--model", tiny_lm, "--format", "jsonl")
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert recs[0]["next"][0]["token"] == "states" and len(recs[0]["next"]) == 5 and recs[1]["next"] is None


def test_char_model_next_tokens_stay_on_one_line(tiny_char_lm):
    r = run("next-word", "--model", tiny_char_lm, "-k", "69", input="the cat\n\nthe dog\n")
    lines = r.stdout.split("\n")
    assert r.exit_code == 0 and len(lines) == 4 and lines[1] == ""
    assert "\t\\n\t" in lines[0] and len(lines[0].split("\t")) % 2 == 1   # the newline token, escaped


def test_generate_is_repeatable_with_a_seed(tiny_lm, tiny_char_lm):
    for model in (tiny_lm, tiny_char_lm):
        a = run("generate", "--model", model, "--prompt", "the cat", "--seed", "1", "-n", "15")
        b = run("generate", "--model", model, "--prompt", "the cat", "--seed", "1", "-n", "15")
        assert a.exit_code == 0 and a.stdout == b.stdout and a.stdout.startswith("the cat")
    r = run("generate", "--model", tiny_lm, "--seed", "3", "--num", "2", "--format", "jsonl", "-n", "5")
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["sample"] for x in recs] == [1, 2] and recs[0]["prompt"] == ""
    r = run("generate", "-", "--model", tiny_lm, "--seed", "3", "--format", "jsonl", "-n", "5", input="the dog\nthe house\n")
    assert [json.loads(line)["prompt"] for line in r.stdout.splitlines()] == ["the dog", "the house"]


def test_generate_writes_atomically(tiny_lm, tmp_path):
    out = tmp_path / "gen.txt"
    assert run("generate", "--model", tiny_lm, "--seed", "1", "-o", out).exit_code == 0 and out.read_text()
    r = run("generate", "--model", tiny_lm, "--seed", "1", "-o", out)
    assert r.exit_code == 1 and "--force" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--top-p", "1.5"], "--top-p 1.5: must be in (0, 1]"),
    (["--max-tokens", "0"], "--max-tokens 0: must be between 1 and 100,000"),
    (["--temperature", "-1"], "--temperature -1.0: must be a finite number, 0"),
    (["--num", "0"], "--num 0: must be between 1 and 1,000"),
    (["--temperature", "inf"], "--temperature inf: must be a finite number, 0"),
    (["--temperature", "nan"], "--temperature nan: must be a finite number, 0"),
    (["--seed", str(2 ** 70)], "--seed 1180591620717411303424: must be in"),
    (["--prompt", "x", "some-file.txt"], "either --prompt or prompt files"),
])
def test_generate_bad_options(tiny_lm, args, message):
    r = run("generate", "--model", tiny_lm, *args)
    assert r.exit_code == 1 and message in r.stderr and "Traceback" not in r.output


def test_unknown_prompt_and_wrong_model(tiny_lm, tiny_model):
    r = run("generate", "--model", tiny_lm, "--prompt", "zebra quokka", "--seed", "1", "-n", "3")
    assert r.exit_code == 0 and "no word of the prompt is in the model's vocabulary" in r.stderr
    r = run("generate", "--model", tiny_model)
    assert r.exit_code == 1 and "is a 'classify' model, not a 'lm' model" in r.stderr
    r = run("next-word", "x", "--model", "no-such-model")
    assert r.exit_code == 1 and "unknown model 'no-such-model'" in r.stderr


def test_evaluate_reports_perplexity(tiny_lm, tiny_char_lm):
    r = run("evaluate", tiny_lm, FIXTURES / "lm_sample.txt", "--json")
    scores = json.loads(r.stdout)
    assert scores["task"] == "lm" and scores["unit"] == "word" and scores["perplexity"] > 1 and scores["n"] > 100
    r = run("evaluate", tiny_char_lm, f"{FIXTURES / 'lm_sample.txt'}[80%:]", "--json")
    assert json.loads(r.stdout)["unit"] == "char"
    r = run("evaluate", tiny_lm, "missing.txt[80%:]")
    assert r.exit_code == 1 and "missing.txt: no such file" in r.stderr
