"""Issue 20's rows on files and streams: special files are never replaced, one record stays one line
whatever its text holds, `-o -` is stdout, a closed stdin, a full disk and a closed pipe are clean."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from textrnn.cli import app
from textrnn.commands.output import json_line, one_line

runner = CliRunner()
BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


# row 1 — --output FILE --force never replaces a FIFO, a device or a symlink
def test_output_refuses_special_files_even_with_force(tiny_model, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    (tmp_path / "in.txt").write_text("a good film\n")
    # (a device node is refused the same way as the FIFO; not tried here: a regression would replace it)
    for path, words in ((fifo, "not a regular file"), (link, "is a symbolic link")):
        r = run("classify", "-m", tiny_model, tmp_path / "in.txt", "--output", path, "--force")
        assert r.exit_code == 1 and words in r.stderr, r.output
    assert fifo.exists() and not fifo.is_file() and link.is_symlink() and target.read_text() == "keep me\n"


# row 16 — `-o -` means stdout
def test_output_dash_is_stdout(tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("classify", "-m", tiny_model, "-o", "-", input="a good film\n")
    assert r.exit_code == 0 and r.stdout.count("\n") == 1 and not (tmp_path / "-").exists()


# row 5 — a text with a line break of any kind stays one record in line-based outputs
@pytest.mark.parametrize("brk", BREAKS)
def test_every_line_break_in_a_text_keeps_one_line_per_record(tiny_model, tmp_path, brk):
    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps({"text": f"a good{brk}film\tnow"}) + "\n" + json.dumps({"text": "dull"}) + "\n")
    for fmt in ("tsv", "jsonl"):
        r = run("classify", "-m", tiny_model, "--input-format", "jsonl", "-f", fmt, data)
        assert r.exit_code == 0, r.output
        lines = r.stdout.splitlines()   # splitlines breaks at every one of BREAKS
        assert len(lines) == 2, lines
        if fmt == "jsonl":
            assert json.loads(lines[0])["text"] == f"a good{brk}film\tnow"
        else:
            assert lines[0].split("\t")[2] == "a good" + " " * len(brk) + "film now"


def test_json_lines_are_json_without_nan():
    assert json_line({"p": float("nan"), "q": [float("inf"), 1.5]}) == '{"p": null, "q": [null, 1.5]}'
    assert "\n" not in json_line({"t": "a\u2028b\x85c"}) and json.loads(json_line({"t": "a\u2028b"}))["t"] == "a\u2028b"
    assert one_line("a\tb\u2029c\r\nd") == "a b c  d"


# rows 9 and 10 — real processes: a closed stdin, a full disk, a reader that goes away
def textrnn(*args, **kw):
    return subprocess.run([sys.executable, "-m", "textrnn", *map(str, args)], capture_output=True, text=True, **kw)


def test_closed_stdin_is_a_clear_error(tiny_model):
    r = textrnn("classify", "-m", tiny_model, stdin=subprocess.DEVNULL)   # an empty stdin is another message
    assert r.returncode == 1 and "is empty" in r.stderr
    code = ("import sys; sys.stdin.close(); sys.stdin = None; sys.argv = ['textrnn', 'classify', '-m', sys.argv[1]]; "
            "from textrnn.cli import run; run()")
    r = subprocess.run([sys.executable, "-c", code, str(tiny_model)], capture_output=True, text=True)
    assert r.returncode == 1 and "standard input is closed" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_on_stdout_is_a_message(tiny_model, tmp_path):
    (tmp_path / "in.txt").write_text("a good film\n" * 10)
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "textrnn", "classify", "-m", str(tiny_model), str(tmp_path / "in.txt")],
                           stdout=full, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 1 and "cannot write to stdout: No space left on device" in r.stderr
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr


def test_a_reader_that_goes_away_ends_the_run_quietly(tiny_model, tmp_path):
    (tmp_path / "in.txt").write_text("a good film\n" * 60000)
    p = subprocess.Popen([sys.executable, "-m", "textrnn", "classify", "-m", str(tiny_model), str(tmp_path / "in.txt")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()   # as `| head -1` does
    err = p.stderr.read().decode()
    assert p.wait() == 141 and err == ""


# row 3 — SIGTERM / SIGHUP while writing --output: cleaned up like Ctrl-C; stale temporaries swept
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_a_terminated_run_leaves_no_temporary_file(tiny_model, tmp_path, sig):
    import signal
    import time

    (tmp_path / "in.txt").write_text("a good film , a dull plot\n" * 400_000)
    out = tmp_path / "out.tsv"
    p = subprocess.Popen([sys.executable, "-m", "textrnn", "classify", "-m", str(tiny_model), str(tmp_path / "in.txt"),
                          "--output", str(out)], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list(tmp_path.glob(".out.tsv.tmp-*")) and time.time() < deadline:   # writing has begun
        time.sleep(0.05)
    p.send_signal(getattr(signal, sig))
    err = p.communicate()[1]
    assert p.returncode == 128 + getattr(signal, sig) and f"stopped by {sig}" in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".out.tsv.tmp-*"))


def test_stale_temporaries_of_dead_processes_are_swept(tiny_model, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.tsv.tmp-{dead.pid}"
    stale.write_text("half")
    alive = tmp_path / f".out.tsv.tmp-{os.getppid()}"   # a live process's file: perhaps still being written
    alive.write_text("busy")
    (tmp_path / "in.txt").write_text("a good film\n")
    r = run("classify", "-m", tiny_model, tmp_path / "in.txt", "--output", tmp_path / "out.tsv")
    assert r.exit_code == 0 and (tmp_path / "out.tsv").is_file() and not stale.exists()
    assert alive.read_text() == "busy"
