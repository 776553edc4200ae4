import pytest

from textrnn.data import iter_lines, length_batches, pad_batch, read_labelled_tsv
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
