"""Pretrain the sentiment classifier's BiLSTM as two language models, forward and backward.

    TEXTRNN_CORPORA=../shared/corpora python tools/pretrain_bilm.py --out runs/bilm [--threads 1]

Semi-supervised sequence learning (Dai & Le 2015; ULMFiT, Howard & Ruder 2018; ELMo, Peters et
al. 2018): before the encoder sees a sentiment label, it learns to predict words from their
context on unlabelled text — WikiText-2's training text plus the SST-2 *training* sentences
(three copies; never dev or test). The classifier's bidirectional layer reads a sentence both
ways, so its forward half is pretrained as a left-to-right language model and its backward half
as a right-to-left one (the same text with every line's words reversed).

Steps, each skipped when its output exists (so a killed run resumes):
  1. text      runs/bilm/text/{fwd,bwd}.{train,valid}.txt, words normalised like the skip-gram
               vocabulary (`textrnn.embedding.word_key`: lower-cased, digits → 0);
  2. init      runs/bilm/init: the skip-gram vectors (tools/pretrain_embeddings.py) as the
               language model's tied adaptive input/output tables, so both start from them;
  3. train     `textrnn train textrnn/configs/bilm.toml` twice, forward and backward, side by
               side (--threads each), into runs/bilm/fwd and runs/bilm/bwd; logs beside them;
  4. merge     runs/bilm/model: `embedding.*` (the mean of the two directions' word vectors) and
               `encoder.*` under the classifier's names, with the skip-gram tokenizer. A classify
               config starts from it with `init = ".../runs/bilm/model"`.
               runs/bilm/tagger: the skip-gram vectors as `features.words.*` and both language
               models whole as `lm.fwd.*` / `lm.bwd.*`, for a tagger with frozen language-model
               features (TagLM; `model.lm_hidden_size` in a tag config, `init = ".../runs/bilm/tagger"`).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora  # noqa: E402

CONFIG = ROOT / "textrnn" / "configs" / "bilm.toml"
DIRECTIONS = ("fwd", "bwd")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def wiki_lines(path: Path):
    """WikiText-2 paragraphs with its split hyphens/numbers joined the Penn Treebank way (as SST is)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("="):
                continue  # blank lines and section headings
            # `<unk>` as one word (the classifier's word splitter would cut it into three)
            yield line.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".").replace("<unk>", "unk")


def write_text(out: Path, sst_repeat: int, seed: int) -> None:
    from textrnn.data import read_labelled_tsv
    from textrnn.embedding import word_key
    from textrnn.tokenizer import split_words

    def norm(line: str) -> list[str]:
        return [word_key(w) for w in split_words(line)]

    c = corpora()
    train = [norm(x) for x in wiki_lines(c / "wikitext2" / "wiki.train.tokens.gz")]
    sst = [norm(t) for _, t in read_labelled_tsv(c / "sst2" / "train.tsv")]
    train += sst * sst_repeat
    random.Random(seed).shuffle(train)  # wiki paragraphs are long: shuffled lines mix SST in evenly
    valid = [norm(x) for x in wiki_lines(c / "wikitext2" / "wiki.valid.tokens")]
    out.mkdir(parents=True, exist_ok=True)
    for split, lines in (("train", train), ("valid", valid)):
        for d in DIRECTIONS:
            tmp = out / f"{d}.{split}.txt.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                for words in lines:
                    f.write(" ".join(words if d == "fwd" else words[::-1]) + "\n")
            tmp.replace(out / f"{d}.{split}.txt")
    log(f"text: {sum(map(len, train)):,} training words ({len(sst):,} SST-2 sentences x{sst_repeat}) in {out}")


def lm_shape() -> dict:
    import tomllib

    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))["model"]


def write_init(embeddings: Path, out: Path) -> None:
    """The skip-gram vectors cut into the adaptive tables' clusters; projections start as identity."""
    import torch

    from textrnn.bundle import load_weights, save_bundle
    from textrnn.tokenizer import load_tokenizer

    m = lm_shape()
    if m.get("div", 4.0) != 1:
        sys.exit(f"error: {CONFIG}: model.div must be 1 so every cluster keeps the vectors' full size")
    tok = load_tokenizer(embeddings)
    E = load_weights(embeddings)["embedding.weight"].float()          # (V, E)
    if E.size(1) != m["embedding_dim"]:
        sys.exit(f"error: the vectors in {embeddings} have size {E.size(1)}, {CONFIG} wants {m['embedding_dim']}")
    bounds = [0, *m["cutoffs"], E.size(0)]
    state = {f"vocab.tables.{k}.weight": E[a:b].clone() for k, (a, b) in enumerate(zip(bounds, bounds[1:]))}
    state |= {f"vocab.projections.{k}.weight": torch.eye(E.size(1)) for k in range(len(bounds) - 2)}
    save_bundle(out, task="pretrained-embeddings", model_config={"embedding_dim": E.size(1)},
                state_dict=state, tokenizer=tok)
    log(f"init: {E.size(0):,} skip-gram vectors from {embeddings} → {out}")


