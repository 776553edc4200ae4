"""Issue 20, the second sweep by hand: what a nearby variation of each row still broke."""

import json
import os
import resource
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_a_lone_surrogate_in_json_input_is_replaced(tiny_model):
    r = run("classify", "-m", tiny_model, "--input-format", "jsonl", input='{"text": "bad \\ud800 film"}\n')
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].endswith("bad \ufffd film")


def test_help_and_version_into_a_full_disk():
    for args in (["--version"], ["--help"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([sys.executable, "-c", "from textrnn.cli import run; run()", *args], stdout=full,
                               stderr=subprocess.PIPE, text=True)
        assert p.returncode == 1 and "Traceback" not in p.stderr
        assert "cannot write to stdout: No space left on device" in p.stderr


def test_a_failed_write_to_output_names_the_file(tiny_model, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("a good film\n" * 20000)
    out = tmp_path / "out.tsv"

    def small_files():   # what `ulimit -f 10` does: writes past 10 KB fail (Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (10240, 10240))

    p = subprocess.run([sys.executable, "-c", "from textrnn.cli import run; run()", "classify", "-m", str(tiny_model),
                        str(big), "-o", str(out)], stderr=subprocess.PIPE, text=True, preexec_fn=small_files)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert f"cannot write to {out}: File too large" in p.stderr and "stdout" not in p.stderr
    assert os.listdir(tmp_path) == ["big.txt"]   # nothing half-written


def test_outputs_and_run_directories_where_nothing_can_be_written(tiny_model, tmp_path):
    from tests.conftest import FIXTURES

    (tmp_path / "afile").write_text("")
    config = tmp_path / "c.toml"
    config.write_text(f'task = "classify"\n[data]\ntrain = "{FIXTURES / "sentiment_train.tsv"}"\n'
                      f'dev = "{FIXTURES / "sentiment_dev.tsv"}"\n[train]\nepochs = 1\n')
    r = run("train", config, "--out", tmp_path / "afile" / "sub")
    assert r.exit_code == 1 and "cannot make a run directory there (Not a directory)" in r.stderr
    r = run("classify", "-m", tiny_model, "-o", "/proc/x.tsv", input="a film\n")
    assert r.exit_code == 1 and "--output '/proc/x.tsv': cannot write there" in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize("key,value", [("hidden_size", 10_000_000), ("embedding_dim", 100_000_000), ("num_layers", 1000)])
def test_model_sizes_have_upper_bounds(tmp_path, key, value):
    from textrnn.errors import ConfigError
    from textrnn.train import train
    from tests.conftest import tiny_classify_config

    config = tiny_classify_config(epochs=1)
    config["model"][key] = value
    with pytest.raises(ConfigError, match=f"'model.{key}' must be from 1 to"):
        train(config, tmp_path / "run", quiet=True)


def test_damaged_bundles(tiny_model, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(tiny_model, copy)
    cfg = json.loads((copy / "config.json").read_text())
    cfg["model"]["vocab_size"] = -1
    (copy / "config.json").write_text(json.dumps(cfg))
    r = run("classify", "-m", copy, input="a film\n")
    assert r.exit_code == 1 and "'model.vocab_size' must be 1 or more, got -1" in r.stderr
    shutil.rmtree(copy)
    shutil.copytree(tiny_model, copy)
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["bogus"] = float("nan")
    (copy / "metrics.json").write_text(json.dumps(metrics))
    r = run("info", copy)
    assert r.exit_code == 0 and "NaN" not in r.stdout and json.loads(r.stdout)["metrics"]["bogus"] is None


def test_a_damaged_sentencepiece_model_is_named(tmp_path):
    from textrnn.errors import BundleError
    from textrnn.tokenizer import load_tokenizer, train_tokenizer

    tk = train_tokenizer("sentencepiece", ["a good film", "a bad film", "the plot is thin"] * 50, max_size=30)
    tk.save(tmp_path)
    model = tmp_path / "tokenizer.model"
    for damage in (b"", model.read_bytes()[:100]):
        model.write_bytes(damage)
        with pytest.raises(BundleError, match="tokenizer.model: damaged sentencepiece model"):
            load_tokenizer(tmp_path)


def test_an_endless_line_is_refused_with_flat_memory(tiny_model, monkeypatch):
    from textrnn import data

    monkeypatch.setattr(data, "MAX_LINE_BYTES", 1000)
    r = run("classify", "-m", tiny_model, input="a film\n" + "x" * 5000 + "\n")
    assert r.exit_code == 1 and "<stdin>:2: a line longer than" in r.stderr


def test_a_bad_set_value_is_blamed_on_the_set_option(tmp_path):
    from tests.conftest import FIXTURES

    config = tmp_path / "c.toml"
    config.write_text(f'task = "classify"\n[data]\ntrain = "{FIXTURES / "sentiment_train.tsv"}"\n'
                      f'dev = "{FIXTURES / "sentiment_dev.tsv"}"\n[train]\nepochs = 1\n')
    r = run("train", config, "--out", tmp_path / "run", "--set", "train.lr=abc")
    assert r.exit_code == 1 and "hint: fix --set train.lr=abc" in r.stderr


def test_batch_size_has_an_upper_bound(tiny_model):
    r = run("classify", "-m", tiny_model, "--batch-size", "100000000", input="a film\n")
    assert r.exit_code == 2 and "4096" in r.output   # a usage error, as --batch-size 0 is


def test_a_picture_cannot_go_to_stdout_and_resume_says_how_to_start_over(tiny_model, tmp_path):
    r = run("inspect", "hidden", tiny_model, "a good film", "-o", "-")
    assert r.exit_code == 1 and "--out -: this writes a file" in r.stderr and not (tmp_path / "-").exists()
    from textrnn.errors import TextrnnError
    from textrnn.train import train
    from tests.conftest import tiny_classify_config

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.jsonl").write_text("")   # killed before its first checkpoint
    with pytest.raises(TextrnnError, match="nothing to resume") as e:
        train(tiny_classify_config(epochs=1), tmp_path / "run", resume=True, quiet=True)
    assert "another --out" in e.value.hint
