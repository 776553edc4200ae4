"""`textrnn translate`: one translation per input line, in input order, streamed in chunks.

An empty line gives an empty line, never a shifted one. With `--plot-attention DIR`, each
translated line also gets DIR/line-N.png: the attention weights, target pieces down, source
pieces across — where the decoder looked while writing each piece.
"""

from __future__ import annotations

import sys
from itertools import islice
from pathlib import Path

from textrnn.commands.output import json_line
from textrnn.errors import InputError, check_size

CHUNK = 512  # lines held in memory at once
MAX_BEAM = 64          # a wider beam only costs: memory and time grow with beam × batch × vocabulary
MAX_LEN = 1024         # pieces per translation
MAX_HYPOTHESES = 2048  # beam × sentences decoded together: a wide beam decodes fewer sentences at once


def translate_files(files: list[str], model: str = "de-en", beam: int | None = None, max_len: int | None = None,
                    fmt: str = "text", plot_attention: Path | None = None, batch_size: int = 32,
                    output: Path | None = None, force: bool = False) -> None:
    import textrnn
    from textrnn.commands.output import open_output
    from textrnn.data import iter_lines

    if beam is not None:
        check_size("--beam", beam, 1, MAX_BEAM, hint="--beam 1 is greedy decoding; 5 is usual, and wider beams "
                   "rarely translate better")
    if max_len is not None:
        check_size("--max-len", max_len, 1, MAX_LEN, hint="the default, 2 × the source's pieces + 10, is enough")
    if plot_attention is not None:
        check_plot_dir(plot_attention, force)
    from textrnn.commands.memory import release_free_memory

    predictor = textrnn.load(model, task="translate")
    batch_size = max(1, min(batch_size, MAX_HYPOTHESES // (beam or predictor.config.beam)))   # flat memory
    lines = ((n, line) for n, (_, _, line) in enumerate(iter_lines(files), 1))   # n counts over all files
    warned = False
    with open_output(output, force) as out:
        while chunk := list(islice(lines, CHUNK)):
            texts = [t for _, t in chunk]
            records = predictor.translate(texts, beam=beam, max_len=max_len, batch_size=batch_size,
                                          attention=plot_attention is not None)
            release_free_memory()   # memory.py: keeps a long run flat
            if predictor.truncated and not warned:
                print(f"note: lines longer than {predictor.config.max_len - 1} pieces are cut to that length "
                      "before translation", file=sys.stderr)
                warned = True
            for (n, text), rec in zip(chunk, records):
                if fmt == "jsonl":
                    out.write(json_line({"source": text, "translation": rec["translation"] if rec else None,
                                         "score": rec["score"] if rec else None}) + "\n")
                else:
                    out.write((rec["translation"] if rec else "") + "\n")
                if rec and plot_attention is not None:
                    plot(rec, plot_attention / f"line-{n}.png", text)
            out.flush()
    if plot_attention is not None:
        print(f"attention plots in {plot_attention}/", file=sys.stderr)


def check_plot_dir(directory: Path, force: bool = False) -> None:
    """A folder for the heatmaps: made if missing; one that already holds `line-N.png` pictures is
    refused unless `force` (they would be overwritten)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot-attention needs matplotlib", hint="pip install matplotlib") from None
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: exists and is not a directory", hint="give --plot-attention a directory")
    old = sorted(directory.glob("line-*.png")) if directory.is_dir() else []
    if old and not force:
        raise InputError(f"--plot-attention {str(directory)!r} already holds {len(old)} heatmaps ({old[0].name}, ...)",
                         hint="add --force to overwrite them, or choose another folder")
    directory.mkdir(parents=True, exist_ok=True)


def plot(rec: dict, path: Path, source: str) -> None:
    """One heatmap per line (the picture `textrnn inspect attention` draws), titled with the line."""
    from textrnn.commands.inspect_plots import plot_attention

    shown = source if len(source) <= 60 else source[:57] + "..."
    plot_attention(rec, f"attention: {shown!r} → {rec['translation']!r}", path)
