"""Tokenizers: text → token ids, behind one interface, saved inside a model bundle.

Three kinds, chosen by name (`TOKENIZERS`):
- `word`: words split by a small Penn-Treebank-like rule (`don't` → `do n't`, punctuation apart)
  or by whitespace for pre-tokenized corpora; a vocabulary of words seen `min_freq` times.
- `char`: one id per character (Tiny Shakespeare, spam messages full of odd symbols).
- `sentencepiece`: a unigram or BPE subword model trained on the corpus (Kudo & Richardson 2018).

Every tokenizer reserves the same special ids: 0 `<pad>`, 1 `<unk>`, 2 `<bos>`, 3 `<eos>`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from textrnn.errors import BundleError, choose

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = [PAD, UNK, BOS, EOS]

# Clitics already split off ("n't", "'s", as in Penn Treebank text) stay whole; words with inner
# hyphens/apostrophes/periods stay whole ("k-19", "1930s", "3.5"); "..." and "--" are one token; any
# other non-space, non-word character is a token of its own. Raw and pre-tokenized text then agree:
# "it's" and "it 's" both give ["it", "'s"]. The curly apostrophe counts as an apostrophe.
_WORD = r"\.\.\.|--|n['’]t\b|['’](?:s|re|ve|ll|d|m)\b|\w+(?:[-.'’]\w+)*|[^\w\s]"
_WORD_RE = re.compile("(?i)" + _WORD)
_CONTRACTION_RE = re.compile(r"(?i)^(\w.*?)(n['’]t|['’]s|['’]re|['’]ve|['’]ll|['’]d|['’]m)$")
# Tagging corpora (CoNLL-2003, UD) also keep abbreviations whole: "U.S.", "Inc.", "M." (an initial).
_ABBREVIATIONS = ("Mr|Mrs|Ms|Dr|Prof|St|Mt|Jr|Sr|Inc|Corp|Co|Ltd|Bros|vs|etc|Gen|Gov|Sen|Rep|Col|Lt|Sgt|Capt|Rev|"
                  "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Calif|Fla|Mass|Ariz|Ill|Penn|Conn")
_TAGGING_RE = re.compile(r"(?:\b(?:[^\W\d_]\.){2,}|\b[A-Z]\.(?!\w)|\b(?:" + _ABBREVIATIONS + r")\.(?!\w))|(?i:" + _WORD + ")")
# Universal Dependencies English splits hyphenated words ("Al-Zaman" → "Al - Zaman") but keeps
# common prefixes and hyphenated numbers whole ("e-mail", "co-workers", "713-853-3989").
_UD_PREFIXES = {"e", "co", "pre", "post", "non", "re", "anti", "multi", "self", "ex", "mid", "sub", "inter",
                "semi", "pro", "counter", "cross", "x"}
# UD Korean (GSD) keeps each eojeol (space-separated word) whole and splits punctuation off it:
# "협의회(e-gima.com)가" → 협의회 ( e-gima.com ) 가, "참여한다." → 참여한다 . ; numbers ("1,000", "1.2배",
# "1950~1960년대"), URLs, e-mail addresses and hyphenated or dotted names stay whole. On the GSD dev
# sentences' `# text` this gives their words with F1 99.8.
_KO_RE = re.compile(r"https?://[\w./:%#?=&~+-]*[\w/]|\w+(?:(?:[-.:@&]|(?<=\d)[,~](?=\d))\w+)*|\.\.\.|[^\w\s]")
STYLES = ("ptb", "conll", "ud", "ko")


def word_spans(text: str, style: str = "ptb") -> list[tuple[int, int]]:
    """Character spans (start, end) of the words of raw `text`, Penn Treebank style (`don't` → `do n't`).

    style `conll` also keeps abbreviations whole ("U.S.", "Inc."), as CoNLL-2003 and UD do; `ud`
    in addition splits letter-letter hyphens as Universal Dependencies English does; `ko` splits
    punctuation off Korean eojeol as UD Korean does (nothing else). Offsets index
    `text` itself, so entity spans can point back into the user's input.
    """
    if style == "ko":
        return [m.span() for m in _KO_RE.finditer(text)]
    spans = []
    for m in (_WORD_RE if style == "ptb" else _TAGGING_RE).finditer(text):
        start, tok = m.start(), m.group()
        c = _CONTRACTION_RE.match(tok)
        clitic = []
        if c:  # "don't" → "do" "n't"; "Al-Qaeda's" → "Al-Qaeda" "'s"
            tok = c.group(1)
            clitic = [(start + len(tok), m.end())]
        spans += (_split_hyphens(tok, start) if style == "ud" and "-" in tok else [(start, start + len(tok))]) + clitic
    return spans


def _split_hyphens(tok: str, start: int) -> list[tuple[int, int]]:
    parts = tok.split("-")
    if any(not p.isalpha() for p in parts) or parts[0].lower() in _UD_PREFIXES:
        return [(start, start + len(tok))]
    out, pos = [], start
    for i, p in enumerate(parts):
        if i:
            out.append((pos, pos + 1))
            pos += 1
        out.append((pos, pos + len(p)))
        pos += len(p)
    return out


def whitespace_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the whitespace-separated tokens of pre-tokenized `text`."""
    return [m.span() for m in re.finditer(r"\S+", text)]


