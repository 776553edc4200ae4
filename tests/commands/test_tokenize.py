"""`textrnn tokenize` as a user runs it: one record per input line, offsets into the line as given,
and one clear message for each kind of bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()


def _run(args, stdin=None):
    return runner.invoke(app, ["tokenize", *args], input=stdin)


def test_records_stay_one_per_line_and_offsets_index_the_line(tiny_segmenter):
    lines = ["I don't know. It's 12:30 now!", "", "   ", "We can't stop.", "!!! ... ???", "이 영화 정말 재밌어요 :)",
             "Привет, мир!", "tab\there\x07bell", "😀😀 ok"]
    r = _run(["-m", str(tiny_segmenter), "-f", "jsonl", "-"], "\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    records = [json.loads(l) for l in r.stdout.splitlines()]
    assert [rec["text"] for rec in records] == lines
    assert records[1]["sentences"] == [] and records[2]["sentences"] == []
    for rec in records:
        for s in rec["sentences"]:
            assert rec["text"][s["start"]: s["end"]] == s["text"]
            for t in s["tokens"]:
                assert rec["text"][t["start"]: t["end"]] == t["text"] and t["text"].strip() == t["text"]
        covered = "".join(t["text"] for s in rec["sentences"] for t in s["tokens"])
        kept = "".join(c for c in rec["text"] if not c.isspace() and ord(c) >= 32)   # control characters separate
        assert covered == kept                                  # every other character, nothing twice
    text = _run(["-m", str(tiny_segmenter), "-"], "\n".join(lines) + "\n").stdout.split("\n")
    assert len(text) == len(lines) + 1 and text[1] == "" and text[-1] == ""


def test_conllu_output_reads_back(tiny_segmenter):
    from textrnn.ud_eval import parse_conllu

    r = _run(["-m", str(tiny_segmenter), "-f", "conllu", "-"], "I don't know.\n\nSee you soon.\n")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("# newpar id = ") == 3 and "# (empty line)" in r.stdout
    doc = parse_conllu(r.stdout.replace("# (empty line)\n\n", ""))
    assert doc.characters == "Idon'tknow.Seeyousoon."


def test_a_megabyte_line_without_a_space(tiny_segmenter, tmp_path):
    f = tmp_path / "long.txt"
    f.write_text("x" * 1_000_000 + "\nok.\n", encoding="utf-8")
    r = _run(["-m", str(tiny_segmenter), str(f)])
    assert r.exit_code == 0, r.output
    out = r.stdout.split("\n")
    assert len(out) == 3 and "".join(out[0].split()) == "x" * 1_000_000


@pytest.mark.parametrize("content, words", [
    (None, ["no such file"]),
    (b"\x00\x01\x02binary\x00", ["binary"]),
    (b"caf\xe9\n", ["UTF-8", ":1"]),
])
def test_bad_input_files(tiny_segmenter, tmp_path, content, words):
    f = tmp_path / "in.txt"
    if content is not None:
        f.write_bytes(content)
    r = _run(["-m", str(tiny_segmenter), str(f)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    for w in words:
        assert w in r.output, r.output


def test_an_empty_file_is_named(tiny_segmenter, tmp_path):
    f = tmp_path / "empty.txt"
    f.write_text("", encoding="utf-8")
    r = _run(["-m", str(tiny_segmenter), str(f)])
    assert r.exit_code == 1 and "empty.txt" in r.output and "empty" in r.output and r.stdout == ""


def test_unknown_model_and_a_model_of_another_task(tiny_model):
    r = _run(["-m", "segmentr", "-"], "x\n")
    assert r.exit_code == 1 and "unknown model 'segmentr'" in r.output
    r = _run(["-m", str(tiny_model), "-"], "x\n")
    assert r.exit_code == 1 and "not a 'segment' model" in r.output


def test_evaluate_raw_scores_segmenter_and_tagger(tiny_segmenter, tiny_pos, tmp_path):
    from tests.conftest import FIXTURES

    out = tmp_path / "sys.conllu"
    args = ["evaluate", str(tiny_pos), str(FIXTURES / "pos_sample.conllu"), "--raw", "--segmenter", str(tiny_segmenter),
            "--write-conllu", str(out), "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    scores = json.loads(r.stdout)
    assert {"tokens_f1", "words_f1", "sentences_f1", "upos_f1", "upos_aligned_accuracy"} <= set(scores)
    assert out.read_text(encoding="utf-8").startswith("# sent_id = 1")
    rules = json.loads(runner.invoke(app, args[:4] + ["--segmenter", "rules", "--json"]).stdout)
    assert rules["tokens_f1"] < 1 and rules["words_f1"] == 1.0     # `can't` is one token of two words
    r = runner.invoke(app, args)                                   # the output exists: refuse without --force
    assert r.exit_code == 1 and "--force" in r.output
    r = runner.invoke(app, ["evaluate", str(tiny_pos), str(FIXTURES / "ner_dev.tsv"), "--raw"])
    assert r.exit_code == 1 and "CoNLL-U" in r.output
