"""Translation benchmark: sacreBLEU of the shipped translation models, greedy vs beam, and decoding speed.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_translate.py [--models de-en] [--path NAME=DIR]
        [--beams 1 5] [--write docs/BENCHMARKS.md]

Scores: Multi30k `val` (dev) and `test_2016_flickr` (test), each decoded with every beam size in
`--beams` (1 = greedy). `bleu` is sacreBLEU on the detokenized output against the raw references
(cased, 13a tokenization: the signature is printed), chrF likewise, and lowercased BLEU for
comparison with tutorials that score lowercased tokens.

Speed: sentences/s translating the whole test set (batches of 32 sentences of similar length),
measured in the same run as the scores, one pass per beam size after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, write_section  # noqa: E402

CORPORA = {  # model → (dev prefix, test prefix) under $TEXTRNN_CORPORA
    "de-en": ("multi30k/val", "multi30k/test_2016_flickr"),
    "en-de": ("multi30k/val", "multi30k/test_2016_flickr"),
}


def bench(name: str, path: str, beams: list[int]) -> dict:
    import textrnn
    from textrnn.bundle import resolve_model
    from textrnn.commands.info import _size_mb
    from textrnn.heads.translate import bleu_report, read_pairs

    model = textrnn.load(path, task="translate")
    c = model.config
    row = {"name": name, "size_mb": _size_mb(resolve_model(path)), "train_seconds": model.metrics.get("train_seconds"),
           "epochs": model.metrics.get("epochs_run"), "scores": {}}
    model.translate(["Ein Mann fährt mit dem Fahrrad."] * 8, beam=max(beams))  # warm-up
    for split, prefix in zip(("dev", "test"), CORPORA[name]):
        pairs = read_pairs(f"{corpora()}/{prefix}.{c.source}", f"{corpora()}/{prefix}.{c.target}")
        for beam in beams:
            t0 = time.perf_counter()
            out = model.translate([s for s, _ in pairs], beam=beam, batch_size=32)
            seconds = time.perf_counter() - t0
            rep = bleu_report([r["translation"] if r else "" for r in out], [t for _, t in pairs])
            rep["sentences_per_second"] = len(pairs) / seconds
            row["scores"][(split, beam)] = rep
            row["signature"] = rep["signature"]
            print(f"{name} {split} beam {beam}: BLEU {rep['bleu']:.2f}, chrF {rep['chrf']:.2f}, lowercased BLEU "
                  f"{rep['bleu_lowercase']:.2f}; {rep['sentences_per_second']:.1f} sentences/s", file=sys.stderr)
    return row


def section(rows: list[dict], command: str) -> str:
    import torch

    lines = ["<!-- translate:begin -->", "## Translation", "", f"`{command}`", "", machine_line(), "",
             "Multi30k: dev = `val` (1,014 sentences), test = `test_2016_flickr` (1,000). BLEU is sacreBLEU on the "
             "detokenized output, signature `" + (rows[0]["signature"] if rows else "") + "`; lowercased BLEU is the "
             "same with `lowercase=True`, for comparison with tutorials. Speed: sentences/s over the whole split, "
             f"batches of 32, {torch.get_num_threads()} torch thread(s).", "",
             "| model | split | decoding | BLEU | chrF | lowercased BLEU | sentences/s |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        for (split, beam), s in r["scores"].items():
            how = "greedy" if beam == 1 else f"beam {beam}"
            lines.append(f"| `{r['name']}` | {split} | {how} | {s['bleu']:.2f} | {s['chrf']:.2f} | {s['bleu_lowercase']:.2f} "
                         f"| {s['sentences_per_second']:.1f} |")
    for r in rows:
        train = f"{r['train_seconds'] / 60:.0f} minutes, {r['epochs']} epochs" if r.get("train_seconds") else "unknown"
        lines.append(f"\n`{r['name']}`: {r['size_mb']:.1f} MB; training {train}.")
    lines.append("<!-- translate:end -->")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", help="shipped models (default: de-en, unless --path is given)")
    ap.add_argument("--path", action="append", default=[], metavar="NAME=DIR",
                    help="benchmark the model in DIR as NAME (which sets its corpus)")
    ap.add_argument("--beams", nargs="+", type=int, default=[1, 5], help="beam sizes to compare (1 = greedy)")
    ap.add_argument("--write", type=Path, help="rewrite the translation section of this markdown file")
    args = ap.parse_args()
    paths = {n: n for n in args.models or ([] if args.path else ["de-en"])}
    paths.update(dict(p.split("=", 1) for p in args.path))
    rows = [bench(name, path, args.beams) for name, path in paths.items()]
    text = section(rows, ("python tools/bench_translate.py " + " ".join(sys.argv[1:])).strip())
    print(text)
    if args.write:
        write_section(args.write, text, "translate")


if __name__ == "__main__":
    main()
