"""Fixtures for the server tests: an in-process app (FastAPI's test client), and a real
`textrnn serve` on a free loopback port for the browser test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

MODELS = {"sentiment": "sentiment", "ner": "ner", "pos": "pos", "de-en": "de-en", "wikitext2": "wikitext2"}


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from textrnn.serve.app import create_app
    from textrnn.serve.settings import Settings

    with TestClient(create_app(Settings(models=MODELS, max_texts=8, max_chars=200, max_body_bytes=20_000,
                                        max_tokens=50, max_beam=8))) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server():
    """A real `textrnn serve` process; yields its base URL; stopped at the end."""
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "textrnn", "serve", "--port", str(port),
                             "--models", ",".join(MODELS)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"textrnn serve exited: {proc.stderr.read().decode()}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
