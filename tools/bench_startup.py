"""CLI start-up: `textrnn --help` against `python -c "import torch"`, measured in one run, and the
wall time of one line through each shipped model (`echo TEXT | textrnn classify -`): what a user
waits for an answer, torch's import and the model's loading included.

    python tools/bench_startup.py [--repeat 5] [--write docs/BENCHMARKS.md]

The CLI imports torch only inside the commands that need it, so asking for help is instant.
Reports the median wall time of each over --repeat runs, and their ratio (target: help < 0.5×).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_seconds(cmd: list[str], repeat: int, text: str | None = None) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, input=text, text=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


ONE_LINE = [  # (command, shipped model, one input line)
    ("classify", "sentiment", "a wonderful, moving film"),
    ("classify", "spam", "WINNER!! Call 09061701461 now to claim your prize"),
    ("tag", "ner", "Angela Merkel met Emmanuel Macron in Paris ."),
    ("tag", "pos", "The old dogs bark at night."),
    ("next-word", "wikitext2", "the united"),
    ("translate", "de-en", "Ein Mann fährt mit dem Fahrrad."),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    py = sys.executable
    runs = {  # name → (command, stdin); a warm-up run of each first, so all see a warm file cache
        "textrnn --help": ([py, "-m", "textrnn", "--help"], None),
        "python -c 'import torch'": ([py, "-c", "import torch"], None),
    }
    for command, model, text in ONE_LINE:
        runs[f"echo '{text}' | textrnn {command} -m {model} -"] = ([py, "-m", "textrnn", command, "-m", model, "-"], text + "\n")
    for cmd, text in runs.values():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, input=text, text=True)
    t = {name: median_seconds(cmd, args.repeat, text) for name, (cmd, text) in runs.items()}
    torch_key = "python -c 'import torch'"
    ratio = t["textrnn --help"] / t[torch_key]
    for name, s in t.items():
        print(f"{name}: {s * 1000:.0f} ms (median of {args.repeat})")
    print(f"ratio: {ratio:.2f}")
    if args.write:
        from tools.bench_classify import write_section  # same marker-replacing writer
        import torch

        section = "\n".join([
            "<!-- startup:begin -->", "## CLI start-up", "",
            f"Command: `python tools/bench_startup.py --repeat {args.repeat}`  ",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; date {time.strftime('%Y-%m-%d')}.", "",
            "| command | median wall time |", "|---|---|",
            *[f"| `{n}` | {s * 1000:.0f} ms |".replace(" | textrnn", " \\| textrnn") for n, s in t.items()],  # GFM: escape a pipe in a table
            "", f"Ratio help / import torch: **{ratio:.2f}** (target < 0.5). End to end (load + predict) / import torch: "
            + ", ".join(f"{model} **{t[name] / t[torch_key]:.2f}**" for (_, model, _), name in zip(ONE_LINE, list(t)[2:]))
            + " (target ≤ 1.3 for `classify`).", "<!-- startup:end -->"])
        write_section(args.write, section, "startup")


if __name__ == "__main__":
    main()
