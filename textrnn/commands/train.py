"""`textrnn train CONFIG`: read a TOML config, apply --set overrides, run the training loop."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from textrnn.errors import ConfigError

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
EXAMPLES = {"classify": "sms-spam.toml", "tag": "ner.toml", "lm": "wikitext2.toml", "translate": "de-en-base.toml"}


def example_config(task: str) -> str:
    """A shipped config to start from, for each task (`hello` is run, not printed: see the CLI)."""
    from textrnn.errors import choose

    choose("example", task, [*EXAMPLES, "hello"])
    return (CONFIGS / EXAMPLES[task]).read_text(encoding="utf-8")


def train_from_file(config_path: Path, overrides: list[str], out: Path | None, resume: bool) -> dict:
    from textrnn.config import apply_overrides, load_toml
    from textrnn.train import check_task_config, train

    config = apply_overrides(load_toml(config_path), overrides)
    check_task_config(config)
    if out is None:
        out = Path("runs") / Path(config_path).stem
    command = "textrnn " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    try:
        return train(config, out, resume=resume, base=Path(config_path).resolve().parent, command=command)
    except ConfigError as e:
        if e.hint is None:
            given = [o for o in overrides if f"'{o.split('=', 1)[0].strip()}'" in e.message]
            e.hint = f"fix --set {given[0]}" if given else f"fix it in {config_path}"   # where the value came from
        raise
