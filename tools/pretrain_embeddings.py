"""Pretrain word vectors for the taggers on the shared corpora's *training* text (no external
embeddings): skip-gram with negative sampling (Mikolov et al. 2013, "word2vec").

    TEXTRNN_CORPORA=../shared/corpora python tools/pretrain_embeddings.py --out runs/embeddings [--epochs 5]
    TEXTRNN_CORPORA=../shared/corpora python tools/pretrain_embeddings.py --language ko --out runs/embeddings-ko

Text: WikiText-2, PTB, CoNLL-2003, UD English EWT, WNUT-17, SST-2 and Multi30k (English side),
train splits only — never a dev or test file. Words are normalised as the taggers look them up
(`textrnn.embedding.word_key`: lower-cased, digits → 0). The result is a bundle directory whose
tokenizer is the vocabulary and whose weight (V, dim), stored as `features.words.weight` and as
`embedding.weight`, initialises a tagger's or a classifier's word embedding through
`init = ".../model"` in its config.

Each word predicts the words within a random window of up to `window` on each side against
`negative` noise words drawn from the unigram distribution to the 3/4 power; frequent words are
subsampled (threshold 1e-4) — the word2vec recipe. Sparse SGD with a linearly decaying rate.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora  # noqa: E402

TEXT = ["wikitext2/wiki.train.tokens.gz", "ptb/ptb.train.txt.gz", "sst2/train.tsv", "multi30k/train.en"]
TAGGED = ["conll2003/train.tsv", "ud_english_ewt/en_ewt-ud-train.conllu.gz", "wnut17/train.tsv"]
# Korean (`--language ko`): the NSMC-style training reviews and UD Korean GSD's training words, split
# into eojeol as the Korean tagger splits raw text (tokenizer style `ko`)
KO_TEXT = ["nsmc/train.tsv.gz"]
KO_TAGGED = ["ud_korean_gsd/ko_gsd-ud-train.conllu"]


def sentences(language: str = "en"):
    """Yield token lists from every training corpus of `language`."""
    from textrnn.data import iter_lines, read_tagged
    from textrnn.tokenizer import split_words

    if language == "ko":
        for f in KO_TAGGED:
            for tokens, _ in read_tagged(corpora() / f):
                yield tokens
        for f in KO_TEXT:
            for _, _, line in iter_lines([str(corpora() / f)]):
                if words := split_words(line.partition("\t")[2], "ko"):
                    yield words
        return
    for f in TAGGED:
        for tokens, _ in read_tagged(corpora() / f):
            yield tokens
    for f in TEXT:
        path = corpora() / f
        for _, _, line in iter_lines([str(path)]):
            if f.endswith(".tsv"):
                line = line.partition("\t")[2]
            words = line.split() if "wikitext" in f or "ptb" in f else split_words(line)
            words = [w for w in words if w not in ("<unk>", "@-@", "@,@", "@.@")]
            if words:
                yield words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "embeddings")
    ap.add_argument("--language", choices=("en", "ko"), default="en", help="en: the English corpora; ko: Korean")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--max-size", type=int, default=40000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=0.025)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import numpy as np
    import torch

    from textrnn.bundle import save_bundle
    from textrnn.embedding import word_key
    from textrnn.tokenizer import SPECIALS, WordTokenizer

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    sents = [[word_key(w) for w in s] for s in sentences(args.language)]
    counts = Counter(w for s in sents for w in s)
    kept = [w for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= args.min_count]
    vocab = SPECIALS + kept[: args.max_size - len(SPECIALS)]
    index = {w: i for i, w in enumerate(vocab)}
    # one long id stream; -1 marks sentence ends so windows do not cross sentences
    ids = np.array([i for s in sents for i in [index.get(w, 1) for w in s] + [-1]], dtype=np.int64)
    freq = np.zeros(len(vocab))
    for w, i in index.items():
        freq[i] = counts.get(w, 0)
    total = freq.sum()
    print(f"{len(sents):,} sentences, {int(total):,} words, vocabulary {len(vocab):,} ({time.time() - t0:.0f}s)",
          file=sys.stderr)
    keep_p = np.minimum(1.0, np.sqrt(1e-4 * total / np.maximum(freq, 1)))       # subsampling
    noise = torch.tensor(freq ** 0.75 / (freq ** 0.75).sum(), dtype=torch.float)

    V, D = len(vocab), args.dim
    emb_in = torch.nn.Embedding(V, D, sparse=True)
    emb_out = torch.nn.Embedding(V, D, sparse=True)
    torch.nn.init.uniform_(emb_in.weight, -0.5 / D, 0.5 / D)
    torch.nn.init.zeros_(emb_out.weight)
    opt = torch.optim.SGD(list(emb_in.parameters()) + list(emb_out.parameters()), lr=args.lr)

    for epoch in range(1, args.epochs + 1):
        e0 = time.time()
        stream = ids[(ids < 0) | (rng.random(len(ids)) < keep_p[np.maximum(ids, 0)])]
        sentence_no = np.cumsum(stream < 0)
        reach = rng.integers(1, args.window + 1, len(stream))                   # dynamic window per centre
        centers, contexts = [], []
        for d in range(1, args.window + 1):
            a, b = np.arange(len(stream) - d), np.arange(d, len(stream))
            ok = (stream[a] > 3) & (stream[b] > 3) & (sentence_no[a] == sentence_no[b])
            for c, x in ((a, b), (b, a)):
                sel = ok & (reach[c] >= d)
                centers.append(stream[c[sel]])
                contexts.append(stream[x[sel]])
        centers = torch.from_numpy(np.concatenate(centers))
        contexts = torch.from_numpy(np.concatenate(contexts))
        order = torch.randperm(len(centers))
        n_batches = (len(order) + args.batch - 1) // args.batch
        loss_sum = 0.0
        for k in range(n_batches):
            progress = ((epoch - 1) * n_batches + k) / (args.epochs * n_batches)
            for g in opt.param_groups:
                g["lr"] = args.lr * max(1e-4, 1 - progress)
            idx = order[k * args.batch: (k + 1) * args.batch]
            c, x = centers[idx], contexts[idx]
            neg = torch.multinomial(noise, len(idx) * args.negative, replacement=True).view(len(idx), args.negative)
            v = emb_in(c)                                                       # (N, D)
            pos = (v * emb_out(x)).sum(1)                                       # (N,)
            negs = torch.bmm(emb_out(neg), v.unsqueeze(2)).squeeze(2)           # (N, negative)
            loss = -(torch.nn.functional.logsigmoid(pos).sum() + torch.nn.functional.logsigmoid(-negs).sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() / len(idx)
        print(f"epoch {epoch}: {len(centers):,} pairs, loss {loss_sum / n_batches:.4f} ({time.time() - e0:.0f}s)",
              file=sys.stderr)

    weight = emb_in.weight.detach().clone()
    weight[0] = 0
    w = weight / weight.norm(dim=1, keepdim=True).clamp_min(1e-8)
    for probe in ("germany", "london", "monday", "smith", "goal"):
        if probe in index:
            near = (w @ w[index[probe]]).topk(6).indices.tolist()[1:]
            print(f"  {probe}: {', '.join(vocab[i] for i in near)}", file=sys.stderr)
    # scale to the spread of a freshly initialised embedding (N(0, 1)), which the taggers are tuned for
    weight = weight / weight[4:].std()
    # Saved under the names the tagger and the classifier give their word embedding, so `init` finds
    # it in either; the tokenizer splits raw text into lower-cased Penn Treebank words like theirs.
    save_bundle(args.out / "model", task="embeddings", model_config={"dim": D, "vocab_size": V},
                state_dict={"features.words.weight": weight, "embedding.weight": weight.clone()},
                tokenizer=WordTokenizer(vocab, lowercase=True, split="words"),
                metrics={"words": int(total), "sentences": len(sents), "seconds": round(time.time() - t0),
                         "command": "python tools/pretrain_embeddings.py " + " ".join(sys.argv[1:])})
    print(f"saved {args.out / 'model'}", file=sys.stderr)


if __name__ == "__main__":
    main()
