"""ONNX Runtime vs eager torch: speed at batch 1 and 32, and equal scores, for the shipped
classifiers and taggers.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_export.py [--models spam sentiment ner pos] [--write docs/BENCHMARKS.md]

Each model is exported (`textrnn export`) to a temporary file. Speed: the model's test sentences
(first 512), sorted by length as `textrnn classify/tag` batches them, run through the network
only (tokenized inputs prepared beforehand) at batch 1 (the first 64 sentences of the shuffled
set) and batch 32; eager and ONNX interleaved, 5 rounds, median times; ratio = eager / ONNX.
Scores: the full test set through `textrnn evaluate` with each runtime.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, write_section  # noqa: E402

TEST = {"spam": "sms_spam/test.tsv", "sentiment": "sst2/test.tsv", "ner": "conll2003/test.tsv",
        "pos": "ud_english_ewt/en_ewt-ud-test.conllu"}


def bench(name: str, tmp: Path) -> dict:
    import torch

    import textrnn
    from textrnn.export import OnnxModel, example_inputs, export, networks
    from textrnn.heads import head_module

    p = textrnn.load(name)
    path = tmp / f"{name}.onnx"
    diff = export(p, name, path)
    head = head_module(p.task)
    data = head.read_data(corpora() / TEST[name])
    texts = [t for _, t in data] if p.task == "classify" else [" ".join(toks) for toks, _ in data]
    nets = [n.float().eval() for n in networks(p)]   # eager torch as the commands run it: packed, members averaged
    def run_eager(*inputs):
        outs = [n(*inputs)[0] for n in nets]
        return outs[0] if len(outs) == 1 else torch.stack([o.softmax(-1) for o in outs]).mean(0)
    _, names = example_inputs(p, texts[:1])
    onnx = OnnxModel(path, names)
    sample = texts[:512]
    row = {"name": name, "task": p.task, "max_diff": diff, "members": len(nets)}
    for bs in (1, 32):
        pool = random.Random(0).sample(sample, 64) if bs == 1 else sorted(sample, key=len)
        batches = [example_inputs(p, pool[i: i + bs])[0] for i in range(0, len(pool), bs)]
        def timed(f):
            t0 = time.perf_counter()
            with torch.inference_mode():
                for b in batches:
                    f(*b)
            return time.perf_counter() - t0
        timed(run_eager), timed(onnx)
        a, b = [], []
        for _ in range(5):
            a.append(timed(run_eager))
            b.append(timed(onnx))
        row[f"ratio_{bs}"] = statistics.median(a) / statistics.median(b)
        row[f"eager_{bs}"] = len(pool) / statistics.median(a)
        row[f"onnx_{bs}"] = len(pool) / statistics.median(b)
        print(f"{name} batch {bs}: eager {row[f'eager_{bs}']:.0f}/s, onnx {row[f'onnx_{bs}']:.0f}/s, "
              f"ratio {row[f'ratio_{bs}']:.2f}", file=sys.stderr)
    key = "accuracy" if p.task == "classify" else head.headline(p)
    row["score_torch"] = head.evaluate(p, data)[key]
    row["score_onnx"] = head.evaluate(textrnn.load(path), data)[key]
    row["metric"] = key
    return row


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["spam", "sentiment", "ner", "pos"])
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [bench(n, Path(tmp)) for n in args.models]
    command = ("python tools/bench_export.py " + " ".join(sys.argv[1:])).strip()
    lines = ["<!-- export:begin -->", "## ONNX export", "", f"`{command}`", "", machine_line(),
             f" torch threads: {torch.get_num_threads()}.", "",
             "Network only (inputs tokenized beforehand), sentences/s; ratio = eager time / ONNX Runtime time, "
             "interleaved, median of 5 rounds. Target: ≥ 1.5× at batch 1 and 32. Scores: the full test set through "
             "`textrnn evaluate` with each runtime.", "",
             "| model | networks | max difference | batch 1: eager / ONNX / ratio | batch 32: eager / ONNX / ratio | test score torch / ONNX |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['name']}` | {r['members']} | {r['max_diff']:.1e} | {r['eager_1']:.0f} / {r['onnx_1']:.0f} / "
                     f"**{r['ratio_1']:.2f}×** | {r['eager_32']:.0f} / {r['onnx_32']:.0f} / **{r['ratio_32']:.2f}×** | "
                     f"{r['metric']} {r['score_torch']:.4f} / {r['score_onnx']:.4f} |")
    lines.append("<!-- export:end -->")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, text, "export")


if __name__ == "__main__":
    main()
