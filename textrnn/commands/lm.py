"""`textrnn next-word` and `textrnn generate`: a language model's two faces.

next-word: for each input line, the k most probable next tokens, one record per line in order
(an empty line gives an empty record). generate: sampled continuations of a prompt, streamed to
the terminal as they are produced; a seed makes them repeatable.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from textrnn.commands.output import json_line
from textrnn.errors import InputError, check_size

MAX_TOKENS = 100_000   # generate: tokens per sample (issue 20, row 7: every size option has a bound)
MAX_SAMPLES = 1_000    # generate: samples per prompt


def _load(model: str):
    import textrnn

    return textrnn.load(model, task="lm")


def _warn_unknown(predictor, text: str, where: str) -> None:
    ids = predictor.tokenizer.encode([text])[0] if text.strip() else []
    if ids and all(i == predictor.tokenizer.unk_id for i in ids):
        unit = "word" if predictor.config.unit == "word" else "character"
        print(f"note: {where}: no {unit} of the prompt is in the model's vocabulary; the model reads <unk>",
              file=sys.stderr)


def _say_truncated(predictor, said: bool) -> bool:
    """Say once, on stderr, that a long prompt was read from its end (heads/lm.py: prompt_ids)."""
    if predictor.truncated and not said:
        n = f"{predictor.max_prompt:,}"
        print(f"note: prompts longer than {n} tokens are read from their last {n} tokens "
              "(text that far back hardly changes the model's prediction)", file=sys.stderr)
    return said or bool(predictor.truncated)


def _tsv(field: str) -> str:
    """A TSV field on one line: a character model's next token is often a newline or a tab."""
    return field.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def next_word(texts: list[str], model: str, top_k: int = 5, fmt: str = "tsv", output: Path | None = None,
              force: bool = False) -> None:
    """`texts`: the literal texts, or ["-"] to read one text per line from stdin."""
    from textrnn.commands.output import open_output
    from textrnn.data import iter_lines

    if top_k < 1:
        raise InputError(f"--top-k {top_k}: must be at least 1")
    predictor = _load(model)
    lines = ((name, n, line) for name, n, line in iter_lines(["-"])) if texts == ["-"] else \
        (("<argument>", i, t) for i, t in enumerate(texts, 1))
    said = False
    with open_output(output, force) as out:
        for name, n, text in lines:
            if not text.strip():
                out.write(json_line({"text": text, "next": None}) + "\n" if fmt == "jsonl" else "\n")
                continue
            _warn_unknown(predictor, text, f"{name}:{n}")
            ranked = predictor.next_tokens([text], top_k)[0]
            said = _say_truncated(predictor, said)
            if fmt == "jsonl":
                rec = {"text": text, "next": [{"token": t, "probability": p} for t, p in ranked]}
                out.write(json_line(rec) + "\n")
            else:
                out.write(_tsv(text) + "".join(f"\t{_tsv(t)}\t{p:.4f}" for t, p in ranked) + "\n")
            out.flush()


def generate(prompts: list[str], model: str, max_tokens: int = 100, temperature: float = 1.0, top_k: int = 0,
             top_p: float = 1.0, num: int = 1, seed: int | None = None, fmt: str = "text",
             output: Path | None = None, force: bool = False) -> None:
    """Write `num` samples for each prompt: text (prompt + continuation, samples separated by an
    empty line) or jsonl ({"prompt", "sample", "text"} per sample)."""
    import torch

    from textrnn.commands.output import open_output

    check_size("--max-tokens", max_tokens, 1, MAX_TOKENS, hint="e.g. --max-tokens 200")
    if not math.isfinite(temperature) or temperature < 0:
        raise InputError(f"--temperature {temperature}: must be a finite number, 0 (greedy) or more",
                         hint="1.0 samples the model as it is")
    if not 0 < top_p <= 1:
        raise InputError(f"--top-p {top_p}: must be in (0, 1]", hint="e.g. --top-p 0.9; 1 turns nucleus sampling off")
    if top_k < 0:
        raise InputError(f"--top-k {top_k}: must be 0 (off) or more")
    check_size("--num", num, 1, MAX_SAMPLES, hint="run the command again for more samples")
    if seed is not None and not 0 <= seed < 2 ** 63:
        raise InputError(f"--seed {seed}: must be in [0, 2^63)")
    predictor = _load(model)
    generator = torch.Generator()
    generator.manual_seed(seed if seed is not None else torch.seed())
    live = output is None and sys.stdout.isatty()
    with open_output(output, force) as out:
        first, said = True, False
        for k, prompt in enumerate(prompts, 1):
            _warn_unknown(predictor, prompt, f"prompt {k}")
            for s in range(num):
                pieces = predictor.generate(prompt, max_tokens, temperature, top_k, top_p, generator)
                if fmt == "jsonl":
                    text = "".join(pieces)
                    out.write(json_line({"prompt": prompt, "sample": s + 1, "text": text}) + "\n")
                    continue
                if not first:
                    out.write("\n\n")
                first = False
                out.write(prompt + (" " if prompt and predictor.config.unit == "word" else ""))
                for piece in pieces:
                    out.write(piece)
                    if live:
                        out.flush()  # tokens appear as they are produced
            said = _say_truncated(predictor, said)
            if fmt == "text":
                out.flush()
        if fmt == "text" and not first:
            out.write("\n")


def read_prompts(prompt: str | None, files: list[str]) -> list[str]:
    """--prompt TEXT, or one prompt per line of FILEs (`-`: stdin), or one empty prompt."""
    from textrnn.data import iter_lines

    if prompt is not None and files:
        raise InputError("give either --prompt or prompt files, not both")
    if prompt is not None:
        return [prompt]
    if files:
        return [line for _, _, line in iter_lines(files)]
    return [""]
