"""`textrnn plot` on a malformed metrics.jsonl: a clear error naming file and line, or a note and a plot."""

import json

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

pytest.importorskip("matplotlib")


def record(epoch, **extra):
    return {"epoch": epoch, "step": 10 * epoch, "train_loss": 1.0 / epoch, "lr": 0.01, "seconds": 1.0,
            "grad_norm": 0.5, "dev": {"n": 4, "accuracy": 0.5 + epoch / 10}, **extra}


def run_dir(tmp_path, content: bytes | str):
    d = tmp_path / "run"
    d.mkdir()
    (d / "metrics.jsonl").write_bytes(content if isinstance(content, bytes) else content.encode())
    return d


def lines(*records):
    return "".join(json.dumps(r) + "\n" for r in records)


def plot(d):
    return CliRunner().invoke(app, ["plot", str(d)])


def assert_plotted(r, d):
    assert r.exit_code == 0, r.output
    assert (d / "curves.png").read_bytes()[:4] == b"\x89PNG"


def assert_error(r, *words):
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output   # no traceback
    assert "error:" in r.stderr and "hint:" in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def test_truncated_last_line_is_skipped_with_a_note(tmp_path):
    """What `kill -9` in the middle of writing an epoch's record leaves."""
    d = run_dir(tmp_path, lines(record(1), record(2)) + json.dumps(record(3))[:25])
    r = plot(d)
    assert_plotted(r, d)
    assert "note:" in r.stderr and "metrics.jsonl:3" in r.stderr and "truncated" in r.stderr


def test_only_a_truncated_line_means_no_epoch_yet(tmp_path):
    r = plot(run_dir(tmp_path, json.dumps(record(1))[:25]))
    assert_error(r, "no finished epoch yet")


def test_binary_file_is_an_error_naming_file_and_line(tmp_path):
    r = plot(run_dir(tmp_path, lines(record(1)).encode() + b"\x89PNG\r\n\x1a\n\x00\xff\xfe garbage\n"))
    assert_error(r, "metrics.jsonl:2", "UTF-8")


def test_line_that_is_not_an_object_is_an_error(tmp_path):
    r = plot(run_dir(tmp_path, lines(record(1)) + "[1, 2]\n" + lines(record(3))))
    assert_error(r, "metrics.jsonl:2", "not a JSON object")


def test_bad_json_before_the_last_line_is_still_an_error(tmp_path):
    r = plot(run_dir(tmp_path, lines(record(1)) + '{"epoch": 2,\n' + lines(record(3))))
    assert_error(r, "metrics.jsonl:2", "not valid JSON")


def test_records_missing_keys_leave_out_their_points_with_a_note(tmp_path):
    no_loss, no_lr, no_epoch = record(2), record(3), record(4)
    del no_loss["train_loss"], no_lr["lr"], no_epoch["epoch"]
    d = run_dir(tmp_path, lines(record(1), no_loss, no_lr, no_epoch, record(5, lr="fast", dev=[1])))
    r = plot(d)
    assert_plotted(r, d)
    assert "metrics.jsonl:4" in r.stderr and "'epoch'" in r.stderr            # the record is skipped
    assert "'train_loss'" in r.stderr and "'lr'" in r.stderr                   # the points are left out


def test_records_missing_every_series_still_plot(tmp_path):
    d = run_dir(tmp_path, lines({"epoch": 1}, {"epoch": 2}))
    assert_plotted(plot(d), d)


def test_no_record_with_an_epoch_is_an_error(tmp_path):
    r = plot(run_dir(tmp_path, lines({"train_loss": 1.0}, {"lr": 0.1})))
    assert_error(r, "metrics.jsonl", "'epoch'")


def test_malformed_model_metrics_json_is_ignored(tmp_path):
    d = run_dir(tmp_path, lines(record(1), record(2)))
    (d / "model").mkdir()
    (d / "model" / "metrics.json").write_text("[1, 2]")
    assert_plotted(plot(d), d)
    (d / "model" / "metrics.json").write_text('{"headline": ["accuracy"]}')
    assert_plotted(plot(d), d)
