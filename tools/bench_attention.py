"""Attention that reads as an alignment, and what it costs in BLEU: translation models side by side.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_attention.py de-en [NAME=DIR ...] [--write docs/BENCHMARKS.md]

For each model, Multi30k dev (`val`) and test (`test_2016_flickr`) are translated with the model's
beam and scored with sacreBLEU (as tools/bench_translate.py does), and the attention weights α of
every dev translation (one row per translated piece, summing to 1 over the source pieces) are
summarised:
- on `</s>`: the mean weight a translated piece puts on the source's closing `</s>` (0 when the model
  has no `</s>` key);
- on the last piece: the mean weight on the source's last real piece (the final full stop, mostly),
  where a model without a `</s>` key parks instead;
- sink rows: the share of translated pieces whose most-attended source piece is one of those two;
- peak: the mean of each row's largest weight (1 = every piece looks at one source piece).
A readable alignment has little weight on the sinks and a high peak. The closing `</s>` row of
each translation is left out: it ends the sentence and may rightly look at the source's end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, publish  # noqa: E402

DEV, TEST = "multi30k/val", "multi30k/test_2016_flickr"


def attention_stats(records: list[dict]) -> dict:
    eos = last = peak = sink = rows = 0.0
    for r in records:
        if not r or not r.get("attention"):
            continue
        src = r["source_pieces"]
        e = len(src) - 1 if src and src[-1] == "</s>" else None     # index of the source's </s>, if a key
        k = (e if e is not None else len(src)) - 1                   # the last real source piece
        for row in r["attention"][:-1]:                              # not the closing </s> row
            top = max(range(len(row)), key=row.__getitem__)
            eos += row[e] if e is not None else 0.0
            last += row[k] if k >= 0 else 0.0
            peak += row[top]
            sink += top in (e, k)
            rows += 1
    n = max(rows, 1)
    return {"eos": eos / n, "last": last / n, "sink": sink / n, "peak": peak / n, "rows": int(rows)}


def bench(name: str, path: str) -> dict:
    import textrnn
    from textrnn.heads.translate import bleu_report, read_pairs

    model = textrnn.load(path, task="translate")
    c = model.config
    row = {"name": name, "path": path, "beam": c.beam, "coverage": getattr(c, "coverage", 0.0),
           "attend_eos": getattr(c, "attend_eos", True)}
    for split, prefix in (("dev", DEV), ("test", TEST)):
        pairs = read_pairs(f"{corpora()}/{prefix}.{c.source}", f"{corpora()}/{prefix}.{c.target}")
        out = model.translate([s for s, _ in pairs], batch_size=32, attention=split == "dev")
        row[split] = bleu_report([r["translation"] if r else "" for r in out], [t for _, t in pairs])
        if split == "dev":
            row["attention"] = attention_stats(out)
        print(f"{name} {split}: BLEU {row[split]['bleu']:.2f}", file=sys.stderr)
    print(f"{name} attention: {row['attention']}", file=sys.stderr)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="shipped names or NAME=DIR")
    ap.add_argument("--write", type=Path, help="rewrite the attention section of this markdown file")
    args = ap.parse_args()
    rows = [bench(*(m.split("=", 1) if "=" in m else (m, m))) for m in args.models]
    lines = ["## Attention as an alignment (issue 22, defect 4)", "",
             f"Command: `python tools/bench_attention.py {' '.join(args.models)} --write docs/BENCHMARKS.md`  ",
             machine_line() + "  ",
             "Multi30k dev (n = 1,014) and test (n = 1,000), each model's beam; attention over the dev "
             "translations, one row per translated piece (the closing `</s>` row left out). On `</s>`, on "
             "the last piece: mean weight per row; sink rows: rows whose largest weight is on either; peak: "
             "mean largest weight per row.", "",
             "| model | coverage λ | `</s>` key | dev BLEU | test BLEU | on `</s>` | on the last piece | sink rows | peak |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a = r["attention"]
        lines.append(f"| {r['name']} | {r['coverage']:g} | {'yes' if r['attend_eos'] else 'no'} | {r['dev']['bleu']:.2f} | "
                     f"{r['test']['bleu']:.2f} | {a['eos']:.3f} | {a['last']:.3f} | {100 * a['sink']:.1f} % | {a['peak']:.3f} |")
    lines += ["", f"BLEU: sacreBLEU, {rows[0]['dev']['signature']}."]
    publish(lines, "attention", args.write)


if __name__ == "__main__":
    main()
