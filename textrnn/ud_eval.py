"""The CoNLL 2018 shared task scores (tokens, sentences, words, UPOS), computed from raw-text output.

A system that starts from raw text may cut the text into tokens, words and sentences differently
from the gold file, so words cannot be compared one by one. The shared task (Zeman et al. 2018,
"CoNLL 2018 Shared Task: Multilingual Parsing from Raw Text to Universal Dependencies"; official
scorer conll18_ud_eval.py by Milan Straka) compares them through the characters instead. This file
is our own implementation of its definitions:

1. Both files are reduced to one character sequence: the token FORMs (surface tokens; a multiword
   token counts once) joined with every space character (Unicode category Zs) removed. SpaceAfter
   does not matter. Gold and system must have the same sequence, or nothing can be compared.
2. Tokens and sentences are spans of that sequence; one counts as correct when the other file has
   the same span (same start and same end).
3. Words (syntactic words: `don't` is the token of the two words `do` `n't`) take their token's span.
   Outside multiword tokens they are aligned by span. Where either side has a multiword token, the
   region around it is aligned by the longest common subsequence of the lowercased word forms.
4. Words F1 counts aligned words; UPOS F1 counts aligned words whose UPOS agree. Both divide by all
   gold words (recall) and all system words (precision); UPOS also gives `aligned_accuracy`, the
   share of aligned words with the right tag (the tagger's accuracy on the words it found).

Empty nodes (`5.1`) are skipped, as the official scorer skips them. Unlike it, we neither read nor
check HEAD and DEPREL: only the four scores above are computed.

`raw_text.write_conllu` writes a segmenter's and tagger's output as CoNLL-U that this scorer reads back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from textrnn.errors import InputError

FORMAT_HINT = ("a CoNLL-U sentence is `# comment` lines, then one line per word with 10 tab-separated "
               "columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), then a blank line; "
               "see https://universaldependencies.org/format.html")

WORD_ID = re.compile(r"[1-9][0-9]*")
RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
EMPTY_NODE_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")


# --- The document: spans into one whitespace-free character sequence ---

@dataclass(frozen=True)
class UDToken:
    """A surface token: characters [start, end) of the document's `characters`."""
    start: int
    end: int
    form: str           # as written in the file (spaces kept)
    space_after: bool   # False when MISC says SpaceAfter=No
    line: int           # 1-based line of the token (the range line of a multiword token)


@dataclass(frozen=True)
class UDWord:
    """A syntactic word. A word inside a multiword token has its token's span."""
    start: int
    end: int
    form: str
    upos: str
    is_multiword: bool  # part of a multiword token (`do` and `n't` of `don't`)
    token: int          # index of its token in UDDocument.tokens
    line: int


@dataclass(frozen=True)
class UDSentence:
    """A sentence: characters [start, end), words [first_word, end_word), its comment lines."""
    start: int
    end: int
    first_word: int
    end_word: int
    comments: tuple[str, ...]
    line: int           # line of its first word

    @property
    def text(self) -> str | None:
        """The `# text = ...` comment, if the sentence has one."""
        for c in self.comments:
            key, eq, value = c.lstrip("#").partition("=")
            if eq and key.strip() == "text":
                return value.strip()
        return None


@dataclass
class UDDocument:
    characters: str                                  # all token forms joined, spaces removed
    tokens: list[UDToken] = field(default_factory=list)
    words: list[UDWord] = field(default_factory=list)
    sentences: list[UDSentence] = field(default_factory=list)


def _strip_spaces(form: str) -> str:
    """A form without its space characters (category Zs: ' ', no-break space, ...), as the official
    scorer removes them; a form like `10 000` becomes `10000`."""
    return "".join(c for c in form if unicodedata.category(c) != "Zs")


# --- Reading CoNLL-U ---

