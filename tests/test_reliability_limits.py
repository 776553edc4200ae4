"""Issue 20, row 7: every size option has an upper bound, so one request cannot take the machine
(`translate -b 100000` was killed by the OOM killer at 24 GB; `inspect gradients --hidden 20000` and
`--length 100000` reached 15–21 GB). Each bound is checked before any model is loaded or run."""

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.mark.parametrize("args,option", [
    (["translate", "-m", "no-such-model", "-b", "100000"], "--beam 100000"),
    (["translate", "-m", "no-such-model", "--max-len", "1000000"], "--max-len 1000000"),
    (["generate", "-m", "no-such-model", "--max-tokens", "1000000000"], "--max-tokens 1000000000"),
    (["generate", "-m", "no-such-model", "--num", "1000000"], "--num 1000000"),
    (["inspect", "gradients", "--hidden", "20000"], "--hidden 20000"),
    (["inspect", "gradients", "--length", "100000"], "--length 100000"),
    (["inspect", "gradients", "--length", "1"], "--length 1"),
])
def test_size_options_have_bounds(args, option, tmp_path):
    r = run(*args, "-o", tmp_path / "out", input="a\n")
    assert r.exit_code == 1, r.output
    assert f"error: {option}: must be between" in r.stderr and "no-such-model" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_wide_beam_decodes_fewer_sentences_at_once(tiny_translate, monkeypatch):
    """beam × sentences decoded together stays under MAX_HYPOTHESES: memory stays flat."""
    from textrnn.commands import translate as command
    from textrnn.heads.translate import Predictor

    seen = []
    real = Predictor.translate

    def spy(self, texts, **kw):
        seen.append(kw["batch_size"])
        return real(self, texts, **kw)

    monkeypatch.setattr(Predictor, "translate", spy)
    monkeypatch.setattr(command, "MAX_HYPOTHESES", 8)
    r = run("translate", "-m", tiny_translate, "-b", "4", "--batch-size", "32", "--max-len", "3", input="a b\nc\n")
    assert r.exit_code == 0, r.output
    assert seen == [2] and len(r.stdout.splitlines()) == 2
