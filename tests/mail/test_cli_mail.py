"""`textrnn classify --input-format eml|mbox` and `textrnn evaluate MODEL FOLDER` through typer's runner, with
the shipped spam model: one record per message in input order, warnings on stderr, errors exit 1."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()

HAM = b"From: bob@example.org\nSubject: Minutes of Tuesday's meeting\n\nHi all, the minutes are attached. See you on Friday.\n"
SPAM = (b"From: winner@lottery.example\nSubject: =?utf-8?q?You_WON_=E2=82=AC1,000,000?=\n\n"
        b"Claim your FREE prize now!!! Click here to claim your cash prize, act now, limited offer.\n")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """These inputs are a few messages: one thread reads them in milliseconds, while two threads on a
    busy machine spin-wait for each other (seconds per call). Restored after the module."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def assert_clean_error(r, *words):
    assert r.exit_code == 1, r.output
    assert any(line.startswith("error: ") for line in r.stderr.splitlines()), r.stderr   # after any warnings
    assert "Traceback" not in r.output and r.stdout == ""
    for w in words:
        assert w in r.stderr


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A folder of five files: two mails, then an empty file, a binary one and a text without headers,
    named so that name order interleaves good and bad."""
    d = tmp_path / "inbox"
    d.mkdir()
    for name, data in {"1-ham.eml": HAM, "2-empty.eml": b"", "3-spam.eml": SPAM, "4-binary.eml": b"\x00\x01PK\x00",
                       "5-letter.eml": b"Dear friend,\nno headers here.\n"}.items():
        (d / name).write_bytes(data)
    return d


def test_classify_eml_folder_tsv_one_line_per_message_in_order(inbox):
    r = run("classify", "--model", "spam", "--input-format", "eml", inbox, inbox / "1-ham.eml")
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    names = ["1-ham.eml", "2-empty.eml", "3-spam.eml", "4-binary.eml", "5-letter.eml", "1-ham.eml"]
    assert [row[2] for row in rows] == [str(inbox / n) for n in names]
    assert all(len(row) == 4 for row in rows)
    assert [row[0] for row in rows] == ["ham", "", "spam", "", "", "ham"]
    assert rows[2][3] == "You WON €1,000,000" and 0.5 <= float(rows[2][1]) <= 1
    assert rows[1][:2] == ["", ""] and rows[1][3] == ""
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning: ")]
    assert [w.split(": ")[1] for w in warnings] == [str(inbox / n) for n in ("2-empty.eml", "4-binary.eml", "5-letter.eml")]


def test_classify_mbox_jsonl_fields(tmp_path):
    sep = b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n"
    box = tmp_path / "in.mbox"
    box.write_bytes(sep + HAM + b"\n" + sep + b"no headers, just text\n\n" + sep + SPAM)
    r = run("classify", "--model", "spam", "--input-format", "mbox", "--format", "jsonl", box)
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["source"], x["message"]) for x in recs] == [(str(box), 1), (str(box), 2), (str(box), 3)]
    assert [x["label"] for x in recs] == ["ham", None, "spam"]
    assert recs[0]["subject"] == "Minutes of Tuesday's meeting" and recs[0].get("error") is None
    assert set(recs[0]["scores"]) == {"ham", "spam"} and 0.5 <= recs[0]["probability"] <= 1
    assert recs[1]["subject"] is None and recs[1]["probability"] is None and "no mail headers" in recs[1]["error"]
    assert f"warning: {box}:2: " in r.stderr


def test_classify_long_mbox_tsv_stays_aligned_across_chunks(tmp_path):
    # more messages than classify reads at once (256), every seventh unreadable
    sep = b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n"
    bad = {i for i in range(1, 301) if i % 7 == 0}
    box = tmp_path / "big.mbox"
    box.write_bytes(b"".join(sep + (b"no headers\n" if i in bad else b"Subject: note %d\n\nsee you at %d\n" % (i, i)) + b"\n"
                             for i in range(1, 301)))
    r = run("classify", "--model", "spam", "--input-format", "mbox", box)
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert [row[2] for row in rows] == [f"{box}:{i}" for i in range(1, 301)]
    assert [row[3] for row in rows] == ["" if i in bad else f"note {i}" for i in range(1, 301)]
    assert [row[0] == "" for row in rows] == [i in bad for i in range(1, 301)]
    assert r.stderr.count("warning: ") == len(bad)


def test_classify_eml_from_stdin():
    r = run("classify", "--model", "spam", "--input-format", "eml", "-", input=SPAM)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("spam\t") and r.stdout.endswith("\t<stdin>\tYou WON €1,000,000\n")


def test_classify_mail_output_file_is_written_atomically(inbox, tmp_path):
    out = tmp_path / "out.tsv"
    r = run("classify", "--model", "spam", "--input-format", "eml", inbox, "--output", out)
    assert r.exit_code == 0 and r.stdout == ""
    assert len(out.read_text().splitlines()) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox", "out.tsv"]   # no temporary file left


def test_classify_mail_nothing_readable_exits_1_and_leaves_no_output(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.eml").write_bytes(b"")
    (bad / "b.eml").write_bytes(b"just text\n")
    out = tmp_path / "out.tsv"
    r = run("classify", "--model", "spam", "--input-format", "eml", bad, "--output", out)
    assert_clean_error(r, "no e-mail message could be read", "hint: ")
    assert "warning: " in r.stderr and "a.eml" in r.stderr and "b.eml" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]   # neither out.tsv nor its temporary file


@pytest.mark.parametrize("make,words", [
    (lambda d: d / "missing.eml", ["missing.eml: no such file"]),
    (lambda d: d, ["a folder with no mail in it"]),
])
def test_classify_mail_bad_paths_exit_1_naming_them(tmp_path, make, words):
    r = run("classify", "--model", "spam", "--input-format", "eml", make(tmp_path))
    assert_clean_error(r, *words)


def test_classify_empty_mbox_exits_1(tmp_path):
    (tmp_path / "empty.mbox").write_bytes(b"")
    r = run("classify", "--model", "spam", "--input-format", "mbox", tmp_path / "empty.mbox")
    assert_clean_error(r, "empty.mbox: is empty")


def test_evaluate_mail_folder_reports_accuracy_and_skipped(tmp_path):
    for label, files in {"ham": {"a.eml": HAM, "b.eml": b""}, "spam": {"c.eml": SPAM}}.items():
        (tmp_path / label).mkdir()
        for name, data in files.items():
            (tmp_path / label / name).write_bytes(data)
    r = run("evaluate", "spam", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    scores = json.loads(r.stdout)
    assert scores["skipped"] == 1 and scores["n"] == 2
    assert scores["labels"] == ["ham", "spam"] and [sum(row) for row in scores["confusion"]] == [1, 1]   # gold: the folders
    assert scores["accuracy"] == 1.0
    assert "b.eml" in r.stderr
    r = run("evaluate", "spam", tmp_path)
    assert r.exit_code == 0 and "skipped: 1" in r.stdout and "accuracy: 1.0000" in r.stdout


def test_evaluate_folder_without_label_folders_names_them(tmp_path):
    (tmp_path / "a.eml").write_bytes(HAM)
    r = run("evaluate", "spam", tmp_path)
    assert_clean_error(r, "no sub-folder named after a label (ham, spam)", f"{tmp_path}/ham/", f"{tmp_path}/spam/")


def test_file_names_with_tabs_and_line_breaks_keep_one_line_per_message(tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    (box / "a\tb.eml").write_bytes(HAM)
    (box / "c\nd.eml").write_bytes(SPAM)
    r = run("classify", "--model", "spam", "--input-format", "eml", box)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all(len(l.split("\t")) == 4 for l in lines)
    assert [l.split("\t")[2] for l in lines] == [str(box / "a b.eml"), str(box / "c d.eml")]


def test_jsonl_always_has_an_error_field(tmp_path):
    (tmp_path / "ok.eml").write_bytes(HAM)
    (tmp_path / "bad.eml").write_bytes(b"\x89PNG\x00\x00")
    r = run("classify", "--model", "spam", "--input-format", "eml", "-f", "jsonl", tmp_path / "bad.eml", tmp_path / "ok.eml")
    recs = [json.loads(l) for l in r.stdout.splitlines()]
    assert [rec["error"] is None for rec in recs] == [False, True]


def test_evaluate_with_an_empty_label_folder_scores_the_others(tmp_path):
    (tmp_path / "ham").mkdir()
    (tmp_path / "spam").mkdir()
    (tmp_path / "ham" / "1.eml").write_bytes(HAM)
    r = run("evaluate", "spam", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 1 and "no 'spam' messages are scored" in r.stderr