def train(out: Path, threads: int, extra: list[str]) -> None:
    from textrnn.bundle import read_metrics

    procs = []
    for d in DIRECTIONS:
        run = out / d
        if "best_epoch" in read_metrics(run / "model") if (run / "model").is_dir() else False:
            log(f"{d}: already trained in {run}")
            continue
        cmd = [sys.executable, "-m", "textrnn", "train", str(CONFIG), "--out", str(run),
               "--set", f"data.train={out / 'text' / f'{d}.train.txt'}",
               "--set", f"data.dev={out / 'text' / f'{d}.valid.txt'}",
               "--set", f"init={out / 'init'}", "--set", f"train.threads={threads}", *extra]
        if (run / "checkpoint" / "trainer.pt").exists():
            cmd.append("--resume")
        logf = open(out / f"{d}.log", "a", encoding="utf-8")
        log(f"{d}: training, log in {out / f'{d}.log'}")
        procs.append((d, subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=ROOT)))
    for d, p in procs:
        if p.wait() != 0:
            sys.exit(f"error: the {d} language model failed (exit {p.returncode}); see {out / f'{d}.log'}")


def merge(out: Path, embeddings: Path) -> None:
    """Both directions' weights under the classifier's names: `encoder.rnn.*_l0` ← forward,
    `*_l0_reverse` ← backward; word vectors = the mean of the two models' (table · projectionᵀ)."""
    import torch

    from textrnn.bundle import load_weights, read_metrics, save_bundle
    from textrnn.tokenizer import load_tokenizer

    m = lm_shape()
    state, vectors, metrics = {}, [], {}
    for d in DIRECTIONS:
        w = {k: v.float() for k, v in load_weights(out / d / "model").items()}
        metrics[d] = read_metrics(out / d / "model").get("dev", {})
        tables = [w[f"vocab.tables.{k}.weight"] for k in range(len(m["cutoffs"]) + 1)]
        rows = [tables[0]] + [t @ w[f"vocab.projections.{k}.weight"].T for k, t in enumerate(tables[1:])]
        vectors.append(torch.cat(rows))                                   # (V, E)
        suffix = "" if d == "fwd" else "_reverse"
        for k, v in w.items():
            if k.startswith("encoder.rnn.") and k.endswith("_l0"):
                state[k + suffix] = v
    state["embedding.weight"] = (vectors[0] + vectors[1]) / 2
    state["embedding.weight"][0] = 0                                       # <pad>
    save_bundle(out / "model", task="pretrained-encoder",
                model_config={"embedding_dim": m["embedding_dim"], "hidden_size": m["hidden_size"],
                              "cell": m["cell"], "bidirectional": True},
                state_dict=state, tokenizer=load_tokenizer(embeddings), metrics=metrics)
    log(f"merged → {out / 'model'} (dev: {metrics})")


def merge_tagger(out: Path, embeddings: Path) -> None:
    """runs/bilm/tagger: what a tagger with language-model features starts from."""
    from textrnn.bundle import load_weights, read_metrics, save_bundle
    from textrnn.tokenizer import load_tokenizer

    m = lm_shape()
    state = {"features.words.weight": load_weights(embeddings)["embedding.weight"].float()}
    for d in DIRECTIONS:
        state |= {f"lm.{d}.{k}": v.float() for k, v in load_weights(out / d / "model").items()}
    save_bundle(out / "tagger", task="pretrained-tagger-lm",
                model_config={"lm_hidden_size": m["hidden_size"], "lm_embedding_dim": m["embedding_dim"],
                              "lm_cutoffs": m["cutoffs"], "lm_div": m["div"]},
                state_dict=state, tokenizer=load_tokenizer(embeddings),
                metrics={d: read_metrics(out / d / "model").get("dev", {}) for d in DIRECTIONS})
    log(f"merged → {out / 'tagger'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bilm")
    ap.add_argument("--embeddings", type=Path, default=ROOT / "runs" / "embeddings" / "model",
                    help="skip-gram vectors from tools/pretrain_embeddings.py")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of each of the two runs")
    ap.add_argument("--sst-repeat", type=int, default=3, help="copies of the SST-2 training sentences")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], help="passed on to textrnn train, e.g. train.epochs=2")
    args = ap.parse_args()
    out = args.out.resolve()
    if not (args.embeddings / "model.safetensors").exists():
        sys.exit(f"error: no word vectors in {args.embeddings}\nhint: python tools/pretrain_embeddings.py --out runs/embeddings")
    os.environ.setdefault("TEXTRNN_CORPORA", str(corpora()))
    if not (out / "text" / "bwd.valid.txt").exists():
        write_text(out / "text", args.sst_repeat, args.seed)
    if not (out / "init" / "model.safetensors").exists():
        write_init(args.embeddings, out / "init")
    train(out, args.threads, [x for s in args.set for x in ("--set", s)])
    merge(out, args.embeddings)
    merge_tagger(out, args.embeddings)


if __name__ == "__main__":
    main()
