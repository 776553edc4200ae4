"""Tagging benchmark: accuracy of the shipped taggers and their speed on raw text.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_tag.py [--models pos ner] [--write docs/BENCHMARKS.md]

Accuracy: `pos` UPOS accuracy per word on UD English EWT dev/test; `ner` conlleval span F1 on
CoNLL-2003 dev/test, and on WNUT-17 dev (out of domain: tweets) after mapping WNUT's types onto
CoNLL's (person → PER, location → LOC, corporation/group → ORG, creative-work/product → MISC).

Speed: raw text in, tags out — each test sentence's words joined by spaces, split into words by
the model's own tokenizer and tagged at batch 64, counted in words/s (median of 5 passes after a
warm-up). In the same run, a word-only softmax tagger of the same sizes (no characters, no CRF,
random weights: speed does not depend on them) gives the baseline the issue compares against:
character features and the CRF should cost at most a third of its speed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, write_section  # noqa: E402

CORPORA = {  # model → (dev file, test file) under $TEXTRNN_CORPORA
    "pos": ("ud_english_ewt/en_ewt-ud-dev.conllu", "ud_english_ewt/en_ewt-ud-test.conllu"),
    "ner": ("conll2003/dev.tsv", "conll2003/test.tsv"),
}
WNUT_TO_CONLL = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG",
                 "creative-work": "MISC", "product": "MISC"}


def wnut_f1(tagger) -> dict:
    from textrnn.data import read_tagged
    from textrnn.heads.tag import evaluate

    def mapped(tag):
        return tag if tag == "O" else tag[:2] + WNUT_TO_CONLL[tag[2:]]

    sents = [(tokens, [mapped(t) for t in tags]) for tokens, tags in read_tagged(corpora() / "wnut17/dev.tsv")]
    return evaluate(tagger, sents)


def words_per_second(tagger, texts: list[str], passes: int = 5, batch_size: int = 64) -> dict:
    """Raw text → words → tags, as `textrnn tag` does; median words/s over `passes` after a warm-up."""
    from textrnn.tokenizer import word_spans

    def once():
        t0 = time.perf_counter()
        sentences = [[t[s:e] for s, e in word_spans(t, tagger.config.words)] for t in texts]
        tagger.tag_tokens(sentences, batch_size)
        return sum(map(len, sentences)) / (time.perf_counter() - t0)

    once()
    runs = [once() for _ in range(passes)]
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs)}


def word_only_baseline(tagger, keep_lm: bool = False):
    """A tagger of the same sizes with neither character features nor CRF (random weights), and
    without language-model features unless `keep_lm` (then only characters and CRF are missing)."""
    import torch

    from textrnn.config import to_dict
    from textrnn.heads.tag import Predictor, Tagger, TaggerConfig

    torch.manual_seed(0)
    cfg = TaggerConfig(**{**to_dict(tagger.config), "char_filters": 0, "decoder": "softmax",
                          **({} if keep_lm else {"lm_hidden_size": 0})})
    return Predictor(Tagger(cfg), tagger.tokenizer)


def bench(name: str, speed: bool, path: str | None = None) -> dict:
    import textrnn
    from textrnn.bundle import read_metrics, resolve_model
    from textrnn.data import read_tagged
    from textrnn.heads.tag import evaluate

    tagger = textrnn.load(path or name, task="tag")
    directory = resolve_model(path or name)
    dev_file, test_file = CORPORA[name]
    out = {"size_mb": sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6,
           "parameters": sum(p.numel() for p in tagger.model.parameters()),
           "train_seconds": read_metrics(directory).get("train_seconds"), "config": tagger.metrics.get("config", {}).get("model")}
    test = read_tagged(corpora() / test_file)
    for split, f in (("dev", dev_file), ("test", test_file)):
        out[split] = evaluate(tagger, read_tagged(corpora() / f))
        print(f"{name} {split}: {json.dumps({k: v for k, v in out[split].items() if isinstance(v, float)})}", file=sys.stderr)
    if tagger.spans:
        out["wnut17_dev"] = wnut_f1(tagger)
    if speed:
        texts = [" ".join(tokens) for tokens, _ in test]
        out["speed"] = words_per_second(tagger, texts)
        out["speed_word_only"] = words_per_second(word_only_baseline(tagger), texts)
        out["speed_ratio"] = out["speed"]["median"] / out["speed_word_only"]["median"]
        if tagger.config.lm_hidden_size:
            out["speed_word_only_lm"] = words_per_second(word_only_baseline(tagger, keep_lm=True), texts)
            out["speed_ratio_lm"] = out["speed"]["median"] / out["speed_word_only_lm"]["median"]
        print(f"{name}: {out['speed']['median']:.0f} words/s; word-only softmax tagger "
              f"{out['speed_word_only']['median']:.0f} words/s; ratio {out['speed_ratio']:.2f}", file=sys.stderr)
    return out


def markdown(results: dict, command: str) -> str:
    lines = ["<!-- tag:begin -->", "## Tagging", "", f"Command: `{command}`  ", machine_line(), "",
             "| model | corpus | dev | test | size | parameters | trained in |", "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        key = "f1" if "wnut17_dev" in r else "accuracy"
        label = "span F1 (conlleval)" if key == "f1" else "UPOS accuracy"
        corpus = "CoNLL-2003" if key == "f1" else "UD English EWT"
        ts = r.get("train_seconds")
        lines.append(f"| `{name}` | {corpus}, {label} | {100 * r['dev'][key]:.2f} | **{100 * r['test'][key]:.2f}** | "
                     f"{r['size_mb']:.1f} MB | {r['parameters']:,} | {f'{ts / 60:.0f} min' if ts else '-'} |")
    lines.append("")
    for name, r in results.items():
        if "wnut17_dev" in r:
            w = r["wnut17_dev"]
            per = ", ".join(f"{t} {100 * v['f1']:.1f}" for t, v in w["per_type"].items())
            lines += [f"`{name}` on WNUT-17 dev (tweets, types mapped onto CoNLL's): span F1 {100 * w['f1']:.2f} "
                      f"(precision {100 * w['precision']:.2f}, recall {100 * w['recall']:.2f}; {per}).", ""]
            per = ", ".join(f"{t} {100 * v['f1']:.2f}" for t, v in r["test"]["per_type"].items())
            lines += [f"`{name}` CoNLL-2003 test per type: {per}.", ""]
    if any("speed" in r for r in results.values()):
        lines += ["Speed, raw text in → tags out, batch 64, median of 5 passes over the test set (min–max); "
                  "the baselines are word-only softmax taggers of the same sizes, measured in the same run: one "
                  "without anything else, and one with the model's language-model features (what characters and "
                  "the CRF alone cost):", "",
                  "| model | words/s | word-only softmax tagger | ratio | word-only + the same LM features | ratio |",
                  "|---|---|---|---|---|---|"]
        span = lambda b: f"{b['median']:,.0f} ({b['min']:,.0f}–{b['max']:,.0f})"  # noqa: E731
        for name, r in results.items():
            if "speed" in r:
                lm = (f"{span(r['speed_word_only_lm'])} | {r['speed_ratio_lm']:.2f}" if "speed_word_only_lm" in r
                      else "— | —")
                lines.append(f"| `{name}` | {span(r['speed'])} | {span(r['speed_word_only'])} | {r['speed_ratio']:.2f} | {lm} |")
        lines.append("")
    lines.append("<!-- tag:end -->")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    ap.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    ap.add_argument("--path", action="append", default=[], metavar="NAME=DIR",
                    help="score the model directory DIR in place of the shipped NAME (e.g. ner=runs/ner/model)")
    ap.add_argument("--write", type=Path, help="replace the tagging section of this markdown file")
    args = ap.parse_args()
    paths = dict(p.split("=", 1) for p in args.path)
    results = {name: bench(name, not args.no_speed, paths.get(name)) for name in args.models}
    print(json.dumps(results, indent=2))
    if args.write:
        write_section(args.write, markdown(results, "python tools/bench_tag.py " + " ".join(sys.argv[1:])), "tag")


if __name__ == "__main__":
    main()
