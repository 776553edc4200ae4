"""`textrnn inspect ...` through typer's runner: a summary (or JSON) on stdout, a PNG written, clear errors."""

import json

from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()
PNG = b"\x89PNG"


def run(*args):
    return runner.invoke(app, ["inspect", *map(str, args)])


def test_gates_summary_png_and_json(tiny_model, tmp_path):
    out = tmp_path / "gates.png"
    r = run("gates", tiny_model, "a wonderful , moving film", "--out", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:4] == PNG and not (tmp_path / "gates.png.tmp").exists()
    lines = r.stdout.splitlines()
    assert "lstm, 1 layer, 16 units per direction" in lines[0] and "vary most over the text" in lines[1]
    assert "match the model's fused kernels" in lines[2]
    assert lines[3].split()[:4] == ["token", "input", "→", "forget"]
    assert [l.split()[0] for l in lines[4:]] == ["a", "wonderful", ",", "moving", "film"]
    r = run("gates", tiny_model, "a wonderful , moving film", "--out", out, "--force", "--json", "--units", "4")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["tokens"] == ["a", "wonderful", ",", "moving", "film"] and summary["max_diff"] < 1e-5
    assert [d["direction"] for d in summary["directions"]] == ["forward", "backward"]
    assert set(summary["directions"][0]["mean"]) == {"input", "forget", "output"}
    assert len(summary["directions"][0]["cell_norm"]) == 5 and summary["units_plotted"] == 4
    assert summary["unit_order"] == "variance"
    r = run("gates", tiny_model, "a wonderful , moving film", "--out", out, "--force", "--sort", "index")
    assert r.exit_code == 0 and "the picture shows units 0–15" in r.stdout, r.output


def test_existing_out_is_refused_without_force(tiny_model, tmp_path):
    out = tmp_path / "taken.png"
    out.write_bytes(b"keep me")
    for args in (["gates", tiny_model, "a film"], ["hidden", tiny_model, "a film"], ["gradients", "--length", 5],
                 ["embeddings", tiny_model, "--plot", "film,smart"]):
        r = run(*args, "--out", out)
        assert r.exit_code == 1 and "exists" in r.stderr and "--force" in r.stderr, (args, r.output)
    assert out.read_bytes() == b"keep me"


