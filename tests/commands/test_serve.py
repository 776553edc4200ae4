"""`textrnn serve` from the command line: mistakes stop it before it listens, with one message."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

from typer.testing import CliRunner

from textrnn.cli import app

runner = CliRunner()


def _fails(args, *words):
    r = runner.invoke(app, ["serve", *args])
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    for w in words:
        assert w in r.output, r.output
    return r.output


def test_bad_models(tmp_path):
    _fails(["--models", "sentimnt"], "unknown model 'sentimnt'", "sentiment")
    _fails(["--models", f"mine={tmp_path}"], "config.json: missing")
    _fails(["--models", f"mine={tmp_path / 'none'}"], "unknown model")


def test_bad_port_and_workers():
    _fails(["--port", "70000"], "--port 70000")
    _fails(["--workers", "0"], "--workers 0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        _fails(["--port", str(s.getsockname()[1])], "is in use", "--port")


def test_a_bad_precision_in_the_environment_stops_it_before_it_listens(monkeypatch):
    monkeypatch.setenv("TEXTRNN_PRECISION", "half")
    _fails(["--models", "sentiment"], "TEXTRNN_PRECISION='half' is not a precision", "auto, fp32, bf16")


def test_several_workers_serve():
    from tests.serve.conftest import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "textrnn", "serve", "--port", str(port), "--workers", "2",
                             "--models", "sentiment"], stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    assert b'"ok"' in r.read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
    finally:
        proc.terminate()
        proc.wait(20)
