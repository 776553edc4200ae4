"""Word features: the forms a tagger looks up and the characters it reads (embedding.py)."""

import unicodedata

from textrnn.embedding import casing, clip_word, spelled, word_key


def test_word_key_reads_decomposed_hangul_as_its_syllables():
    nfc = "학교에"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc and word_key(nfd) == word_key(nfc) == "학교에"
    assert word_key("Paris1996") == "paris0000"


def test_jamo_spelling_is_the_same_for_composed_and_decomposed_text():
    assert spelled("갔다", "jamo") == spelled(unicodedata.normalize("NFD", "갔다"), "jamo") == "\u1100\u1161\u11bb\u1103\u1161"
    assert spelled("갔다") == "갔다"
    assert clip_word("abcdefgh", 4) == "abgh" and casing("Seoul") == 2
