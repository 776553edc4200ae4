"""The `textrnn` command: a thin typer shell over plain functions.

Each subcommand parses options and calls a function that does the work (textrnn/commands/). Heavy
imports (torch) happen inside the commands, so `textrnn --help` is instant. A user's mistake
(TextrnnError) prints `error:` and `hint:` lines on stderr and exits 1; `--debug` shows the
traceback too. Results go to stdout, chatter to stderr.

    app.py      the typer app, error and signal handling, the entry point `run`
    predict.py  classify, tag, tokenize, next-word, generate, translate
    learn.py    evaluate, train, plot
    look.py     inspect ..., longrange
    tools.py    export, benchmark, models, info, serve

The modules are imported in this order, which is the order `textrnn --help` lists the commands.
"""

from textrnn.cli.app import MAX_BATCH, WRITE_ERRNOS, app, handle_errors, run   # noqa: F401
from textrnn.cli import predict, learn, look, tools   # noqa: F401,E402  (each registers its commands)
