"""corpus.py: data splits through Arrow tables, their cache, JSONL and hub columns, the LM stream."""

import json

import pytest
import torch

from textrnn import corpus
from textrnn.errors import ConfigError, InputError
from textrnn.heads import classify, lm, tag
from textrnn.tokenizer import CharTokenizer, WordTokenizer


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTRNN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_local_file_is_parsed_once_then_read_from_the_cache(tmp_path):
    f = tmp_path / "train.tsv"
    f.write_text("pos\tgood film\nneg\tbad film\n", encoding="utf-8")
    calls = []

    def reader(path):
        calls.append(path)
        return classify.read_data(path)

    assert corpus.load("classify", str(f), f, reader) == [("pos", "good film"), ("neg", "bad film")]
    assert corpus.load("classify", str(f), f, reader) == [("pos", "good film"), ("neg", "bad film")]
    assert len(calls) == 1
    f.write_text("pos\tgood film\nneg\tbad film\npos\tfine\n", encoding="utf-8")   # edited: parsed anew
    assert len(corpus.load("classify", str(f), f, reader)) == 3
    assert len(calls) == 2


def test_tagged_rows_keep_their_lists(tmp_path):
    f = tmp_path / "train.conll"
    f.write_text("Angela\tB-PER\nMerkel\tI-PER\nspoke\tO\n\nParis\tB-LOC\n", encoding="utf-8")
    assert corpus.load("tag", str(f), f, tag.read_data) == [(["Angela", "Merkel", "spoke"], ["B-PER", "I-PER", "O"]),
                                                             (["Paris"], ["B-LOC"])]


def test_bad_local_file_still_names_its_line(tmp_path):
    f = tmp_path / "bad.tsv"
    f.write_text("pos\tgood\nno tab here\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.tsv:2"):
        corpus.load("classify", str(f), f, classify.read_data)
    with pytest.raises(InputError, match="no such file"):
        corpus.load("classify", str(tmp_path / "missing.tsv"), tmp_path / "missing.tsv", classify.read_data)


