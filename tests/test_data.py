import gzip
from pathlib import Path

import pytest

from textrnn.data import iter_lines, iter_tagged, length_batches, pad_batch, read_labelled_tsv, read_tagged
from textrnn.errors import InputError


def lines(path):
    return [t for _, _, t in iter_lines([str(path)])]


def test_crlf_bom_and_empty_lines(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"\xef\xbb\xbfone\r\n\r\ntwo")
    assert lines(p) == ["one", "", "two"]


@pytest.mark.parametrize("content,match", [
    (b"ok\nbad \xff byte\n", r"a.txt:2: not valid UTF-8"),
    (b"\x00\x01\x02binary", r"a.txt:1: contains NUL bytes"),
    (b"", r"a.txt: is empty"),
])
def test_bad_files(tmp_path, content, match):
    p = tmp_path / "a.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=match):
        lines(p)


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        lines(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        lines(tmp_path)


def test_labelled_tsv_names_bad_line(tmp_path):
    p = tmp_path / "d.tsv"
    p.write_text("positive\tgood\nno tab here\n")
    with pytest.raises(InputError, match=r"d.tsv:2: expected `label<TAB>text`"):
        read_labelled_tsv(p)


def test_pad_batch_and_buckets():
    ids, lengths = pad_batch([[5, 6, 7], [8], []])
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [0, 0, 0]] and lengths.tolist() == [3, 1, 1]
    assert length_batches([3, 1, 2], 2) == [[1, 2], [0]]
    import random

    got = sorted(i for b in length_batches(list(range(100)), 7, random.Random(0)) for i in b)
    assert got == list(range(100))


FIXTURES = Path(__file__).parent / "fixtures"


def test_read_conll_sentences():
    sents = read_tagged(FIXTURES / "ner_train.tsv")
    assert sents[0] == (["Anna", "Weber", "lives", "in", "Berlin", "."], ["B-PER", "I-PER", "O", "O", "B-LOC", "O"])
    assert len(sents) == 14


def test_read_conllu_skips_comments_multiword_tokens_and_empty_nodes(tmp_path):
    sents = read_tagged(FIXTURES / "pos_sample.conllu")
    assert sents == [(["We", "ca", "n't", "stop", "now", "."], ["PRON", "AUX", "PART", "VERB", "ADV", "PUNCT"]),
                     (["Dogs", "run", "fast", "."], ["NOUN", "VERB", "ADV", "PUNCT"])]
    gz = tmp_path / "s.conllu.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "pos_sample.conllu").read_bytes()))
    assert read_tagged(gz) == sents
    assert read_tagged(FIXTURES / "pos_sample.conllu", column=4)[1][1] == ["NNS", "VBP", "RB", "."]


def test_wrong_column_count_names_the_line(tmp_path):
    p = tmp_path / "bad.tsv"
    p.write_text("EU\tB-ORG\nrejects\tO\textra\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.tsv:2: 3 columns where the file's lines have 2"):
        read_tagged(p)
    u = tmp_path / "bad.conllu"
    u.write_text("# c\n1\tWe\twe\tPRON\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.conllu:2: 4 columns where CoNLL-U token lines have 10"):
        read_tagged(u)
    one = tmp_path / "one.tsv"
    one.write_text("EU\nrejects\n\nok\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"one.tsv:1: expected `token<TAB>tag`"):
        read_tagged(one)
    assert list(iter_tagged(str(one), need_tags=False)) == [(["EU", "rejects"], []), (["ok"], [])]
    blank = tmp_path / "blank.tsv"
    blank.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="has no sentences"):
        read_tagged(blank)
