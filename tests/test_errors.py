import pytest

from textrnn.errors import ConfigError, TextrnnError, choose


def test_choose_lists_valid_names():
    with pytest.raises(ConfigError, match=r"unknown cell 'lstn'; choose one of: gru, lstm, rnn"):
        choose("cell", "lstn", ["rnn", "gru", "lstm"])


def test_error_str_has_hint():
    assert str(TextrnnError("bad", hint="do this")) == "bad\nhint: do this"
