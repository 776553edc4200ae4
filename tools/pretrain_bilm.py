"""Pretrain the sentiment model's embedding and BiLSTM encoder as a bidirectional language model.

    TEXTRNN_CORPORA=../shared/corpora python tools/pretrain_bilm.py --out runs/bilm [--epochs 2]

Semi-supervised sequence learning (Dai & Le 2015; Peters et al. 2018, ELMo): before the encoder
sees a single sentiment label, it learns to predict words from their context on unlabelled text —
WikiText-2's training text (2M words) plus the SST-2 *training* sentences (never dev or test). The
forward direction's output at step t predicts word t+1 and the backward direction's predicts word
t−1, so one bidirectional layer learns both directions without seeing the word it predicts.

Words unseen in SST-2's training labels but seen in WikiText-2 get useful vectors this way. The
output is a tokenizer plus `embedding.*` and `encoder.*` weights under the classifier's names;
a classify config points at it with `init = "runs/bilm"`.

Status (measured 2026-11-24, see docs/BENCHMARKS.md): 2 epochs (~30 min on 2 cores) reached a
bidirectional perplexity of 266 only, and fine-tuning from it on the SST-2 phrases did worse on dev
than random initialisation (82.2 vs 83.5 after 4 epochs), so the shipped sentiment model does not
use it. Kept as the starting point for a longer pretraining run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wiki_lines(path: Path):
    """WikiText-2 lines, lowercased, with its split hyphens/numbers joined the Penn Treebank way."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("="):
                continue  # blank lines and section headings
            yield line.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".").lower()


def main() -> None:
    import torch
    from torch import nn

    from textrnn.bundle import save_bundle
    from textrnn.data import read_labelled_tsv
    from textrnn.encoder import Encoder, EncoderConfig
    from textrnn.tokenizer import WordTokenizer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "bilm")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=25000, help="input vocabulary (embedding rows)")
    ap.add_argument("--cutoffs", default="2000,8000", help="adaptive softmax clusters (Grave et al. 2017)")
    ap.add_argument("--embedding-dim", type=int, default=200)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--bptt", type=int, default=48)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--sst-repeat", type=int, default=3, help="copies of the SST-2 training sentences in the stream")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    corpora = Path(os.environ["TEXTRNN_CORPORA"])
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    wiki = list(wiki_lines(corpora / "wikitext2" / "wiki.train.tokens.gz"))
    sst = [t.lower() for _, t in read_labelled_tsv(corpora / "sst2" / "train.tsv")]
    phrases = [t.lower() for _, t in read_labelled_tsv(corpora / "sst2" / "train_phrases.tsv")]
    tok = WordTokenizer.train(wiki + phrases, max_size=args.vocab, lowercase=True)
    print(f"vocabulary {tok.vocab_size}; wiki lines {len(wiki)}, sst sentences {len(sst)}", file=sys.stderr)

    lines = wiki + sst * args.sst_repeat
    rng.shuffle(lines)  # wiki paragraphs are long: shuffling lines mixes SST in evenly
    stream = []
    for ids in tok.encode(lines):
        stream += ids + [tok.eos_id]
    data = torch.tensor(stream)
    n_chunks = len(data) // args.bptt
    chunks = data[: n_chunks * args.bptt].view(n_chunks, args.bptt)   # (N, T)
    print(f"{len(data):,} tokens in {n_chunks:,} chunks of {args.bptt}", file=sys.stderr)

    enc_cfg = EncoderConfig("lstm", args.embedding_dim, args.hidden, bidirectional=True)
    embedding = nn.Embedding(tok.vocab_size, args.embedding_dim, padding_idx=0)
    encoder = Encoder(enc_cfg)
    # A full softmax over 25k words costs far more than the LSTM on a CPU; the adaptive softmax
    # (Grave et al. 2017) spends full-size vectors only on the frequent words. Shared by both directions.
    cutoffs = [int(c) for c in args.cutoffs.split(",")]
    head = nn.AdaptiveLogSoftmaxWithLoss(args.hidden, tok.vocab_size, cutoffs, div_value=4.0)
    drop = nn.Dropout(args.dropout)
    params = list(embedding.parameters()) + list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    D = args.hidden

    def loss_of(x):                                       # x (B, T)
        out, _ = encoder(drop(embedding(x)))              # (B, T, 2D)
        fwd, bwd = drop(out).chunk(2, dim=2)              # (B, T, D) each
        lf = head(fwd[:, :-1].reshape(-1, D), x[:, 1:].reshape(-1)).loss    # step t predicts word t+1
        lb = head(bwd[:, 1:].reshape(-1, D), x[:, :-1].reshape(-1)).loss    # step t predicts word t-1
        return (lf + lb) / 2

    steps = math.ceil(n_chunks / args.batch_size)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(n_chunks)
        t0, total = time.time(), 0.0
        for b in range(steps):
            x = chunks[order[b * args.batch_size:(b + 1) * args.batch_size]]
            # cosine decay over the whole run
            lr = args.lr * 0.5 * (1 + math.cos(math.pi * ((epoch - 1) * steps + b) / (args.epochs * steps)))
            for g in opt.param_groups:
                g["lr"] = lr
            loss = loss_of(x)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            total += loss.item()
            if (b + 1) % 100 == 0:
                rate = (b + 1) * args.batch_size * args.bptt / (time.time() - t0)
                print(f"epoch {epoch} step {b + 1}/{steps} loss {total / (b + 1):.3f} "
                      f"(ppl {math.exp(total / (b + 1)):.0f}) {rate:,.0f} tokens/s", file=sys.stderr, flush=True)
        print(f"epoch {epoch}: loss {total / steps:.3f} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)

    state = {**{f"embedding.{k}": v for k, v in embedding.state_dict().items()},
             **{f"encoder.{k}": v for k, v in encoder.state_dict().items()}}
    meta = {"embedding_dim": args.embedding_dim, "hidden_size": args.hidden, "cell": "lstm", "bidirectional": True,
            "args": {k: str(v) for k, v in vars(args).items()}, "final_loss": total / steps}
    save_bundle(args.out, task="pretrained-encoder", model_config=meta, state_dict=state, tokenizer=tok,
                metrics={"train_loss": total / steps})
    print(json.dumps({"out": str(args.out), "loss": total / steps}))


if __name__ == "__main__":
    main()