def test_jsonl_columns_are_found_by_name(tmp_path):
    f = tmp_path / "train.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in [{"sentence": "good", "label": "pos", "id": 1},
                                                          {"sentence": "bad", "label": "neg", "id": 2}]), encoding="utf-8")
    assert corpus.load("classify", str(f), f, classify.read_data) == [("pos", "good"), ("neg", "bad")]
    g = tmp_path / "odd.jsonl"
    g.write_text(json.dumps({"body": "good", "label": "pos"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no column for 'text' \(columns: body, label\)"):
        corpus.load("classify", str(g), g, classify.read_data)


def test_hub_ids_map_class_labels_to_names(monkeypatch):
    import datasets

    seen = {}

    def fake_load(name, config=None, split=None):
        seen.update(name=name, config=config, split=split)
        features = datasets.Features({"sentence": datasets.Value("string"),
                                      "label": datasets.ClassLabel(names=["negative", "positive"])})
        return datasets.Dataset.from_dict({"sentence": ["good", "bad"], "label": [1, 0]}, features=features)

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    rows = corpus.load("classify", "hf:stanfordnlp/sst2:validation?text=sentence", None, classify.read_data)
    assert rows == [("positive", "good"), ("negative", "bad")]
    assert seen == {"name": "stanfordnlp/sst2", "config": None, "split": "validation"}


def test_hub_tags_and_translation_pairs(monkeypatch):
    import datasets

    def fake_load(name, config=None, split=None):
        if name == "conll2003":
            features = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                          "ner_tags": datasets.Sequence(datasets.ClassLabel(names=["O", "B-PER"]))})
            return datasets.Dataset.from_dict({"tokens": [["Angela", "spoke"]], "ner_tags": [[1, 0]]}, features=features)
        return datasets.Dataset.from_dict({"translation": [{"de": "ein Hund", "en": "a dog"}]})

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    assert corpus.load("tag", "hf:conll2003", None, tag.read_data) == [(["Angela", "spoke"], ["B-PER", "O"])]
    assert corpus.load("translate", "hf:wmt16:train?config=de-en&source=de&target=en", None, None) == [("ein Hund", "a dog")]
    with pytest.raises(ConfigError, match=r"source=de&target=en"):
        corpus.load("translate", "hf:wmt16:train?config=de-en", None, None)


def test_hub_errors_are_clear(monkeypatch):
    import datasets

    def offline(*a, **k):
        raise ConnectionError("Couldn't reach the hub")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(InputError, match="need network access"):
        corpus.load("classify", "hf:stanfordnlp/sst2", None, classify.read_data)
    with pytest.raises(ConfigError, match="unknown option 'colour'.*|valid"):
        corpus.parse_hub("hf:sst2?colour=red")
    assert corpus.parse_hub("hf:glue:test?config=sst2") == ("glue", "test", {"config": "sst2"})


@pytest.mark.parametrize("ending", ["\n", ""])
def test_lm_stream_from_the_arrow_table_equals_the_in_memory_one(tmp_path, ending):
    f = tmp_path / "text.txt"
    f.write_text("the cat sat\n\non the mat\nthe end" + ending, encoding="utf-8")
    lines = corpus.load("lm", str(f), f, lm.read_data)
    assert isinstance(lines, corpus.Lines) and list(lines) == lm.read_data(f)
    for tok, unit in ((WordTokenizer.train(["the cat sat on the mat"]), "word"), (CharTokenizer.train(["the cat"]), "char")):
        mapped = corpus.token_stream(lines, tok, unit)
        assert mapped.dtype == torch.int32
        assert torch.equal(mapped.long(), lm.stream_ids(tok, lm.read_data(f), unit))
        assert torch.equal(corpus.token_stream(lines, tok, unit), mapped)        # the second time from the cache


def test_lm_stream_is_memory_mapped(tmp_path, cache):
    f = tmp_path / "text.txt"
    f.write_text("a b c\n" * 100, encoding="utf-8")
    tok = WordTokenizer.train(["a b c"])
    ids = corpus.token_stream(corpus.load("lm", str(f), f, lm.read_data), tok, "word")
    files = list((cache / "streams").glob("*.int32"))
    assert len(files) == 1 and files[0].stat().st_size == 4 * len(ids) == 4 * 400
    assert not list((cache / "streams").glob("*.arrow"))   # the flat file replaces map's own cache


@pytest.mark.parametrize("task", ["classify", "tag"])
def test_encoding_is_cached_by_map_and_equals_the_direct_one(tmp_path, task):
    head = {"classify": classify, "tag": tag}[task]
    if task == "classify":
        f = tmp_path / "train.tsv"
        f.write_text("pos\tgood film\nneg\tbad film\n", encoding="utf-8")
        options = {"embedding_dim": 4, "hidden_size": 4}
    else:
        f = tmp_path / "train.conll"
        f.write_text("Angela\tB-PER\nMerkel\tI-PER\nspoke\tO\n\nParis\tB-LOC\n", encoding="utf-8")
        options = {"word_dim": 4, "char_dim": 2, "char_filters": 2, "casing_dim": 2, "hidden_size": 4}
    rows = corpus.load(task, str(f), f, head.read_data)
    texts = (t for _, t in rows) if task == "classify" else (" ".join(ws) for ws, _ in rows)
    predictor = head.build(options, rows, WordTokenizer.train(texts))
    calls = []

    def counting(p, exs):
        calls.append(len(exs))
        return head.encode_examples(p, exs)

    first = corpus.encode(task, predictor, rows, counting)
    again = corpus.encode(task, predictor, corpus.load(task, str(f), f, head.read_data), counting)
    direct = head.encode_examples(predictor, list(rows))
    assert calls == [2] and first == again
    assert json.loads(json.dumps(direct)) == first                          # the same ids, as JSON lists
    batch = list(head.batches(first, 2, __import__("random").Random(1)))[0]
    assert all(isinstance(t, torch.Tensor) for t in batch)
