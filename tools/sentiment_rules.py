"""Training sentences for two rules of English sentiment that a max-pooled BiLSTM misses: negation
and contrast. Written from the SST-2 training phrases, for the last stage of the `sentiment` model.

    TEXTRNN_CORPORA=../shared/corpora python tools/sentiment_rules.py --out runs/sentiment-rules

1. Negation: an SST-2 training phrase of one word that the `pos` model tags as an adjective in
   "it is WORD ." (`bad`, `wonderful`, `boring` ...) gives "not WORD" and "it is not WORD" with the
   other label. Max pooling keeps the strongest feature anywhere in a text, so without such examples
   "not bad" reads as "bad".
2. Contrast: two short training phrases of opposite labels, A and B, give "A , but B" with B's label
   — the "A but B" rule of Hu et al. (2016, "Harnessing deep neural networks with logic rules"),
   which they taught the same kind of network on SST-2 (here as data rather than as a
   regularising teacher).

The output, OUT/rules.tsv (`label<TAB>text`, SST-2's lowercased and tokenised style), is a
generated file: it is written under runs/, never into the repository. The negations depend on the
`pos` model installed when it runs (build_pretrained makes the file once, if missing): after a new
`pos` ships, delete runs/sentiment-rules to write it again.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora  # noqa: E402

FLIP = {"negative": "positive", "positive": "negative"}


def adjectives(words: list[str]) -> set[str]:
    """The words the shipped `pos` model tags ADJ in the frame "it is WORD ."."""
    import textrnn

    tagger = textrnn.load("pos")
    tagged = tagger.predict([f"it is {w} ." for w in words], tokenized=True)
    return {w for w, r in zip(words, tagged) if r["tags"][2] == "ADJ"}


def negations(phrases: list[tuple[str, str]]) -> list[tuple[str, str]]:
    singles = {t: l for l, t in phrases if " " not in t and t.isalpha()}
    adj = adjectives(sorted(singles))
    return [(FLIP[singles[w]], text) for w in sorted(adj) for text in (f"not {w}", f"it is not {w}")]


def contrasts(phrases: list[tuple[str, str]], n: int, seed: int) -> list[tuple[str, str]]:
    short = {"negative": [], "positive": []}
    for label, text in phrases:
        if 2 <= len(text.split()) <= 6 and " but " not in f" {text} " and not text.endswith((".", ",")):
            short[label].append(text)
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        b_label = rng.choice(["negative", "positive"])
        a, b = rng.choice(short[FLIP[b_label]]), rng.choice(short[b_label])
        rows.append((b_label, f"{a} , but {b}"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder for rules.tsv")
    ap.add_argument("--contrasts", type=int, default=5000, help="how many 'A , but B' sentences")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from textrnn.data import read_labelled_tsv

    phrases = list(read_labelled_tsv(corpora() / "sst2" / "train_phrases.tsv"))
    neg = negations(phrases)
    con = contrasts(phrases, args.contrasts, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / ".rules.tsv.new"
    tmp.write_text("".join(f"{label}\t{text}\n" for label, text in neg + con), encoding="utf-8")
    tmp.replace(args.out / "rules.tsv")   # whole or not at all: build_pretrained counts the file as done
    print(f"wrote {args.out / 'rules.tsv'}: {len(neg):,} negations, {len(con):,} contrasts", file=sys.stderr)


if __name__ == "__main__":
    main()
