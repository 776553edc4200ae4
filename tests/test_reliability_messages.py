"""Issue 20, row 15: messages that say what is wrong and what to do."""

import json
import re

import pytest

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


def test_unknown_labels_name_the_file_and_line(tiny_model, tiny_pos, tmp_path):
    data = tmp_path / "mixed.tsv"
    data.write_text("positive\ta good film\n\nneutral\tan ok film\npositive\tfine\n", encoding="utf-8")
    r = run("evaluate", tiny_model, data)
    assert r.exit_code == 1 and f"error: {data}:3: labels ['neutral']" in r.stderr
    conllu = tmp_path / "odd.conllu"
    conllu.write_text("# text = Dogs bark\n1\tDogs\tdog\tNOUN\t_\t_\t2\tnsubj\t_\t_\n"
                      "2\tbark\tbark\tVRB\t_\t_\t0\troot\t_\t_\n\n", encoding="utf-8")
    r = run("evaluate", tiny_pos, conllu)
    assert r.exit_code == 1 and f"error: {conllu}:3: tags ['VRB']" in r.stderr


def test_a_wrongly_typed_bundle_config_has_no_stray_none(tiny_model, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(tiny_model, copy)
    cfg = json.loads((copy / "config.json").read_text())
    cfg["model"]["hidden_size"] = "abc"
    (copy / "config.json").write_text(json.dumps(cfg))
    r = run("classify", "-m", copy, input="a good film\n")
    assert r.exit_code == 1 and "must be int, got 'abc'" in r.stderr and "(None)" not in r.stderr


def test_inspect_messages(tiny_model, tmp_path):
    r = run("inspect", "hidden", tiny_model, "  ", "-o", tmp_path / "h.png")
    assert r.exit_code == 1 and "the text is empty" in r.stderr and "inspect gates" not in r.stderr
    r = run("inspect", "gates", tiny_model, "a\x01 good \x07film", "-o", tmp_path / "g.png")
    assert r.exit_code == 0, r.output
    assert "Warning" not in r.stderr and "\x01" not in r.output and "\\x01" in r.stdout + r.stderr
    r = run("inspect", "gradients", "--forget-bias", "nan", "-o", tmp_path / "n.png", "--json")
    assert r.exit_code == 1 and "--forget-bias nan: must be a finite number" in r.stderr and "NaN" not in r.stdout


@pytest.mark.parametrize("key,value,message", [
    ("dropout", 2.0, "'model.dropout' must be from 0.0 to 0.95, got 2.0"),
    ("hidden_size", 0, "'model.hidden_size' must be from 1 to 4096, got 0"),
])
def test_model_values_are_checked_against_their_ranges(tmp_path, key, value, message):
    from textrnn.errors import ConfigError
    from textrnn.train import train
    from tests.conftest import tiny_classify_config

    config = tiny_classify_config(epochs=1)
    config["model"][key] = value
    with pytest.raises(ConfigError, match=re.escape(message)):
        train(config, tmp_path / "run", quiet=True)
