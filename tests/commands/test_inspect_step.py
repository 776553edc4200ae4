"""`textrnn inspect step`: h_1 by hand from cells.py equals torch's fused layer on a trained model."""

import json

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()


@pytest.mark.parametrize("model", ["tiny_model", "tiny_char_lm", "tiny_ner"])
def test_by_hand_equals_fused(model, request):
    path = request.getfixturevalue(model)
    r = runner.invoke(app, ["inspect", "step", str(path), "John lives in London", "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["max_diff"] < 1e-5 and len(summary["by_hand"]) == len(summary["fused"])
    r = runner.invoke(app, ["inspect", "step", str(path), "John lives in London"])
    lines = r.stdout.splitlines()
    assert "step 1 of layer 0 (→) reads" in lines[0] and lines[1].startswith("x_1 (")
    assert "cells." in lines[2] and lines[-1].startswith("largest difference between by hand and torch.nn.")


def test_rnn_shows_the_two_products(tmp_path):
    from textrnn.commands.hello import show

    show(overrides=["train.epochs=1"], out=tmp_path / "hello")
    r = runner.invoke(app, ["inspect", "step", str(tmp_path / "hello" / "model"), "h"])
    assert r.exit_code == 0, r.output
    assert "reads '↵'" in r.stdout and "W_ih x_1 + b_ih  W_hh h_0 + b_hh  h_1 by hand  h_1 fused" in r.stdout


@pytest.mark.parametrize("args,message", [(["no-such-model", "a film"], "unknown model 'no-such-model'"),
                                          (["sentiment", "  "], "the text is empty")])
def test_bad_input(args, message):
    r = runner.invoke(app, ["inspect", "step", *args])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit) and message in r.stderr, r.output
    assert "hint:" in r.stderr and "Traceback" not in r.output
