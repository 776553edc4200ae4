"""Multiword tokens: the tables read from a training treebank, and splitting a token into its words."""

from __future__ import annotations

from textrnn.heads.multiword import Expander, always_entries, always_pairs, pair_counts, tables, token_counts
from textrnn.heads.segment import spans


def _example(tokens: list[tuple[str, list[str] | None]]):
    """A paragraph (text, labels, mwts) from tokens apart by spaces, each (surface, its words or None)."""
    text, labels, mwts = [], [], []
    for k, (surface, words) in enumerate(tokens):
        last = k == len(tokens) - 1
        end = (4 if last else 3) if words else (2 if last else 1)
        text.append(surface)
        labels += [0] * (len(surface) - 1) + [end] + ([] if last else [0])
        if words:
            mwts.append(f"{surface}\t{' '.join(words)}")
    return " ".join(text), "".join(map(str, labels)), "\n".join(mwts)


EXAMPLES = [
    _example([("Cant", ["Ca", "nt"]), ("stop", None), ("its", ["it", "s"]), ("its", None), ("fine", None)]),
    _example([("cant", ["ca", "nt"]), ("its", None), ("lets", ["let", "s"]), ("gotta", ["got", "ta"]),
              ("go", None), ("lets", None)]),
]


def test_counts_of_split_and_whole_tokens():
    split, whole = token_counts(EXAMPLES, spans)
    assert split["cant"]["ca nt"] == 2 and split["its"]["it s"] == 1 and split["lets"]["let s"] == 1
    assert whole["its"] == 2 and whole["lets"] == 1 and whole["stop"] == 1 and "cant" not in whole


def test_always_split_needs_enough_splits_and_share():
    split, whole = token_counts(EXAMPLES, spans)
    assert always_entries(split, whole) == ()               # cant split twice: too few to be sure
    assert always_entries(split, whole, min_count=2) == ("cant",)   # its: 1 of 3; lets: 1 of 2; gotta: once
    assert always_entries(split, whole, min_count=1) == ("cant", "gotta")
    assert always_entries(split, whole, min_count=1, min_share=0.5) == ("cant", "gotta", "lets")


def test_a_surface_written_both_ways_is_always_split_before_some_words():
    """`its` is split before `not` in every one of its three occurrences there, and left whole before
    `own`: the pair joins the list, the surface alone does not."""
    text = [("its", ["it", "s"]), ("not", None), ("its", None), ("own", None)]
    examples = [_example(text)] * 3 + [_example([("its", ["it", "s"]), ("own", None)])]
    split, whole = pair_counts(examples, spans, {"its"})
    assert split == {"its not": 3, "its own": 1} and whole == {"its own": 3}
    assert always_pairs(split, whole) == ("its not",)
    t = tables(examples, spans)
    assert t["mwt_always"] == ["its not"]          # its alone: 4 splits of 7
    # a surface always split gets no pairs of its own
    cant = [_example([("cant", ["ca", "nt"]), ("go", None)])] * 3
    assert tables(cant, spans)["mwt_always"] == ["cant"]


def test_tables_for_the_model_config():
    t = tables(EXAMPLES, spans)
    assert t["mwt"] == ["cant\tca nt", "gotta\tgot ta", "its\tit s", "lets\tlet s"]
    assert t["mwt_always"] == []


def test_multiword_tokens_become_words():
    e = Expander(("don't\tdo n't", "cannot\tcan not", "gonna\tgon na", "it's\tit 's"), always=("gonna",))
    assert e.words("Don't") == ["Do", "n't"] and e.words("CANNOT") == ["CAN", "NOT"]
    assert e.words("Ahmed's") == ["Ahmed", "'s"]          # unseen: a suffix it knows
    assert e.words("xyz") == ["xyz"]
    assert e.always == {"gonna"}