# Normalizers run before a tokenizer, at training and prediction alike, chosen by name. `punct` writes
# text the way the Enron-Spam corpus is written: every punctuation character a token of its own
# ("it's" → "it ' s", "e-mail" → "e - mail", "12,000" → "12 , 000"), whitespace runs one space. Raw
# mail and pre-tokenised mail then read alike, so a model cannot tell the corpora apart by their
# tokenisation (see docs/spam.md).
_PUNCT_RE = re.compile(r"[^\w\s]|_")


def split_punct(text: str) -> str:
    """`punct` normalization: each punctuation character spaced apart, whitespace collapsed."""
    return " ".join(_PUNCT_RE.sub(r" \g<0> ", text).split())


NORMALIZERS = {"none": lambda text: text, "punct": split_punct}


def split_words(text: str, style: str = "ptb") -> list[str]:
    """Split raw text into words the way the Penn Treebank does (SST-2, CoNLL): `don't` → `do n't`."""
    return [text[s:e].replace("’", "'") for s, e in word_spans(text, style)]


class Tokenizer:
    """The shared interface. `encode` maps texts to id lists; `decode` maps ids back to text."""

    kind = "base"
    pad_id, unk_id, bos_id, eos_id = 0, 1, 2, 3

    def tokenize(self, text: str) -> list[str]:
        raise NotImplementedError

    def encode(self, texts: list[str]) -> list[list[int]]:
        raise NotImplementedError

    def decode(self, ids: Iterable[int]) -> str:
        raise NotImplementedError

    @property
    def vocab_size(self) -> int:
        raise NotImplementedError

    def surfaces(self) -> list[str]:
        """Each id's text as it stands in running text (special ids: ""), so that joining a text's ids'
        surfaces spells it again, as the tokenizer saw it: what the classifier's character n-grams read."""
        raise NotImplementedError

    def save(self, directory: Path) -> None:
        raise NotImplementedError


class VocabTokenizer(Tokenizer):
    """A tokenizer with an explicit list of tokens (words or characters)."""

    def __init__(self, vocab: list[str], lowercase: bool = False):
        if vocab[: len(SPECIALS)] != SPECIALS:
            raise ValueError(f"vocab must start with {SPECIALS}")
        self.vocab = list(vocab)
        self.lowercase = lowercase
        self.index = {t: i for i, t in enumerate(self.vocab)}

    @classmethod
    def train(cls, texts: Iterable[str], max_size: int | None = None, min_freq: int = 1, lowercase: bool = False, **kw):
        """Count tokens over `texts`; keep those seen `min_freq` times, the most frequent first."""
        tok = cls(SPECIALS, lowercase=lowercase, **kw)
        counts = Counter(t for text in texts for t in tok.tokenize(text))
        kept = [t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_freq and t not in SPECIALS]
        if max_size is not None:
            kept = kept[: max(0, max_size - len(SPECIALS))]
        return cls(SPECIALS + kept, lowercase=lowercase, **kw)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, texts: list[str]) -> list[list[int]]:
        get, unk = self.index.get, self.unk_id
        return [[get(t, unk) for t in self.tokenize(text)] for text in texts]

    def _meta(self) -> dict:
        return {"kind": self.kind, "lowercase": self.lowercase, "vocab": self.vocab}

    def save(self, directory: Path) -> None:
        (Path(directory) / "tokenizer.json").write_text(json.dumps(self._meta(), ensure_ascii=False), encoding="utf-8")


class WordTokenizer(VocabTokenizer):
    kind = "word"

    def __init__(self, vocab: list[str], lowercase: bool = False, split: str = "words"):
        super().__init__(vocab, lowercase)
        choose("word split", split, SPLITS)
        self.split = split  # "words": split_words (raw text); "whitespace": pre-tokenized text

    def tokenize(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        return SPLITS[self.split](text)

    def decode(self, ids: Iterable[int]) -> str:
        return " ".join(self.vocab[i] for i in ids if i >= len(SPECIALS))

    def surfaces(self) -> list[str]:
        return [""] * len(SPECIALS) + [w + " " for w in self.vocab[len(SPECIALS):]]

    def _meta(self) -> dict:
        return {**super()._meta(), "split": self.split}


class CharTokenizer(VocabTokenizer):
    kind = "char"

    def tokenize(self, text: str) -> list[str]:
        return list(text.lower() if self.lowercase else text)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.vocab[i] for i in ids if i >= len(SPECIALS))

    def surfaces(self) -> list[str]:
        return [""] * len(SPECIALS) + self.vocab[len(SPECIALS):]


