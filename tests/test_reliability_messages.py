"""Issue 20, row 15: messages that say what is wrong and what to do."""

import json

from typer.testing import CliRunner

from textrnn.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_a_directory_is_called_a_directory(tiny_ner, tmp_path):
    r = run("evaluate", tiny_ner, tmp_path)
    assert r.exit_code == 1 and "is a directory" in r.stderr
    r = run("train", tmp_path, "--out", tmp_path / "run")
    assert r.exit_code == 1 and "is a directory" in r.stderr and "hint:" in r.stderr


def test_tagging_data_given_to_a_classifier_is_recognised(tiny_model):
    r = run("evaluate", tiny_model, FIXTURES / "ner_dev.tsv")
    assert r.exit_code == 1 and "this looks like CoNLL tagging data" in r.stderr
    assert len(r.stderr) < 600   # not every token of the file as a "label"


def test_infinite_temperature_and_missing_folders_and_empty_data(tiny_lm, tiny_model, tmp_path):
    r = run("generate", "-m", tiny_lm, "--prompt", "a", "--temperature", "inf")
    assert r.exit_code == 1 and "must be a finite number" in r.stderr
    r = run("classify", "-m", tiny_model, "-o", tmp_path / "nope" / "out.tsv", input="a film\n")
    assert r.exit_code == 1 and "hint: create it first" in r.stderr
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n\n")
    r = run("evaluate", tiny_model, empty)
    assert r.exit_code == 1 and "has no examples" in r.stderr and "hint:" in r.stderr


def test_a_format_version_written_as_a_string_is_read(tiny_model, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(tiny_model, copy)
    cfg = json.loads((copy / "config.json").read_text())
    cfg["format_version"] = str(cfg["format_version"])
    (copy / "config.json").write_text(json.dumps(cfg))
    r = run("classify", "-m", copy, input="a good film\n")
    assert r.exit_code == 0, r.output
