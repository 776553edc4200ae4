"""`textrnn benchmark speed`: a throughput with its confidence interval, for each task."""

import json

from typer.testing import CliRunner

from textrnn.cli import app
from textrnn.commands.benchmark import mean_ci
from tests.conftest import FIXTURES

runner = CliRunner()


def test_mean_ci_is_students_t():
    mean, half = mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and abs(half - 4.303 * 1.0 / 3 ** 0.5) < 1e-9


def test_speed_of_each_task(tiny_model, tiny_ner, tiny_lm, tiny_translate, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("Ein Hund läuft im Park.\n\nthe cat sat on the mat\n", encoding="utf-8")
    for model, unit in ((tiny_model, "sentences/s"), (tiny_ner, "words/s"), (tiny_lm, "tokens/s"),
                        (tiny_translate, "sentences/s")):
        r = runner.invoke(app, ["benchmark", "speed", "-m", str(model), "--data", str(text), "--passes", "2", "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["unit"] == unit and out["mean"] > 0 and len(out["passes"]) == 2
    r = runner.invoke(app, ["benchmark", "speed", "-m", str(tiny_model), "--data", str(text), "--passes", "2"])
    assert r.exit_code == 0 and "sentences/s (mean ± 95 % CI over 2 passes" in r.stdout


def test_bad_input(tiny_model, tmp_path, monkeypatch):
    r = runner.invoke(app, ["benchmark", "speed", "-m", str(tiny_model), "--data", str(FIXTURES / "lm_sample.txt"),
                            "--passes", "1"])
    assert r.exit_code == 1 and "--passes must be at least 2" in r.output
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    r = runner.invoke(app, ["benchmark", "speed", "-m", str(tiny_model), "--data", str(empty)])
    assert r.exit_code == 1 and "no input lines" in r.output
    r = runner.invoke(app, ["benchmark", "speed", "-m", str(tiny_model), "--data", str(tmp_path / "nope.txt")])
    assert r.exit_code == 1 and "nope.txt" in r.output
    r = runner.invoke(app, ["benchmark", "speed", "-m", "nosuchmodel"])
    assert r.exit_code == 1 and "nosuchmodel" in r.output


def test_default_data_of_a_model_tested_on_several_files(tiny_model):
    """A model whose record names several test files is timed on all of them."""
    import textrnn
    from textrnn.commands.benchmark import default_data

    model = textrnn.load(tiny_model)
    test = str(FIXTURES / "sentiment_dev.tsv")
    model.metrics = {"data": {"test": [test, test]}}
    source, texts = default_data(model)
    lines = [l for l in open(test, encoding="utf-8") if l.strip()]
    assert source == f"{test} + {test}" and len(texts) == 2 * len(lines)