class SentencePieceTokenizer(Tokenizer):
    kind = "sentencepiece"

    def __init__(self, model_proto: bytes, lowercase: bool = False, normalize: str = "none"):
        import sentencepiece as spm

        choose("tokenizer normalize", normalize, NORMALIZERS)
        self.model_proto = model_proto
        self.lowercase = lowercase
        self.normalize = normalize
        if not model_proto:
            raise ValueError("an empty file")
        self.sp = spm.SentencePieceProcessor(model_proto=model_proto)
        if self.sp.get_piece_size() <= len(SPECIALS):   # an empty or cut file loads as no model at all
            raise ValueError("no pieces")

    @classmethod
    def train(cls, texts: Iterable[str], max_size: int = 8000, model_type: str = "unigram", lowercase: bool = False,
              normalize: str = "none", **_):
        """Train a subword model on `texts` in memory, with our special ids (0 pad, 1 unk, 2 bos, 3 eos)."""
        import io

        import sentencepiece as spm

        choose("sentencepiece model type", model_type, ["unigram", "bpe"])
        choose("tokenizer normalize", normalize, NORMALIZERS)
        prepare = _preparer(lowercase, normalize)
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            # sentencepiece skips lines over 4,192 bytes: a long e-mail gives its first 4,000 characters
            sentence_iterator=iter(prepare(t[:4000]) for t in texts if t.strip()),
            model_writer=buf, vocab_size=max_size, model_type=model_type,
            pad_id=0, unk_id=1, bos_id=2, eos_id=3, character_coverage=1.0,
            hard_vocab_limit=False, minloglevel=2, byte_fallback=False,
        )
        return cls(buf.getvalue(), lowercase=lowercase, normalize=normalize)

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def tokenize(self, text: str) -> list[str]:
        return self.sp.encode(_preparer(self.lowercase, self.normalize)(text), out_type=str)

    def encode(self, texts: list[str]) -> list[list[int]]:
        prepare = _preparer(self.lowercase, self.normalize)
        return self.sp.encode([prepare(t) for t in texts])

    def decode(self, ids: Iterable[int]) -> str:
        return self.sp.decode([i for i in ids if i > 3])

    def surfaces(self) -> list[str]:
        """Pieces with the word-start mark ▁ as the space it stands for (its normalized text)."""
        return [""] * len(SPECIALS) + [self.sp.id_to_piece(i).replace("▁", " ")
                                       for i in range(len(SPECIALS), self.vocab_size)]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        (directory / "tokenizer.model").write_bytes(self.model_proto)
        meta = {"kind": self.kind, "lowercase": self.lowercase, "model": "tokenizer.model"}
        if self.normalize != "none":   # older readers of the bundle know no normalizer
            meta["normalize"] = self.normalize
        (directory / "tokenizer.json").write_text(json.dumps(meta), encoding="utf-8")


def _preparer(lowercase: bool, normalize: str):
    """The text a subword model reads: lowercased and/or normalized (NORMALIZERS)."""
    norm = NORMALIZERS[normalize]
    if lowercase:
        return lambda text: norm(text.lower())
    return norm


SPLITS = {"words": split_words, "whitespace": str.split}
TOKENIZERS = {"word": WordTokenizer, "char": CharTokenizer, "sentencepiece": SentencePieceTokenizer}


def train_tokenizer(kind: str, texts: Iterable[str], **options) -> Tokenizer:
    """Train a tokenizer of `kind` (word | char | sentencepiece) on `texts`."""
    choose("tokenizer", kind, TOKENIZERS)
    return TOKENIZERS[kind].train(texts, **options)


def load_tokenizer(directory: Path) -> Tokenizer:
    """Load the tokenizer saved in a model bundle directory."""
    path = Path(directory) / "tokenizer.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        kind = meta["kind"]
        if kind == "sentencepiece":
            model = Path(directory) / meta["model"]
            try:
                sp = SentencePieceTokenizer(model.read_bytes(), meta.get("lowercase", False), meta.get("normalize", "none"))
            except (RuntimeError, ValueError) as e:
                raise BundleError(f"{model}: damaged sentencepiece model ({str(e).splitlines()[0][:120]})",
                                  hint="re-save or re-train the model") from None
            return sp
        if kind == "word":
            return WordTokenizer(meta["vocab"], meta.get("lowercase", False), meta.get("split", "words"))
        if kind == "char":
            return CharTokenizer(meta["vocab"], meta.get("lowercase", False))
        raise KeyError(f"kind {kind!r}")
    except FileNotFoundError as e:
        raise BundleError(f"{e.filename}: missing from the model bundle", hint="re-save or re-train the model") from None
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as e:
        raise BundleError(f"{path}: corrupted tokenizer ({e})", hint="re-save or re-train the model") from None
