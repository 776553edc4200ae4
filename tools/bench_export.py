"""ONNX Runtime vs eager torch: speed at batch 1 and 32, and equal scores, for the shipped
classifiers and taggers.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_export.py [--models spam sentiment ner pos] [--int8] [--write docs/BENCHMARKS.md]

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


def bench(name: str, tmp: Path, int8: bool = False) -> dict:
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
    q8 = None
    if int8:   # ONNX Runtime's dynamic quantization: int8 weights, activations quantized per call
        from onnxruntime.quantization import QuantType, quantize_dynamic

        q8path = tmp / f"{name}.int8.onnx"
        quantize_dynamic(str(path), str(q8path), weight_type=QuantType.QInt8)
        import onnx as onnx_lib

        src, dst = onnx_lib.load(str(path)), onnx_lib.load(str(q8path))   # keep textrnn's metadata
        for prop in src.metadata_props:
            dst.metadata_props.add(key=prop.key, value=prop.value)
        onnx_lib.save(dst, str(q8path))
        q8 = OnnxModel(q8path, names)
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
        a, b, c = [], [], []
        for _ in range(5):
            a.append(timed(run_eager))
            b.append(timed(onnx))
            if q8 is not None:
                c.append(timed(q8))
        if c:
            row[f"int8_ratio_{bs}"] = statistics.median(a) / statistics.median(c)
        row[f"ratio_{bs}"] = statistics.median(a) / statistics.median(b)
        row[f"eager_{bs}"] = len(pool) / statistics.median(a)
        row[f"onnx_{bs}"] = len(pool) / statistics.median(b)
        print(f"{name} batch {bs}: eager {row[f'eager_{bs}']:.0f}/s, onnx {row[f'onnx_{bs}']:.0f}/s, "
              f"ratio {row[f'ratio_{bs}']:.2f}", file=sys.stderr)
    key = "accuracy" if p.task == "classify" else head.headline(p)
    row["score_torch"] = head.evaluate(p, data)[key]
    row["score_onnx"] = head.evaluate(textrnn.load(path), data)[key]
    if q8 is not None:
        row["score_int8"] = head.evaluate(textrnn.load(q8path), data)[key]
    row["metric"] = key
    return row


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["spam", "sentiment", "ner", "pos"])
    ap.add_argument("--int8", action="store_true", help="also ONNX Runtime's dynamic int8 quantization")
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [bench(n, Path(tmp), args.int8) for n in args.models]
    command = ("python tools/bench_export.py " + " ".join(sys.argv[1:])).strip()
    lines = ["<!-- export:begin -->", "## ONNX export", "", f"`{command}`", "", machine_line(),
             f" torch threads: {torch.get_num_threads()}.", "",
             "Network only (inputs tokenized beforehand), sentences/s; ratio = eager time / ONNX Runtime time, "
             "interleaved, median of 5 rounds. Target: ≥ 1.5× at batch 1 and 32. Scores: the full test set through "
             "`textrnn evaluate` with each runtime.", "",
             "| model | networks | max difference | batch 1: eager / ONNX / ratio | batch 32: eager / ONNX / ratio | test score torch / ONNX |"
             + (" int8 ratio batch 1 / 32 | int8 test score |" if args.int8 else ""),
             "|---|---|---|---|---|---|" + ("---|---|" if args.int8 else "")]
    for r in rows:
        lines.append(f"| `{r['name']}` | {r['members']} | {r['max_diff']:.1e} | {r['eager_1']:.0f} / {r['onnx_1']:.0f} / "
                     f"**{r['ratio_1']:.2f}×** | {r['eager_32']:.0f} / {r['onnx_32']:.0f} / **{r['ratio_32']:.2f}×** | "
                     f"{r['metric']} {r['score_torch']:.4f} / {r['score_onnx']:.4f} |"
                     + (f" {r['int8_ratio_1']:.2f}× / {r['int8_ratio_32']:.2f}× | {r['score_int8']:.4f} |" if args.int8 else ""))
    lines += ["", "int8 = `textrnn export MODEL --onnx FILE --int8` (ONNX Runtime's dynamic quantization)."]
    lines.append("<!-- export:end -->")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, text, "export")


if __name__ == "__main__":
    main()
