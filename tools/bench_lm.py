"""Language-model benchmark: perplexity of the shipped language models, and generation speed.

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_lm.py [--models wikitext2 shakespeare]
        [--path NAME=DIR] [--write docs/BENCHMARKS.md]

Perplexity: each model's dev and test text, read as one stream with the state carried from its
first token to its last (batch 1, as the literature's test perplexities: Zaremba et al. 2014,
Merity et al. 2018), every token predicted once: per-word perplexity for word models (every word
and every `<eos>`, the literature's convention), nats per character for character models.

Output-layer speed: training tokens/s with the full softmax and with the adaptive one, in one run.

Speed: tokens generated per second at batch 1 (sampling, temperature 1, seed 0), 200 tokens per
sample, mean and 95 % confidence interval over 10 samples after a warm-up; and the latency of one
`next-word` query (median of 20).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, write_section  # noqa: E402

CORPORA = {  # model → (dev, test) under $TEXTRNN_CORPORA; Tiny Shakespeare has no test split
    "wikitext2": ("wikitext2/wiki.valid.tokens", "wikitext2/wiki.test.tokens"),
    "ptb": ("ptb/ptb.valid.txt", "ptb/ptb.test.txt"),
    "shakespeare": ("tinyshakespeare/input.txt[90%:]", None),
}
PROMPTS = {"word": "the united", "char": "ROMEO:"}


def mean_ci(xs: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95 % confidence interval (t distribution)."""
    t = {5: 2.776, 10: 2.262, 20: 2.093}.get(len(xs), 1.96)
    return statistics.mean(xs), t * statistics.stdev(xs) / len(xs) ** 0.5


def generation_speed(lm, samples: int = 10, length: int = 200) -> tuple[float, float]:
    import torch

    prompt = PROMPTS[lm.config.unit]
    gen = torch.Generator().manual_seed(0)
    list(lm.generate(prompt, 20, generator=gen))  # warm-up
    rates = []
    for _ in range(samples):
        t0 = time.perf_counter()
        n = sum(1 for _ in lm.generate(prompt, length, generator=gen))
        rates.append(n / (time.perf_counter() - t0))
    return mean_ci(rates)


def next_word_latency(lm, runs: int = 20) -> float:
    lm.next_tokens([PROMPTS[lm.config.unit]], 5)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        lm.next_tokens([PROMPTS[lm.config.unit]], 5)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def softmax_speed(rounds: int = 3, steps: int = 4) -> dict:
    """Training tokens/s of the `wikitext2` model's sizes with the full 33k softmax and with the tied
    adaptive softmax (cutoffs 2000, 10000), on real WikiText-2 windows, rounds interleaved."""
    import random

    import torch

    from textrnn.heads.lm import LanguageModel, LMConfig, Stream, batches, read_data, stream_ids
    from textrnn.tokenizer import WordTokenizer

    lines = read_data(f"{corpora()}/wikitext2/wiki.train.tokens.gz")
    tok = WordTokenizer.train(lines, max_size=40000, split="whitespace")
    ids = stream_ids(tok, lines[:4000], "word")
    sizes = dict(vocab_size=tok.vocab_size, embedding_dim=400, hidden_size=400, num_layers=2, bptt=70)
    models = {"full softmax": LMConfig(**sizes), "adaptive (2000, 10000)": LMConfig(**sizes, cutoffs=(2000, 10000))}
    rates: dict = {k: [] for k in models}
    for _ in range(rounds):
        for name, cfg in models.items():
            torch.manual_seed(0)
            model = LanguageModel(cfg).train()
            opt = torch.optim.AdamW(model.parameters(), 1e-3)
            wins = list(batches(Stream(ids, 70), 32, random.Random(0)))[: steps + 1]
            t0 = None
            for i, (x, y, carry) in enumerate(wins):
                if i == 1:
                    t0 = time.perf_counter()  # the first step warms up
                _, loss = model(x, y, carry)
                opt.zero_grad()
                loss.backward()
                opt.step()
            rates[name].append(steps * 32 * 70 / (time.perf_counter() - t0))
    out = {k: statistics.median(v) for k, v in rates.items()}
    print(f"softmax speed: {out}", file=sys.stderr)
    return out


