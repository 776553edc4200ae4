"""A treebank's raw text and where its tokens, multiword tokens and sentences end: the segmenter's
training data, read from CoNLL-U.

CoNLL-U keeps everything needed to rebuild the text as written: each token's FORM, `SpaceAfter=No`
in MISC when no space follows it, multiword-token lines (`3-4  don't`) over their syntactic words
(`3 do`, `4 n't`), and `# newdoc` / `# newpar` comments. A paragraph's text is its sentences one
after another, each token followed by a space unless `SpaceAfter=No`. Each character gets a label:

    0  inside a token, or a space       2  the last character of a token that ends a sentence
    1  the last character of a token    3  … of a multiword token    4  … of one that ends a sentence

    "I don't know. Sure."  →  I␣don't␣know.␣Sure.
                              1 00003 0001200002      (the space after "know" 0; "." ends the sentence)
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from textrnn.errors import InputError

INSIDE, TOKEN, SENTENCE, MWT, MWT_SENTENCE = range(5)


@dataclass
class Paragraph:
    text: str = ""
    labels: list[int] = field(default_factory=list)
    mwts: list[tuple[str, list[str]]] = field(default_factory=list)   # (surface, its words) as written


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _sentences(path: Path):
    """Yield (comments, tokens) per sentence, a token being (form, space_after, words or None)."""
    comments, tokens, until, lineno = [], [], 0, 0
    with _open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                if tokens:
                    yield comments, tokens
                comments, tokens, until = [], [], 0
                continue
            if line.startswith("#"):
                comments.append(line)
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise InputError(f"{path}:{lineno}: {len(cols)} columns, CoNLL-U has 10",
                                 hint="give a CoNLL-U treebank (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC)")
            ident, form, misc = cols[0], cols[1], cols[9]
            space = "SpaceAfter=No" not in misc.split("|")
            if "." in ident:                       # an empty node: no text
                continue
            if "-" in ident:                       # a multiword token over words start..end
                start, end = ident.split("-")
                tokens.append((form, space, []))
                until = int(end)
                continue
            if until and int(ident) <= until:      # a word of the multiword token above
                tokens[-1][2].append(form)
                continue
            tokens.append((form, space, None))
    if tokens:
        yield comments, tokens


def read_paragraphs(path: str | Path) -> list[Paragraph]:
    """A CoNLL-U file → its paragraphs (or documents, when it marks no paragraphs), each with its
    text, a label per character, and the multiword tokens it contains."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="give a CoNLL-U treebank, e.g. corpora:ud_english_ewt/en_ewt-ud-dev.conllu")
    paragraphs: list[Paragraph] = []
    current = None
    for comments, tokens in _sentences(path):
        starts = any(c.startswith(("# newpar", "# newdoc")) for c in comments)
        if current is None or starts:
            current = Paragraph()
            paragraphs.append(current)
        elif current.text and not current.text.endswith(" "):
            current.text += " "                    # sentences of a paragraph are apart by a space
            current.labels.append(INSIDE)
        for k, (form, space, words) in enumerate(tokens):
            last = k == len(tokens) - 1
            mwt = bool(words) and len(words) > 1
            end = (MWT_SENTENCE if last else MWT) if mwt else (SENTENCE if last else TOKEN)
            current.text += form
            current.labels += [INSIDE] * (len(form) - 1) + [end]
            if mwt:
                current.mwts.append((form, words))
            if space and not last:
                current.text += " "
                current.labels.append(INSIDE)
    for p in paragraphs:
        p.text, p.labels = p.text.rstrip(" "), p.labels[: len(p.text.rstrip(" "))]
    return [p for p in paragraphs if p.text]
