"""`textrnn longrange`: trains each model with the real loop, prints the tables, draws the picture; bad input is refused."""

import json
import random

import pytest
from typer.testing import CliRunner

from textrnn.cli import app
from textrnn.commands.longrange import KEYS, NOISE, sequences

runner = CliRunner()
pytest.importorskip("matplotlib")


def test_the_task():
    examples = sequences(50, 7, random.Random(0))
    for label, text in examples:
        symbols = text.split()
        assert len(symbols) == 7 and symbols[0] == label in KEYS and set(symbols[1:]) <= set(NOISE)
    assert len({label for label, _ in examples}) == 4


def test_quick_run(tmp_path):
    out, runs = tmp_path / "lr.png", tmp_path / "runs"
    r = runner.invoke(app, ["longrange", "--quick", "--cells", "rnn,lstm", "--distances", "5,12", "--runs", str(runs),
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert "--quick" in lines[0] and lines[2].split()[:6] == ["cell", "layers", "reads", "acc@5", "acc@12", "clipped"]
    assert [l.split()[0] for l in lines[3:5]] == ["rnn", "lstm"] and "t=1 (key)" in lines[6]
    assert out.read_bytes()[:4] == b"\x89PNG" and f"wrote {out}" in r.stderr
    record = json.loads((runs / "lstm-1layer-uni" / "metrics.jsonl").read_text().splitlines()[-1])
    assert record["clip"] == 1.0 and isinstance(record["clipped_steps"], int)
    assert (runs / "rnn-1layer-uni" / "model" / "config.json").is_file()
    r = runner.invoke(app, ["longrange", "--quick", "--cells", "rnn", "--distances", "5", "--runs", str(runs),
                            "--out", str(tmp_path / "other.png")])
    assert r.exit_code == 1 and "exists: a run is never overwritten" in r.stderr and "hint:" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--cells", "lstn"], "--cells: unknown 'lstn'; choose from: rnn, gru, lstm"),
    (["--cells", " , "], "--cells is empty"),
    (["--distances", "20,abc"], "--distances: 'abc' is not a whole number from 2 to 400"),
    (["--distances", "1"], "--distances: '1' is not a whole number from 2 to 400"),
    (["--layers", "5"], "--layers: '5' is not a whole number from 1 to 4"),
    (["--directions", "3"], "--directions: '3' is not a whole number from 1 to 2"),
])
def test_bad_input(tmp_path, args, message):
    r = runner.invoke(app, ["longrange", "--quick", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "x.png"),
                            *args])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    assert message in r.stderr and "hint:" in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "runs").exists() and not (tmp_path / "x.png").exists()


def test_existing_picture_is_refused_before_training(tmp_path):
    (tmp_path / "x.png").write_bytes(b"keep")
    r = runner.invoke(app, ["longrange", "--quick", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "x.png")])
    assert r.exit_code == 1 and "--force" in r.stderr and not (tmp_path / "runs").exists()
