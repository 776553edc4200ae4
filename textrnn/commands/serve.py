"""`textrnn serve`: the chosen models behind HTTP, with the page at `/`.

The settings are checked (every model's config read) before the port is opened, so a mistake is
a one-line error, not a server that fails on its first request. With `--workers N`, uvicorn
runs N processes that each load the models (memory × N); the settings reach them through the
environment (`TEXTRNN_SERVE_SETTINGS`), as uvicorn builds each worker's app from a factory.
"""

from __future__ import annotations

import errno
import os
import socket
import sys

from textrnn.errors import InputError, check_size
from textrnn.serve.settings import Settings

ENV = "TEXTRNN_SERVE_SETTINGS"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def from_environment():
    """The app factory each uvicorn worker calls."""
    from textrnn.serve.app import create_app

    return create_app(Settings.from_json(os.environ[ENV]))


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise InputError(f"port {port} on {host} is in use", hint=f"choose another: --port {port + 1}") from None
            raise InputError(f"cannot listen on {host}:{port} ({e.strerror})",
                             hint="--host 127.0.0.1 serves this machine only; a port below 1024 needs root") from None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    from textrnn.serve.registry import Registry

    check_size("--port", port, 1, 65535)
    check_size("--workers", workers, 1, 64)
    from textrnn.runtime import requested

    Registry(settings.models)                     # every model's config read now: a wrong one stops us here
    requested()                                   # and a bad TEXTRNN_PRECISION, before any request meets it
    check_port(host, port)
    if host not in LOOPBACK:
        print(f"note: listening on {host}: anyone who can reach this machine on port {port} can use the models",
              file=sys.stderr)
    print(f"textrnn serve: {len(settings.models)} models ({', '.join(settings.models)}) on http://{host}:{port}/ "
          f"(the page), the API under /v1 (Ctrl-C stops)", file=sys.stderr)
    if workers == 1:
        from textrnn.serve.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
    else:
        os.environ[ENV] = settings.to_json()
        uvicorn.run("textrnn.commands.serve:from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", access_log=False)