class _Reader:
    """Reads CoNLL-U line by line into a UDDocument. State between lines: the sentence being read
    (its comments, first word, first character) and an open multiword range waiting for its words."""

    def __init__(self, where: str):
        self.where = where
        self.chars: list[str] = []
        self.n_chars = 0
        self.doc = UDDocument(characters="")
        self.comments: list[str] = []
        self.first_word: int | None = None    # None between sentences
        self.first_char = 0
        self.first_line = 0
        self.open_range: tuple[int, int, int] | None = None   # (last word id, token index, line)

    def fail(self, n: int, message: str, hint: str = FORMAT_HINT):
        raise InputError(f"{self.where}:{n}: {message}", hint=hint)

    def line(self, n: int, line: str) -> None:
        if "\x00" in line:
            self.fail(n, "contains NUL bytes; this looks like a binary file, not CoNLL-U",
                      "give a CoNLL-U text file")
        if not line.strip():
            self.end_sentence(n)
        elif line.startswith("#"):
            if self.first_word is not None:
                self.fail(n, "a comment line inside a sentence",
                          "comments go before a sentence's first word line; end a sentence with a blank line")
            self.comments.append(line)
        else:
            self.word_line(n, line)

    def word_line(self, n: int, line: str) -> None:
        cols = line.split("\t")
        if len(cols) != 10:
            self.fail(n, f"{len(cols)} tab-separated columns where CoNLL-U word lines have 10")
        if self.first_word is None:   # the first word line starts a sentence
            self.first_word, self.first_char, self.first_line = len(self.doc.words), self.n_chars, n
        wid = cols[0]
        if EMPTY_NODE_ID.fullmatch(wid):
            return   # an empty node (enhanced dependencies) has no characters and is no word
        expected = len(self.doc.words) - self.first_word + 1
        is_range = RANGE_ID.fullmatch(wid)
        if is_range:
            self.range_line(n, cols, int(is_range[1]), int(is_range[2]), expected)
            return
        if not WORD_ID.fullmatch(wid):
            self.fail(n, f"bad ID {wid!r}; expected a word number like {expected}, a range like "
                         f"{expected}-{expected + 1} or an empty node like {expected - 1}.1")
        if int(wid) != expected:
            self.fail(n, f"word ID {wid} where {expected} was expected",
                      "number a sentence's words 1, 2, 3, ... in order, starting again at 1 after each blank line")
        if self.open_range is not None:   # a part of the multiword token read just before
            last, token, _ = self.open_range
            tok = self.doc.tokens[token]
            self.add_word(n, cols, tok.start, tok.end, True, token)
            if int(wid) == last:
                self.open_range = None
            return
        token = self.add_token(n, cols)
        tok = self.doc.tokens[token]
        self.add_word(n, cols, tok.start, tok.end, False, token)

    def range_line(self, n: int, cols: list[str], first: int, last: int, expected: int) -> None:
        if self.open_range is not None:
            self.close_range_error()
        if first != expected or last <= first:
            self.fail(n, f"multiword token range {cols[0]} does not fit here: it must start at the next "
                         f"word ({expected}) and span at least two words",
                      "a range line `3-4` comes just before the word lines 3 and 4 it joins")
        token = self.add_token(n, cols)
        self.open_range = (last, token, n)

    def close_range_error(self):
        last, token, line = self.open_range
        tok = self.doc.tokens[token]
        self.fail(line, f"multiword token {tok.form!r} (range up to {last}) is not followed by all its words",
                  "after a range line `3-4` come the word lines 3 and 4 themselves")

    def add_token(self, n: int, cols: list[str]) -> int:
        chars = _strip_spaces(cols[1])
        if not chars:
            self.fail(n, "an empty FORM (or one made only of spaces)",
                      "every token needs a FORM of at least one character")
        self.chars.append(chars)
        start, self.n_chars = self.n_chars, self.n_chars + len(chars)
        space_after = "SpaceAfter=No" not in cols[9].split("|")
        self.doc.tokens.append(UDToken(start, self.n_chars, cols[1], space_after, n))
        return len(self.doc.tokens) - 1

    def add_word(self, n: int, cols: list[str], start: int, end: int, multi: bool, token: int) -> None:
        self.doc.words.append(UDWord(start, end, _strip_spaces(cols[1]), cols[3], multi, token, n))

    def end_sentence(self, n: int) -> None:
        if self.open_range is not None:
            self.close_range_error()
        if self.first_word is None:
            return   # a blank line between sentences, or comments still waiting for their words
        self.doc.sentences.append(UDSentence(self.first_char, self.n_chars, self.first_word,
                                             len(self.doc.words), tuple(self.comments), self.first_line))
        self.comments, self.first_word = [], None

    def finish(self, n: int) -> UDDocument:
        self.end_sentence(n)   # lenient: the last sentence may lack its closing blank line
        self.doc.characters = "".join(self.chars)
        return self.doc


def parse_conllu(text: str, where: str = "<conllu>") -> UDDocument:
    """Read CoNLL-U `text` into a UDDocument (character sequence, tokens, words, sentences).

    `where` names the text in error messages (a file name). Raises InputError naming `where` and the
    line for: a word line without 10 columns, a bad or out-of-order ID, a multiword range that is not
    followed by its words, an empty FORM, a comment inside a sentence, NUL bytes.
    """
    reader = _Reader(where)
    lines = text.removeprefix("\ufeff").split("\n")
    for n, line in enumerate(lines, 1):
        reader.line(n, line.rstrip("\r"))
    return reader.finish(len(lines))


# --- Scoring ---

def _score(gold: int, system: int, correct: int) -> dict:
    return {"precision": correct / system if system else 0.0,
            "recall": correct / gold if gold else 0.0,
            "f1": 2 * correct / (gold + system) if gold + system else 0.0,
            "gold": gold, "system": system, "correct": correct}


def _same_spans(gold: list, system: list) -> int:
    """How many spans are in both lists (same start and end). Both lists are sorted by start, so one
    merge-like walk suffices: move past whichever span starts first; on equal starts compare ends."""
    correct = g = s = 0
    while g < len(gold) and s < len(system):
        if system[s].start < gold[g].start:
            s += 1
        elif gold[g].start < system[s].start:
            g += 1
        else:
            correct += gold[g].end == system[s].end
            g += 1
            s += 1
    return correct


