"""`textrnn train --example hello`: train the "hell" → "o" character RNN and show it at work.

The smallest end-to-end use of the engine: textrnn/configs/hello.toml through the same training
loop, language-model head and encoder as the shipped models, in a few seconds. Then the model
reads "hell" one character at a time, and at each step we print its guess for the next character:

    h → 'e'   (p = 0.99)
    e → 'l'   (p = 0.99)
    l → 'l'   (p = 0.99)
    l → 'o'   (p = 0.99)

The two "l" steps read the same input but answer differently: the hidden state remembers whether
an "l" came before. That memory is what a recurrent network is.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "hello.toml"


def show(text: str = "hell", overrides: list[str] | None = None, out: Path | None = None):
    """Train the toy (with `--set` overrides) in `out`, kept, or in a temporary directory; return
    [(character, next-character guess, probability)]."""
    import torch

    import textrnn
    from textrnn.config import apply_overrides, load_toml
    from textrnn.train import train

    config = apply_overrides(load_toml(CONFIG), overrides or [])
    cell = config.get("model", {}).get("cell", "rnn")
    with tempfile.TemporaryDirectory(prefix="textrnn-hello-") as tmp:
        run = Path(out) if out is not None else Path(tmp) / "run"
        units = config.get("model", {}).get("hidden_size", 16)
        print(f"training {CONFIG.name} (a character {cell.upper()}, {units} hidden units) ...", file=sys.stderr)
        train(config, run, base=CONFIG.parent, quiet=True)
        lm = textrnn.load(run / "model")
        if out is not None:
            print(f"model kept in {run / 'model'}: look inside with `textrnn inspect hidden {run / 'model'} hell`"
                  + (f" or `textrnn inspect gates {run / 'model'} hell`" if cell != "rnn" else ""), file=sys.stderr)
    steps = []
    ids = torch.tensor([lm.prompt_ids(text)])                 # (1, 1 + T): a line end, then the characters
    with torch.inference_mode():
        feats, _ = lm.model.hidden(ids)                        # (1, 1 + T, D)
        probs = lm.model.log_probs(feats[0]).exp()             # (1 + T, V)
    for t, ch in enumerate(text, start=1):                     # step t has read the line end and text[:t]
        p, i = probs[t].max(0)
        steps.append((ch, lm.tokenizer.vocab[int(i)], float(p)))
    return steps


def hello(overrides: list[str] | None = None, out: Path | None = None) -> None:
    for ch, nxt, p in show(overrides=overrides, out=out):
        print(f"{ch} → {nxt!r:5} (p = {p:.2f})")
