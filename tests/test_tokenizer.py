import pytest

from textrnn.errors import BundleError, ConfigError
from textrnn.tokenizer import load_tokenizer, split_words, train_tokenizer, whitespace_spans, word_spans

TEXTS = ["Don't stop, it's great!", "Der Film war großartig.", "이 영화 정말 좋아요", "a k-19 film ... in 1930s"]


def test_split_words_follows_penn_treebank():
    assert split_words("Don't stop, it's great!") == ["Do", "n't", "stop", ",", "it", "'s", "great", "!"]
    assert split_words("a k-19 film ... can't") == ["a", "k-19", "film", "...", "ca", "n't"]
    # text that is already tokenized the Penn Treebank way comes out the same
    assert split_words("it 's not , i do n't") == split_words("it's not, i don't") == ["it", "'s", "not", ",", "i", "do", "n't"]
    assert split_words("Al-Qaeda's boss won't") == ["Al-Qaeda", "'s", "boss", "wo", "n't"]


def test_tagging_styles_keep_abbreviations_and_ud_splits_hyphens():
    text = "U.S. officials met Mr. Smith of Acme Inc. in Al-Zaman by e-mail."
    assert split_words(text, "conll") == ["U.S.", "officials", "met", "Mr.", "Smith", "of", "Acme", "Inc.", "in",
                                          "Al-Zaman", "by", "e-mail", "."]
    assert split_words(text, "ud")[-7:] == ["in", "Al", "-", "Zaman", "by", "e-mail", "."]
    assert split_words("U.S. officials") == ["U.S", ".", "officials"]  # ptb (classification) is unchanged


def test_offsets_point_into_the_original_text():
    text = "  Don’t  go to Al-Zaman!"
    spans = word_spans(text, "ud")
    assert [text[s:e] for s, e in spans] == ["Do", "n’t", "go", "to", "Al", "-", "Zaman", "!"]
    assert whitespace_spans(" a  bb c") == [(1, 2), (4, 6), (7, 8)]


@pytest.mark.parametrize("kind", ["word", "char", "sentencepiece"])
def test_round_trip_and_save(kind, tmp_path):
    options = {"max_size": 60} if kind == "sentencepiece" else {}
    tok = train_tokenizer(kind, TEXTS * 5, **options)
    assert (tok.pad_id, tok.unk_id, tok.bos_id, tok.eos_id) == (0, 1, 2, 3)
    ids = tok.encode(TEXTS)
    assert all(isinstance(i, int) for s in ids for i in s)
    if kind != "word":  # words lose their spacing; chars and sentencepiece give the text back
        assert [tok.decode(s) for s in ids] == TEXTS
    else:
        assert tok.decode(ids[1]) == "Der Film war großartig ."
    tok.save(tmp_path)
    again = load_tokenizer(tmp_path)
    assert again.encode(TEXTS) == ids and again.vocab_size == tok.vocab_size
    surfaces = again.surfaces()                       # each id as it stands in running text
    assert len(surfaces) == tok.vocab_size and surfaces[: 4] == [""] * 4
    spelled = ["".join(surfaces[i] for i in s) for s in ids]
    assert [" ".join(t.split()) for t in spelled] == ([" ".join(t.split()) for t in TEXTS] if kind != "word"
                                                      else [" ".join(t.split()) for t in map(tok.decode, ids)])


def test_unknown_words_map_to_unk():
    tok = train_tokenizer("word", ["good film"], lowercase=True)
    assert tok.encode(["GOOD movie"]) == [[tok.index["good"], tok.unk_id]]


def test_min_freq_and_unknown_kind():
    tok = train_tokenizer("word", ["a a b"], min_freq=2)
    assert "b" not in tok.index and "a" in tok.index
    with pytest.raises(ConfigError, match="choose one of: char, sentencepiece, word"):
        train_tokenizer("bpe", ["x"])


def test_corrupted_tokenizer_file(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(BundleError, match="corrupted tokenizer"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").unlink()
    with pytest.raises(BundleError, match="missing"):
        load_tokenizer(tmp_path)


def test_punct_normalization_reads_raw_and_pretokenised_text_alike(tmp_path):
    from textrnn.tokenizer import split_punct

    assert split_punct("It's 12,000 e-mails!\n  See http://x.co") == "It ' s 12 , 000 e - mails ! See http : / / x . co"
    assert split_punct("re : meeting") == "re : meeting"   # already written so: unchanged
    raw = ["Re: Meeting at 3:30, don't be late!", "FREE $$$ at www.win.com"]
    enron = ["re : meeting at 3 : 30 , don ' t be late !", "free $ $ $ at www . win . com"]
    tok = train_tokenizer("sentencepiece", raw * 20 + enron * 20, max_size=60, lowercase=True, normalize="punct")
    assert tok.encode(raw) == tok.encode(enron)
    tok.save(tmp_path)
    again = load_tokenizer(tmp_path)
    assert again.normalize == "punct" and again.encode(raw) == tok.encode(enron)


def test_unknown_normalizer():
    with pytest.raises(ConfigError, match="unknown tokenizer normalize 'nfc'; choose one of: none, punct"):
        train_tokenizer("sentencepiece", TEXTS * 5, max_size=60, normalize="nfc")


def test_korean_style_splits_punctuation_off_eojeol():
    """As UD Korean GSD writes them (dev-s2 among them): eojeol whole, punctuation apart."""
    text = "경기국제의료관광협의회(e-gima.com)가 주최하며 1,000명이 1950~1960년대에 참여한다. 좋아요!! http://www.khmais.net"
    assert split_words(text, "ko") == ["경기국제의료관광협의회", "(", "e-gima.com", ")", "가", "주최하며", "1,000명이",
                                       "1950~1960년대에", "참여한다", ".", "좋아요", "!", "!", "http://www.khmais.net"]
    assert all(text[s:e] for s, e in word_spans(text, "ko"))
