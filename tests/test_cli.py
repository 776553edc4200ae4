"""The CLI through typer's runner: results on stdout, errors as `error:`/`hint:` with exit code 1."""

import json
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_help_and_version_do_not_import_torch():
    code = "import sys; from textrnn.cli import app; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.startswith("textrnn ")
    assert "classify" in run("--help").stdout


def test_classify_file_keeps_lines_aligned(tiny_model, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("a wonderful , moving film\n\nboring and bad\r\n")
    r = run("classify", f, "--model", tiny_model)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and lines[1] == "\t\t"
    assert lines[0].startswith("positive\t") and lines[0].endswith("\ta wonderful , moving film")
    assert lines[2].startswith("negative\t") and lines[2].endswith("\tboring and bad")


def test_classify_stdin_jsonl(tiny_model):
    r = run("classify", "-", "--model", tiny_model, "--format", "jsonl", input="lovely film\n\n")
    assert r.exit_code == 0, r.output
    recs = [json.loads(l) for l in r.stdout.splitlines()]
    assert recs[0]["text"] == "lovely film" and set(recs[0]["scores"]) == {"negative", "positive"}
    assert recs[1] == {"text": "", "label": None, "probability": None, "scores": None}


def test_classify_jsonl_input(tiny_model, tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text('{"body": "great film"}\n{"body": "dull"}\n')
    r = run("classify", f, "--model", tiny_model, "--input-format", "jsonl", "--text-field", "body")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2
    r = run("classify", f, "--model", tiny_model, "--input-format", "jsonl")
    assert r.exit_code == 1 and "in.jsonl:1: no field 'text'" in r.stderr


def test_classify_table(tiny_model):
    r = run("classify", "--model", tiny_model, "--format", "table", input="lovely film\n")
    assert r.exit_code == 0 and "lovely film" in r.stdout


def test_output_is_atomic_and_needs_force(tiny_model, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("great\n")
    out = tmp_path / "out.tsv"
    assert run("classify", f, "--model", tiny_model, "--output", out).exit_code == 0
    assert out.read_text().count("\n") == 1
    r = run("classify", f, "--model", tiny_model, "--output", out)
    assert r.exit_code == 1 and "exists" in r.stderr and "--force" in r.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\n" * 5000 + b"\xff\n")  # fails after the first chunk was written
    r = run("classify", bad, "--model", tiny_model, "--output", out, "--force")
    assert r.exit_code == 1 and "bad.txt:5001: not valid UTF-8" in r.stderr
    assert out.read_text().count("\n") == 1           # the old output is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "in.txt", "out.tsv"]


BAD_FILES = [  # (file content or None for a missing file, the message expected)
    (None, "no such file"),
    (b"", "is empty"),
    (b"\x00\x00PK", "NUL bytes"),
    (b"ok\ncaf\xe9\n", "in.txt:2: not valid UTF-8"),
]


def bad_file(tmp_path, content):
    f = tmp_path / "in.txt"
    if content is not None:
        f.write_bytes(content)
    return f


@pytest.mark.parametrize("content,message", BAD_FILES)
def test_classify_bad_input(tiny_model, tmp_path, content, message):
    r = run("classify", bad_file(tmp_path, content), "--model", tiny_model)
    assert r.exit_code == 1
    assert message in r.stderr and "hint:" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_classify_directory_and_unknown_model(tmp_path):
    r = run("classify", tmp_path, "--model", tmp_path)
    assert r.exit_code == 1 and "error:" in r.stderr
    r = run("classify", "--model", "sentimnt", input="x\n")
    assert r.exit_code == 1 and "unknown model 'sentimnt'; choose one of" in r.stderr


def test_very_long_line_is_truncated_once(tiny_model):
    long = "great " * 200_000  # ~1.2 MB
    r = run("classify", "--model", tiny_model, input=long + "\n" + long + "\n")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2
    assert r.stderr.count("truncated") == 1


def test_evaluate_json(tiny_model, tmp_path):
    from tests.conftest import FIXTURES

    r = run("evaluate", tiny_model, FIXTURES / "sentiment_dev.tsv", "--json")
    assert r.exit_code == 0, r.output
    scores = json.loads(r.stdout)
    assert scores["n"] == 6 and 0 <= scores["accuracy"] <= 1 and "macro_f1" in scores
    assert len(scores["confusion"]) == 2
    r = run("evaluate", tiny_model, FIXTURES / "sentiment_dev.tsv")
    assert r.exit_code == 0 and "accuracy" in r.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text("neutral\tmeh\n")
    r = run("evaluate", tiny_model, bad, "--json")
    assert r.exit_code == 1 and "not among the model's labels" in r.stderr


def test_train_cli_and_info(tmp_path):
    from tests.conftest import FIXTURES

    cfg = tmp_path / "c.toml"
    cfg.write_text(f"""task = "classify"
[data]
train = "{FIXTURES / 'sentiment_train.tsv'}"
[model]
embedding_dim = 8
hidden_size = 8
[train]
epochs = 1
""")
    r = run("train", cfg, "--out", tmp_path / "run", "--set", "model.cell=gru")
    assert r.exit_code == 0, r.output
    r = run("info", tmp_path / "run" / "model")
    assert r.exit_code == 0 and json.loads(r.stdout)["config"]["model"]["cell"] == "gru"
    r = run("train", cfg, "--out", tmp_path / "run2", "--set", "model.cel=gru")
    assert r.exit_code == 1 and "unknown config key 'model.cel'" in r.stderr
    r = run("train", tmp_path / "nope.toml")
    assert r.exit_code == 1 and "not found" in r.stderr


def test_train_example_and_models():
    r = run("train", "--example", "classify")
    assert r.exit_code == 0 and 'task = "classify"' in r.stdout
    r = run("train", "--example", "tag")
    assert r.exit_code == 0 and 'decoder = "crf"' in r.stdout
    r = run("train", "--example", "lm")
    assert r.exit_code == 0 and 'task = "lm"' in r.stdout
    r = run("train", "--example", "translate")
    assert r.exit_code == 0 and 'attention = "additive"' in r.stdout
    r = run("train", "--example", "clasify")
    assert r.exit_code == 1 and "choose one of: classify, hello, lm, tag, translate" in r.stderr
    assert run("models").exit_code == 0


def test_bundle_of_another_task_is_refused(tiny_model, tmp_path):
    import shutil

    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    cfg = json.loads((d / "config.json").read_text())
    cfg["task"] = "translate"
    (d / "config.json").write_text(json.dumps(cfg))
    r = run("classify", "--model", d, input="hello\n")
    assert r.exit_code == 1 and "error:" in r.stderr and "translate" in r.stderr


def test_hello_toy_learns_hell_o():
    """The two "l" steps read the same input and answer differently: the state remembers."""
    r = run("train", "--example", "hello")
    assert r.exit_code == 0, r.output
    assert [line.split()[:3] for line in r.stdout.splitlines()] == [
        ["h", "→", "'e'"], ["e", "→", "'l'"], ["l", "→", "'l'"], ["l", "→", "'o'"]]


def test_hello_honours_set_and_out(tmp_path):
    """Issue 22, defect 1: --set and --out were silently ignored and the model thrown away."""
    r = run("train", "--example", "hello", "--set", "model.cell=lstm", "--out", tmp_path / "hello")
    assert r.exit_code == 0, r.output
    assert "model kept in" in r.stderr and "inspect gates" in r.stderr and len(r.stdout.splitlines()) == 4
    assert json.loads((tmp_path / "hello" / "model" / "config.json").read_text())["model"]["cell"] == "lstm"
    r = run("inspect", "gates", tmp_path / "hello" / "model", "hell", "-o", tmp_path / "g.png")
    assert r.exit_code == 0, r.output
    r = run("train", "--example", "hello", "--set", "model.cel=lstm")
    assert r.exit_code == 1 and "model.cel" in r.stderr


def test_models_lists_each_test_file_of_a_split_of_several():
    from textrnn.commands.info import headline

    metrics = {"headline": "accuracy", "test": {"accuracy": 0.5},
               "test_files": {"corpora:sms/test.tsv": {"accuracy": 0.99}, "corpora:mail/test.tsv": {"accuracy": 0.98}}}
    assert headline("classify", metrics) == "test accuracy sms/test.tsv 0.9900, mail/test.tsv 0.9800"
    assert headline("classify", {"test": {"accuracy": 0.5}}) == "test accuracy 0.5000"
