"""Raw text in, tagged words out: the segmenter and a tagger together, scored as the CoNLL 2018
shared task scores systems that start from raw text.

    paragraph text → segmenter (heads/segment.py) → sentences → tokens → words (`don't` → do n't)
                   → tagger (heads/tag.py) on each sentence's words → UPOS per word

`evaluate_raw` reads a treebank's paragraphs as they were written (segment_data.py: sentences
joined as `SpaceAfter` says), runs both models, writes the result as CoNLL-U and scores it against
the treebank with ud_eval.py: tokens, sentences and words F1, and UPOS F1 over words aligned by
their characters.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from textrnn.errors import InputError


class RuleSegmenter:
    """The rules textrnn used before the segmenter, for comparison (tools/bench_segment.py): words
    by the tagger's word-splitting rules (tokenizer.word_spans, UD style: `don't` → `do` `n't` as
    two tokens), sentences ending at `.`, `!` or `?` followed by a space and a capital letter."""

    task = "segment"

    def segment(self, texts: list[str], batch_size: int = 0) -> list[list[dict]]:
        from textrnn.tokenizer import word_spans

        out = []
        for text in texts:
            sents, current = [], []
            spans = word_spans(text, "ud")
            for k, (s, e) in enumerate(spans):
                current.append({"text": text[s:e], "start": s, "end": e, "words": [text[s:e]]})
                nxt = spans[k + 1] if k + 1 < len(spans) else None
                if nxt is None or (text[s:e] in (".", "!", "?") and nxt[0] > e and text[nxt[0]].isupper()):
                    sents.append({"text": text[current[0]["start"]: e], "start": current[0]["start"], "end": e,
                                  "tokens": current})
                    current = []
            out.append(sents)
        return out


def words_of(sentence: dict) -> list[tuple[str, int, int]]:
    """A segmented sentence's words with character spans: a multiword token's words get the parts
    of its span they were cut from (`don't` → do 0-2, n't 2-5), or else the whole token's span."""
    out = []
    for t in sentence["tokens"]:
        if len(t["words"]) > 1 and "".join(t["words"]) == t["text"]:
            at = t["start"]
            for w in t["words"]:
                out.append((w, at, at + len(w)))
                at += len(w)
        else:
            out += [(w, t["start"], t["end"]) for w in t["words"]]
    return out


def join_hyphens(words: list[tuple[str, int, int]], text: str) -> list[tuple[str, int, int]]:
    """UD English splits `Al-Ain` into `Al - Ain`; CoNLL-2003 (the ner model's data) keeps it whole:
    rejoin a word, a hyphen and a word written without spaces between them."""
    out: list[tuple[str, int, int]] = []
    for w, s, e in words:
        prev = out[-1][0] if out and out[-1][2] == s else ""          # the word just before, touching
        if (w == "-" and prev[-1:].isalnum()) or (len(prev) > 1 and prev.endswith("-") and prev[-2].isalnum()
                                                 and w[:1].isalnum()):
            _, s0, _ = out.pop()
            out.append((text[s0:e], s0, e))
        else:
            out.append((w, s, e))
    return out


def pick_segmenter(name: str, tagger):
    """The segmenter for a tagger's raw text, or None for the rules of its training corpus:
    `auto` takes the shipped `segmenter` for an English tagger (UD or CoNLL-2003 words) when it is
    installed, loaded once and kept, and no segmenter for others (Korean); `rules` none; any other
    name or directory that model."""
    import textrnn
    from textrnn.bundle import shipped_models

    if name == "rules":
        return None
    if name not in ("auto", "segmenter"):
        return textrnn.load(name, task="segment")
    if name == "auto" and tagger.config.words not in ("ud", "conll"):
        return None
    from textrnn.runtime import requested

    key = ("segmenter", requested())   # loaded again if TEXTRNN_PRECISION changes
    if key not in _SHIPPED:
        if name == "auto" and "segmenter" not in shipped_models():
            return None
        _SHIPPED[key] = textrnn.load("segmenter", task="segment")   # two threads may both load: harmless
    return _SHIPPED[key]


_SHIPPED: dict = {}   # the shipped segmenter by TEXTRNN_PRECISION, once loaded (it does not change while we run)


def segment_lines(segmenter, tagger, texts: list[str]):
    """Raw lines → per line, its sentences as (words, their spans). For a CoNLL-2003 tagger
    (`ner`) hyphenated words are joined again (join_hyphens); words of control characters only
    are dropped."""
    from textrnn.runtime import paused_gc

    out = []
    segmented = segmenter.segment(texts)
    with paused_gc():
        for text, doc in zip(texts, segmented):
            sents = []
            for s in doc:
                words = words_of(s)
                if tagger.config.words == "conll":
                    words = join_hyphens(words, text)
                words = [w for w in words if not all(unicodedata.category(c)[0] == "C" for c in w[0])]
                if words:
                    sents.append(([w for w, _, _ in words], [(a, b) for _, a, b in words]))
            out.append(sents)
    return out


def tag_lines(segmenter, tagger, texts: list[str], batch_size: int = 64) -> list[dict]:
    """One record per line (what `Tags.predict` returns), each line split into sentences by the
    segmenter and each sentence tagged on its own: the line's words, then "sentences" [{"start",
    "end", "tokens", "tags", "offsets", "entities"?}] (offsets index the line). An empty line gives
    empty lists."""
    from textrnn.runtime import paused_gc

    with paused_gc():   # the whole of it: its token lists and records are most of the objects made
        per_line = segment_lines(segmenter, tagger, texts)
        tags = iter(tagger.tag_tokens([words for sents in per_line for words, _ in sents], batch_size))
        return [line_record(tagger, t, sents, [next(tags) for _ in sents]) for t, sents in zip(texts, per_line)]


def line_record(tagger, text: str, sentences, tags) -> dict:
    """One input line's record from its sentences: the words of all of them, then each apart."""
    parts = [tagger.record(text, words, t, spans) for (words, spans), t in zip(sentences, tags)]
    rec = {"text": text, "tokens": [], "tags": [], "offsets": []}
    if tagger.spans:
        rec["entities"] = []
    for p in parts:
        for key in rec:
            if key != "text":
                rec[key] += p[key]
    rec["sentences"] = [{"start": p["offsets"][0][0], "end": p["offsets"][-1][1],
                         **{k: v for k, v in p.items() if k != "text"}} for p in parts]
    return rec


