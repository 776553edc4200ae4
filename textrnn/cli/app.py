"""The `textrnn` app itself: its options, how errors and signals end a command, and the entry point.

Each subcommand parses options and calls a function that does the work. Heavy imports (torch)
happen inside the commands, so `textrnn --help` is instant. A user's mistake (TextrnnError)
prints `error:` and `hint:` lines on stderr and exits 1; `--debug` shows the traceback too.
Results go to stdout, chatter to stderr.
"""

from __future__ import annotations

import functools
import os
import sys

import typer

from textrnn import __version__
from textrnn.errors import TextrnnError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Recurrent neural networks on text: classify, tag, generate, translate, train, evaluate.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        print(f"textrnn {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
):
    """textrnn — RNN, GRU and LSTM models for text, on the CPU."""


def handle_errors(fn):
    """Turn TextrnnError into `error: ...` / `hint: ...` on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TextrnnError as e:
            import click

            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("debug"):
                import traceback

                traceback.print_exc()
            print(f"error: {e.message}", file=sys.stderr)
            if e.hint:
                print(f"hint: {e.hint}", file=sys.stderr)
            raise typer.Exit(1)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(130)
        except Signalled as e:   # SIGTERM / SIGHUP: like Ctrl-C, every `finally` (temporary files) has run
            import signal

            print(f"stopped by {signal.Signals(e.signum).name}", file=sys.stderr)
            raise typer.Exit(128 + e.signum)
        except BrokenPipeError:
            # the reader went away (`| head -1`): stop quietly, as Unix tools do when SIGPIPE kills them
            _silence_stdout()
            raise typer.Exit(141)
        except OSError as e:
            if e.errno not in WRITE_ERRNOS:
                raise
            where = e.filename or "stdout"
            print(f"error: cannot write to {where}: {e.strerror}", file=sys.stderr)
            print("hint: free some space, or write elsewhere" + (" with --output" if where == "stdout" else ""),
                  file=sys.stderr)
            _silence_stdout()
            raise typer.Exit(1)

    return wrapper


class Signalled(BaseException):
    """SIGTERM or SIGHUP arrived. A BaseException, as KeyboardInterrupt is, so that no `except Exception`
    swallows it on its way up through the `finally` blocks that remove temporary files."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum, frame):
    raise Signalled(signum)


def _write_errnos() -> set:
    import errno

    return {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


MAX_BATCH = 4096   # --batch-size: more gains no speed and costs memory (1e8 on 67k lines took 1.4 GB)
WRITE_ERRNOS = _write_errnos()   # a full disk or a failing device: a message, not a traceback


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):   # no real file descriptor (a test runner's stdout)
        pass


def run():
    """Console-script entry point."""
    import signal

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for sig in (signal.SIGTERM, signal.SIGHUP):   # handled like SIGINT: clean up, a message, exit 128 + N
        signal.signal(sig, _raise_signalled)
    try:
        app()
    except OSError as e:   # outside any command: `--help` or `--version` into a full disk or a closed pipe
        if e.errno not in WRITE_ERRNOS and not isinstance(e, BrokenPipeError):
            raise
        _silence_stdout()
        if isinstance(e, BrokenPipeError):
            sys.exit(141)
        print(f"error: cannot write to stdout: {e.strerror}", file=sys.stderr)
        sys.exit(1)
