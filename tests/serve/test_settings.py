from __future__ import annotations

import pytest

from textrnn.errors import InputError
from textrnn.serve.settings import Settings, parse_models

SHIPPED = ["ner", "sentiment", "spam"]


def test_models_spec():
    assert parse_models("all", SHIPPED) == {n: n for n in SHIPPED}
    assert parse_models("sentiment, mine=runs/x/model,", SHIPPED) == {"sentiment": "sentiment", "mine": "runs/x/model"}


@pytest.mark.parametrize("spec, words", [("nope", "unknown model 'nope'"), ("=x", "NAME=DIRECTORY"),
                                         ("mine=", "NAME=DIRECTORY"), (" , ", "names no model")])
def test_bad_models_spec(spec, words):
    with pytest.raises(InputError, match=words):
        parse_models(spec, SHIPPED)


def test_settings_travel_to_workers_as_json():
    s = Settings(models={"a": "sentiment"}, max_texts=3, batching=False)
    assert Settings.from_json(s.to_json()) == s