def _check_same_characters(gold: UDDocument, system: UDDocument, context: int = 10) -> None:
    a, b = gold.characters, system.characters
    if a == b:
        return
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))

    def near(doc: UDDocument, chars: str) -> str:
        before = chars[max(0, i - context):i]
        line = next((t.line for t in doc.tokens if t.end > i), None)
        at = f"line {line}" if line else "the end"
        return f"'{before}[{chars[i:i + 2 * context]}]' ({at})"

    raise InputError(
        f"gold and system differ in their characters (spaces removed) at character {i + 1}: "
        f"gold {near(gold, a)}, system {near(system, b)}",
        hint="the system output must keep every character of the gold text, in order; only the "
             "cuts into tokens, words and sentences may differ")


def _beyond(words: list[UDWord], i: int, region_end: int) -> bool:
    """Whether words[i] lies outside a multiword region ending at character `region_end`: past the
    list's end, a multiword part starting at or after it, or another word ending after it."""
    if i >= len(words):
        return True
    if words[i].is_multiword:
        return words[i].start >= region_end
    return words[i].end > region_end


def _multiword_region(gold: list[UDWord], system: list[UDWord], g: int, s: int) -> tuple[int, int, int, int]:
    """The smallest region around the multiword token at gold[g] or system[s]: returns
    (g_start, s_start, g_end, s_end), word indices [start, end) on both sides.

    The region ends where the multiword token ends, and grows while words keep coming that lie
    inside it; another multiword token that starts inside it stretches it to that token's end."""
    if gold[g].is_multiword:
        end = gold[g].end
        if not system[s].is_multiword and system[s].start < gold[g].start:
            s += 1   # a system word that starts before the region is not part of it
    else:
        end = system[s].end
        if not gold[g].is_multiword and gold[g].start < system[s].start:
            g += 1
    g0, s0 = g, s
    while not _beyond(gold, g, end) or not _beyond(system, s, end):
        # take the next word of whichever side starts first (gold on a tie)
        if g < len(gold) and (s >= len(system) or gold[g].start <= system[s].start):
            word, g = gold[g], g + 1
        else:
            word, s = system[s], s + 1
        if word.is_multiword and word.end > end:
            end = word.end
    return g0, s0, g, s


def _lcs_pairs(gold: list[UDWord], system: list[UDWord]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of the lowercased word forms.

    table[i][j] is the LCS length of gold[i:] and system[j:]; the walk from (0, 0) takes a pair
    whenever the forms agree, else skips the gold word if that loses nothing, else the system word."""
    G, S = len(gold), len(system)
    a = [w.form.lower() for w in gold]
    b = [w.form.lower() for w in system]
    table = [[0] * (S + 1) for _ in range(G + 1)]
    for i in reversed(range(G)):
        for j in reversed(range(S)):
            table[i][j] = 1 + table[i + 1][j + 1] if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < G and j < S:
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i][j] == table[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def align_words(gold: list[UDWord], system: list[UDWord]) -> list[tuple[int, int]]:
    """Pairs (gold word index, system word index) of aligned words, in order (see the module doc)."""
    pairs, g, s = [], 0, 0
    while g < len(gold) and s < len(system):
        if gold[g].is_multiword or system[s].is_multiword:
            g0, s0, g, s = _multiword_region(gold, system, g, s)
            pairs += [(g0 + i, s0 + j) for i, j in _lcs_pairs(gold[g0:g], system[s0:s])]
        elif (gold[g].start, gold[g].end) == (system[s].start, system[s].end):
            pairs.append((g, s))
            g, s = g + 1, s + 1
        elif gold[g].start <= system[s].start:
            g += 1
        else:
            s += 1
    return pairs


def score_documents(gold: UDDocument, system: UDDocument) -> dict:
    """The four scores of two parsed documents (see `evaluate`)."""
    _check_same_characters(gold, system)
    pairs = align_words(gold.words, system.words)
    G, S = len(gold.words), len(system.words)
    tagged = sum(gold.words[g].upos == system.words[s].upos for g, s in pairs)
    upos = _score(G, S, tagged)
    upos["aligned_accuracy"] = tagged / len(pairs) if pairs else 0.0
    return {"tokens": _score(len(gold.tokens), len(system.tokens), _same_spans(gold.tokens, system.tokens)),
            "sentences": _score(len(gold.sentences), len(system.sentences),
                                _same_spans(gold.sentences, system.sentences)),
            "words": _score(G, S, len(pairs)),
            "upos": upos}


def evaluate(gold: str, system: str, *, gold_where: str = "<gold>", system_where: str = "<system>") -> dict:
    """Score system CoNLL-U text against gold CoNLL-U text as the CoNLL 2018 shared task does.

    Returns {"tokens", "sentences", "words", "upos"}, each {"precision", "recall", "f1" (fractions
    0..1; the official script prints them ×100), "gold", "system", "correct" (counts)}; "upos" also
    has "aligned_accuracy" (correct / aligned words). Raises InputError when either text is not
    CoNLL-U (naming `gold_where`/`system_where` and the line) or when the two texts' characters,
    spaces removed, differ (naming the first difference).
    """
    return score_documents(parse_conllu(gold, gold_where), parse_conllu(system, system_where))
