"""`textrnn translate` and `textrnn evaluate` on a translation model, through typer's runner."""

import json

from typer.testing import CliRunner

from textrnn.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()


def test_one_line_out_per_line_in(tiny_translate):
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate)], input="Ein Hund läuft.\n\nEin Kind spielt.\n")
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[0] and lines[2] and lines[3] == ""


def test_jsonl_and_output_file(tiny_translate, tmp_path):
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate), "-f", "jsonl", "-o", str(out)], input="Ein Hund läuft.\n\n")
    assert r.exit_code == 0, r.output
    recs = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert recs[0]["source"] == "Ein Hund läuft." and recs[0]["translation"] and recs[1]["translation"] is None
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate), "-o", str(out)], input="Ein Hund läuft.\n")
    assert r.exit_code == 1 and "--force" in r.output


def test_plot_attention_writes_a_png_per_translated_line(tiny_translate, tmp_path):
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate), "--plot-attention", str(tmp_path / "att")],
                      input="Ein Hund läuft.\n\nEin Kind spielt.\n")
    assert r.exit_code == 0, r.output
    pngs = sorted(p.name for p in (tmp_path / "att").iterdir())
    assert pngs == ["line-1.png", "line-3.png"]
    assert (tmp_path / "att" / "line-1.png").read_bytes()[:4] == b"\x89PNG"
    # issue 20, row 16: a second run does not overwrite the pictures without --force
    before = (tmp_path / "att" / "line-1.png").stat().st_mtime_ns
    again = ["translate", "-m", str(tiny_translate), "--plot-attention", str(tmp_path / "att")]
    r = runner.invoke(app, again, input="Ein Hund läuft.\n")
    assert r.exit_code == 1 and "already holds 2 heatmaps" in r.stderr and "--force" in r.stderr
    assert (tmp_path / "att" / "line-1.png").stat().st_mtime_ns == before
    assert runner.invoke(app, again + ["--force"], input="Ein Hund läuft.\n").exit_code == 0


def test_bad_input(tiny_translate, tiny_model, tmp_path):
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate), "--beam", "0"], input="Hallo\n")
    assert r.exit_code == 1 and "--beam 0: must be between 1 and 64" in r.output
    r = runner.invoke(app, ["translate", "-m", str(tiny_model)], input="Hallo\n")
    assert r.exit_code == 1 and "'classify' model, not a 'translate' model" in r.output
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate), str(tmp_path / "missing.txt")])
    assert r.exit_code == 1 and "missing.txt" in r.output
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Ein Hund\n\xff\xfe\n")
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate), str(bad)])
    assert r.exit_code == 1 and "bad.txt" in r.output and "Traceback" not in r.output


def test_characters_unseen_in_training_still_translate(tiny_translate):
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate)], input="Ein Hund 🐕 läuft 東京 \x07 im Park.\n")
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 1 and "<unk>" not in r.stdout


def test_long_line_is_cut_with_one_note(tiny_translate):
    r = runner.invoke(app, ["translate", "-m", str(tiny_translate)], input=("Ein Hund " * 100 + "\n") * 2)
    assert r.exit_code == 0 and r.stderr.count("are cut to that length") == 1
    assert len(r.stdout.splitlines()) == 2


def test_evaluate_with_ref_or_prefix(tiny_translate):
    src, ref = FIXTURES / "parallel_dev.de", FIXTURES / "parallel_dev.en"
    r = runner.invoke(app, ["evaluate", str(tiny_translate), str(src), "--ref", str(ref), "--json", "--beam", "2"])
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert a["task"] == "translate" and a["n"] == 16 and a["beam"] == 2 and "tok:13a" in a["signature"]
    for data in (f"{FIXTURES}/parallel_dev.{{de,en}}", f"{FIXTURES}/parallel_dev"):
        r = runner.invoke(app, ["evaluate", str(tiny_translate), data, "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["n"] == 16
    r = runner.invoke(app, ["evaluate", str(tiny_translate), str(src)])
    assert r.exit_code == 1 and "--ref" in r.output


def test_ref_is_for_translation_only(tiny_model):
    r = runner.invoke(app, ["evaluate", str(tiny_model), str(FIXTURES / "sentiment_dev.tsv"), "--ref", "x"])
    assert r.exit_code == 1 and "translation models" in r.output