def test_hidden(tiny_ner, tmp_path):
    out = tmp_path / "hidden.png"
    r = run("hidden", tiny_ner, "John lives in London .", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["tokens"] == ["John", "lives", "in", "London", "."] and len(summary["pca"]) == 5
    assert out.read_bytes()[:4] == PNG and summary["direction"] == "both"
    r = run("hidden", tiny_ner, "John lives in London .", "--out", out, "--force")
    assert "→ has read the text up to each token" in r.stdout, r.output
    r = run("hidden", tiny_ner, "John lives in London .", "--out", out, "--force", "--direction", "forward")
    assert r.exit_code == 0 and "the forward (→) half" in r.stdout.splitlines()[0], r.output


def test_gradients_synthetic_with_clipping(tmp_path):
    out = tmp_path / "grad.png"
    r = run("gradients", "--length", 30, "--clip", 1, "--out", out, "--json")
    assert r.exit_code == 0, r.output
    cells = json.loads(r.stdout)["cells"]
    assert [c["cell"] for c in cells] == ["rnn", "gru", "lstm", "rnn, W_hh ×4"]
    assert all(len(c["norms"]) == 30 and c["norms"][-1] == 1 for c in cells)
    assert cells[-1]["total_norm"] > 1 and cells[-1]["clipped_norm"] == 1
    assert out.read_bytes()[:4] == PNG
    r = run("gradients", "--cell", "lstm", "--length", 20, "--out", tmp_path / "one.png")
    assert r.exit_code == 0 and r.stdout.splitlines()[2].startswith("lstm") and len(r.stdout.splitlines()) == 3


def test_gradients_on_a_model(tiny_lm, tmp_path):
    out = tmp_path / "grad.png"
    r = run("gradients", "--model", tiny_lm, "--text", "the cat sat", "--out", out)
    assert r.exit_code == 0, r.output
    assert "predicts next" in r.stdout and "layer 1 →" in r.stdout and out.read_bytes()[:4] == PNG
    r = run("gradients", "--text", "the cat", "--out", tmp_path / "x.png")
    assert r.exit_code == 1 and "--model and --text go together" in r.stderr
    r = run("gradients", "--model", tiny_lm, "--text", "the cat", "--cell", "gru", "--out", tmp_path / "x.png")
    assert r.exit_code == 1 and "--cell is for the synthetic task" in r.stderr


def test_embeddings(tiny_model, tmp_path):
    r = run("embeddings", tiny_model, "film", "--top", 3)
    assert r.exit_code == 0, r.output
    rows = [l.split("\t") for l in r.stdout.splitlines()]
    assert len(rows) == 3 and all(len(row) == 2 and -1 <= float(row[1]) <= 1 for row in rows)
    r = run("embeddings", tiny_model, "zeppelinx")
    assert r.exit_code == 1 and "error: 'zeppelinx' is not in the model's vocabulary" in r.stderr
    out = tmp_path / "map.png"
    r = run("embeddings", tiny_model, "--plot", "film,smart,boring,tedious", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["plot"]["words"] == ["film", "smart", "boring", "tedious"]
    assert out.read_bytes()[:4] == PNG
    r = run("embeddings", tiny_model, "--plot", "film,zeppelinx", "--out", tmp_path / "bad.png")
    assert r.exit_code == 1 and "zeppelinx" in r.stderr and not (tmp_path / "bad.png").exists()
    r = run("embeddings", tiny_model)
    assert r.exit_code == 1 and "give a WORD" in r.stderr


def test_attention(tiny_translate, tiny_model, tmp_path):
    out = tmp_path / "att.png"
    r = run("attention", tiny_translate, "Ein Hund läuft.", "--out", out)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[1].startswith("translation piece") and out.read_bytes()[:4] == PNG
    r = run("attention", tiny_model, "Ein Hund läuft.", "--out", tmp_path / "x.png")
    assert r.exit_code == 1 and "'classify' model, not a 'translate' model" in r.stderr


def test_bad_input(tiny_model, tmp_path):
    out = tmp_path / "x.png"
    for command in ("gates", "hidden", "attention"):
        r = run(command, tiny_model, "   ", "--out", out)
        assert r.exit_code == 1 and "error: the text is empty" in r.stderr, (command, r.output)
        r = run(command, "no-such-model", "a film", "--out", out)
        assert r.exit_code == 1 and "unknown model 'no-such-model'" in r.stderr, (command, r.output)
    r = run("gates", tiny_model, "a film", "--layer", 1, "--out", out)
    assert r.exit_code == 1 and "--layer 1: this encoder has 1 layer" in r.stderr
    r = run("gradients", "--clip", 0, "--out", out)
    assert r.exit_code == 1 and "--clip" in r.stderr
    assert not out.exists() and "Traceback" not in r.output


def test_bad_sort_and_direction(tiny_model, tiny_lm, tmp_path):
    out = tmp_path / "x.png"
    cases = [(["gates", tiny_model, "a film", "--sort", "random"], "unknown --sort 'random'; choose one of: variance, index"),
             (["hidden", tiny_model, "a film", "--direction", "up"], "unknown --direction 'up'; choose one of: both"),
             (["hidden", tiny_lm, "the cat", "--direction", "backward"], "reads in one direction only")]
    for args, message in cases:
        r = run(*args, "--out", out)
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), (args, r.output)
        assert message in r.stderr and "hint:" in r.stderr and "Traceback" not in r.output, (args, r.stderr)
    assert not out.exists()


def test_gates_on_the_shipped_sentiment_model(tmp_path):
    out = tmp_path / "gates.png"
    r = run("gates", "sentiment", "a fine film", "--out", out)
    assert r.exit_code == 0, r.output
    assert "160 units per direction; predicts positive" in r.stdout and out.read_bytes()[:4] == PNG


def test_gates_on_an_ensemble_look_inside_its_first_member(tmp_path):
    from tests.conftest import tiny_classify_config
    from textrnn.train import train

    train(tiny_classify_config(epochs=1, ensemble=2), tmp_path / "run", quiet=True)
    out = tmp_path / "gates.png"
    r = run("gates", tmp_path / "run" / "model", "a fine film", "--out", out)
    assert r.exit_code == 0, r.output
    assert "member 1 of 2 predicts" in r.stdout and out.read_bytes()[:4] == PNG