def bench(name: str, path: str) -> dict:
    import textrnn
    from textrnn.bundle import resolve_model
    from textrnn.commands.info import _size_mb
    from textrnn.heads.lm import read_data

    lm = textrnn.load(path, task="lm")
    row = {"name": name, "size_mb": _size_mb(resolve_model(path)), "unit": lm.config.unit,
           "train_seconds": lm.metrics.get("train_seconds"), "epochs": lm.metrics.get("epochs_run")}
    dev, test = CORPORA[name]
    for split, rel in (("dev", dev), ("test", test)):
        if rel:
            t0 = time.perf_counter()
            row[split] = lm.score(read_data(f"{corpora()}/{rel}"))
            row[split]["seconds"] = time.perf_counter() - t0
            print(f"{name} {split}: perplexity {row[split]['perplexity']:.2f}, loss {row[split]['loss']:.4f} "
                  f"nats/{lm.config.unit}", file=sys.stderr)
    row["gen"] = generation_speed(lm)
    row["next_word_ms"] = next_word_latency(lm) * 1000
    print(f"{name}: {row['gen'][0]:.0f} ± {row['gen'][1]:.0f} tokens/s generated; next-word "
          f"{row['next_word_ms']:.1f} ms", file=sys.stderr)
    return row


def section(rows: list[dict], command: str, speed: dict | None) -> str:
    def score(r, split):
        s = r.get(split)
        if not s:
            return "—"
        return f"{s['perplexity']:.2f}" if r["unit"] == "word" else f"{s['loss']:.4f}"

    lines = ["<!-- lm:begin -->", "## Language models", "", f"`{command}`", "", machine_line(), "",
             "The text is read as one stream, the state carried from its first token to its last (batch 1). "
             "Word models: per-word perplexity (every word and `<eos>` predicted once). Character models: "
             "validation loss in nats per character. Generation: tokens/s at batch 1 with sampling, mean ± 95 % CI "
             "over 10 samples of 200 tokens.", "",
             "| model | unit | dev | test | size | training | generation, tokens/s | next-word query |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        train = f"{r['train_seconds'] / 60:.0f} min, {r['epochs']} epochs" if r.get("train_seconds") else "—"
        lines.append(f"| `{r['name']}` | {r['unit']} | {score(r, 'dev')} | {score(r, 'test')} | {r['size_mb']:.1f} MB "
                     f"| {train} | {r['gen'][0]:,.0f} ± {r['gen'][1]:,.0f} | {r['next_word_ms']:.1f} ms |")
    if speed:
        (full, f), (adaptive, a) = speed.items()
        lines += ["", f"Training speed of the `wikitext2` sizes (2-layer LSTM 400, batch 32 × 70 tokens, real WikiText-2 "
                  f"windows, median of 3 interleaved rounds): {full} {f:,.0f} tokens/s, {adaptive} {a:,.0f} tokens/s: "
                  f"**{a / f:.1f}×**."]
    lines.append("<!-- lm:end -->")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", help="shipped models (default: wikitext2 shakespeare, unless --path is given)")
    ap.add_argument("--path", action="append", default=[], metavar="NAME=DIR",
                    help="benchmark the model in DIR as NAME (whose corpus it is scored on)")
    ap.add_argument("--write", type=Path, help="rewrite the language-model section of this markdown file")
    ap.add_argument("--no-softmax-speed", action="store_true", help="skip the full vs adaptive softmax comparison")
    args = ap.parse_args()
    paths = {n: n for n in args.models or ([] if args.path else ["wikitext2", "shakespeare"])}
    paths.update(dict(p.split("=", 1) for p in args.path))
    rows = [bench(name, path) for name, path in paths.items()]
    speed = None if args.no_softmax_speed else softmax_speed()
    command = "python tools/bench_lm.py " + " ".join(sys.argv[1:])
    text = section(rows, command.strip(), speed)
    print(text)
    if args.write:
        write_section(args.write, text, "lm")


if __name__ == "__main__":
    main()
