"""`textrnn tag` through typer's runner: formats, line alignment, CoNLL input and bad input."""

import json

import pytest

from tests.conftest import FIXTURES
from tests.test_cli import BAD_FILES, bad_file, run


def test_tag_formats_keep_lines_aligned(tiny_ner, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("Karl Weber lives in Berlin.\n\nAnna visited Rome\r\n", encoding="utf-8")
    r = run("tag", f, "--model", tiny_ner)
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert lines[0] == "Karl/B-PER Weber/I-PER lives/O in/O Berlin/B-LOC ./O" and lines[1] == "" and len(lines) == 4
    r = run("tag", f, "--model", tiny_ner, "--format", "spans")
    assert r.stdout.split("\n")[:3] == ["PER:0-10:Karl Weber\tLOC:20-26:Berlin", "", "PER:0-4:Anna\tLOC:13-17:Rome"]
    r = run("tag", f, "--model", tiny_ner, "--format", "jsonl")
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(recs) == 3 and recs[1]["tokens"] == [] and recs[2]["entities"][1]["text"] == "Rome"
    r = run("tag", f, "--model", tiny_ner, "--format", "conll")
    # one block per input line, each ended by a blank line: the empty line's block is a comment, so
    # readers that merge runs of blank lines still count three records (issue 20, row 6)
    assert r.stdout.startswith("Karl\tB-PER\n") and "Berlin\tB-LOC\n.\tO\n\n# (empty line)\n\nAnna\tB-PER\n" in r.stdout
    assert r.stdout.endswith("Rome\tB-LOC\n\n") and "\n\n\n" not in r.stdout
    assert len([b for b in r.stdout.split("\n\n") if b.strip()]) == 3
    back = tmp_path / "back.conll"    # our own reader skips the empty line's block
    back.write_text(r.stdout, encoding="utf-8")
    r = run("tag", back, "--model", tiny_ner, "--input-format", "conll")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2, r.output


def test_tokenized_and_conll_input(tiny_ner, tmp_path):
    r = run("tag", "--model", tiny_ner, "--tokenized", input="Karl Weber lives in U.S.A.\n")
    assert r.stdout.split()[-1] == "U.S.A./B-LOC" or r.stdout.split()[-1].startswith("U.S.A./")
    r = run("tag", FIXTURES / "ner_dev.tsv", "--model", tiny_ner, "--input-format", "conll", "--format", "conll")
    assert r.exit_code == 0 and r.stdout.count("\n\n") == 3
    r = run("tag", FIXTURES / "pos_sample.conllu", "--model", tiny_ner)
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2 and r.stdout.startswith("We/")


def test_pos_model_with_spans_is_refused(tiny_pos):
    r = run("tag", "--model", tiny_pos, "--format", "spans", input="Dogs run.\n")
    assert r.exit_code == 1 and "tags parts of speech, not entity spans" in r.stderr and "hint:" in r.stderr
    r = run("tag", "--model", tiny_pos, input="Dogs run fast.\n")
    assert r.exit_code == 0 and r.stdout.startswith("Dogs/")


def test_long_lines_and_control_characters(tiny_ner, tiny_segmenter):
    long = " ".join(["Anna lives in Rome ."] * 1000)   # 5,000 words
    r = run("tag", "--model", tiny_ner, "--segmenter", "rules", input=f"{long}\nKarl\x07 Weber\x1b\n")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and len(lines[0].split()) == 5000 and r.stderr.count("tagged in pieces") == 1
    assert lines[1] == "Karl/B-PER Weber/I-PER"   # control characters are not words
    r = run("tag", "--model", tiny_ner, "--segmenter", tiny_segmenter, input=f"{long}\nKarl\x07 Weber\x1b\n")
    lines = r.stdout.splitlines()
    assert r.exit_code == 0 and len(lines) == 2 and len(lines[0].split()) == 5000, r.output
    assert [w.split("/")[0] for w in lines[1].split()] == ["Karl", "Weber"]


@pytest.mark.parametrize("content,message", BAD_FILES)
def test_tag_bad_input(tiny_ner, tmp_path, content, message):
    r = run("tag", bad_file(tmp_path, content), "--model", tiny_ner)
    assert r.exit_code == 1 and message in r.stderr and "hint:" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_conll_wrong_columns_and_wrong_model(tiny_ner, tiny_model, tmp_path):
    f = tmp_path / "bad.conll"
    f.write_text("Rome\tB-LOC\nis\tO\textra\n", encoding="utf-8")
    r = run("tag", f, "--model", tiny_ner, "--input-format", "conll")
    assert r.exit_code == 1 and "bad.conll:2: 3 columns" in r.stderr
    r = run("tag", "--model", tiny_model, input="x\n")
    assert r.exit_code == 1 and "is a 'classify' model, not a 'tag' model" in r.stderr
    r = run("tag", "--model", "nre", input="x\n")
    assert r.exit_code == 1 and "unknown model 'nre'" in r.stderr


def test_evaluate_tagger(tiny_ner):
    r = run("evaluate", tiny_ner, FIXTURES / "ner_dev.tsv", "--json")
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["task"] == "tag" and {"f1", "precision", "recall", "per_type", "accuracy"} <= set(s)
    r = run("evaluate", tiny_ner, FIXTURES / "ner_dev.tsv")
    assert r.exit_code == 0 and "f1:" in r.stdout


def test_raw_text_through_a_segmenter_keeps_one_record_per_line(tiny_ner, tiny_pos, tiny_segmenter):
    text = "Karl Weber lives in Berlin. Anna visited Al-Ain!\n\n\x07\nWe can't stop.\n"
    r = run("tag", "--model", tiny_ner, "--segmenter", tiny_segmenter, "--format", "jsonl", input=text)
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [rec["text"] for rec in recs] == text.split("\n")[:-1]
    assert recs[1]["sentences"] == [] and recs[2]["tokens"] == []          # an empty line, a control character
    for rec in recs:
        assert all(rec["text"][s:e] == tok for tok, (s, e) in zip(rec["tokens"], rec["offsets"]))
        assert sum(len(s["tokens"]) for s in rec["sentences"]) == len(rec["tokens"])
        assert all(rec["text"][e["start"]: e["end"]] == e["text"] for e in rec.get("entities", []))
    assert "Al-Ain" in "".join(recs[0]["tokens"]) or "Al-Ain" in recs[0]["text"]
    for fmt, count in (("inline", 4), ("spans", 4)):
        r = run("tag", "--model", tiny_ner, "--segmenter", tiny_segmenter, "--format", fmt, input=text)
        assert r.exit_code == 0 and len(r.stdout.split("\n")) == count + 1, r.output
    r = run("tag", "--model", tiny_ner, "--segmenter", tiny_segmenter, "--format", "conll", input=text)
    assert r.stdout.count("# (empty line)") == 2 and len([b for b in r.stdout.split("\n\n") if b.strip()]) == 4
    r = run("tag", "--model", tiny_pos, "--segmenter", tiny_segmenter, "--format", "jsonl", input="We can't stop.\n")
    words = json.loads(r.stdout)["tokens"]
    assert "".join(words) == "Wecan'tstop."                                 # a multiword token's words cut its text


def test_segmenter_option_mistakes(tiny_ner, tiny_model, tiny_segmenter):
    r = run("tag", "--model", tiny_ner, "--segmenter", tiny_segmenter, "--tokenized", input="a b\n")
    assert r.exit_code == 1 and "--segmenter is for raw text" in r.stderr
    r = run("tag", "--model", tiny_ner, "--segmenter", tiny_model, input="a b\n")
    assert r.exit_code == 1 and "not a 'segment' model" in r.stderr
    r = run("tag", "--model", tiny_ner, "--segmenter", "rules", input="Karl Weber lives in Berlin.\n")
    assert r.exit_code == 0 and r.stdout.startswith("Karl/")