def tag_raw(segmenter, tagger, texts: list[str], batch_size: int = 64) -> list[list[dict]]:
    """Each text → its sentences as `write_conllu` (below) takes them: {"text", "tokens": [{"form",
    "start", "end", "space_after", "words": [{"form", "upos"}]}]} (offsets index the text)."""
    from textrnn.runtime import paused_gc

    with paused_gc():   # the whole of it: its token lists and records are most of the objects made
        segmented = segmenter.segment(texts)
        sentences = [(text, s) for text, doc in zip(texts, segmented) for s in doc]
        words = [[w for t in s["tokens"] for w in t["words"]] for _, s in sentences]
        tags = tagger.tag_tokens(words, batch_size)
        out, k = [], 0
        for text, doc in zip(texts, segmented):
            mine = []
            for s in doc:
                it = iter(tags[k])
                k += 1
                tokens = [{"form": t["text"], "start": t["start"], "end": t["end"],
                           "space_after": t["end"] < len(text) and text[t["end"]].isspace(),
                           "words": [{"form": w, "upos": next(it)} for w in t["words"]]} for t in s["tokens"]]
                mine.append({"text": s["text"], "tokens": tokens})
            out.append(mine)
    return out


def evaluate_raw(tagger, treebank: str | Path, segmenter="segmenter", conllu_out: Path | None = None,
                 force: bool = False, batch_size: int = 64) -> dict:
    """CoNLL 2018 scores of segmenter + tagger on a treebank's raw text (fractions, 1.0 = all right)."""
    import textrnn
    from textrnn.segment_data import read_paragraphs
    from textrnn.ud_eval import evaluate

    if segmenter == "rules":
        seg = RuleSegmenter()
    else:
        seg = textrnn.load(segmenter, task="segment") if isinstance(segmenter, (str, Path)) else segmenter
    texts = [p.text for p in read_paragraphs(treebank)]
    system = write_conllu([s for doc in tag_raw(seg, tagger, texts, batch_size) for s in doc])
    if conllu_out is not None:
        from textrnn.commands.output import open_output

        with open_output(conllu_out, force) as out:
            out.write(system)
    gold = Path(treebank)
    gold_text = gold.read_text(encoding="utf-8") if gold.suffix != ".gz" else __import__("gzip").open(gold, "rt", encoding="utf-8").read()
    scores = evaluate(gold_text, system, gold_where=str(treebank), system_where="<system output>")
    return {name: scores[name] for name in ("tokens", "words", "sentences", "upos")}


# -- writing CoNLL-U ----------------------------------------------------------------------------

def _clean_form(form: str, what: str) -> str:
    if not form or not form.strip() or any(c in form for c in "\t\n\r"):
        raise InputError(f"write_conllu: {what} {form!r} cannot be a CoNLL-U FORM",
                         hint="a FORM is non-empty and holds no tab or line break")
    return form


def write_conllu(sentences: list[dict]) -> str:
    """CoNLL-U text for segmented, tagged sentences.

    `sentences`: [{"text": str, "tokens": [{"form", "start", "end", "words": [{"form", "upos"}],
    "space_after": bool}]}]. Each sentence gets `# sent_id = N` (from 1) and `# text = ...`; a token
    of several words gets a range line `i-j` before its words; UPOS fills column 4 and MISC says
    `SpaceAfter=No` when space_after is False; every other column is `_`. (`start`/`end` are not
    written: CoNLL-U has no column for offsets.) Sentences without tokens are left out.

    Note: HEAD is `_`, which this scorer accepts; the official conll18_ud_eval.py wants a number there.
    """
    out, sent_id = [], 0
    for sentence in sentences:
        if not sentence["tokens"]:
            continue
        sent_id += 1
        text = " ".join(sentence.get("text", "").split())   # one line, whatever the raw text held
        out += [f"# sent_id = {sent_id}", f"# text = {text}"]
        i = 1
        for token in sentence["tokens"]:
            words = token["words"] or [{"form": token["form"], "upos": "_"}]
            misc = "_" if token.get("space_after", True) else "SpaceAfter=No"
            if len(words) > 1:
                form = _clean_form(token["form"], "token")
                out.append(f"{i}-{i + len(words) - 1}\t{form}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
            for w in words:
                word_misc = misc if len(words) == 1 else "_"
                form = _clean_form(w["form"], "word")
                out.append(f"{i}\t{form}\t_\t{w.get('upos') or '_'}\t_\t_\t_\t_\t_\t{word_misc}")
                i += 1
        out.append("")
    return "\n".join(out) + "\n" if out else ""
