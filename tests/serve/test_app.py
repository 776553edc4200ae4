"""Every endpoint answers as the Python API does, and every bad request gets a JSON error with
the right status, while the server keeps serving (FastAPI's in-process test client)."""

from __future__ import annotations

import json

import pytest


def test_health_and_models(client):
    assert client.get("/health").json()["status"] == "ok"
    listed = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert set(listed) == {"sentiment", "ner", "pos", "de-en", "wikitext2"}
    assert listed["sentiment"]["task"] == "classify" and listed["sentiment"]["default"]
    assert listed["ner"]["size_mb"] > 0 and "f1" in listed["ner"]["score"]


def test_classify_answers_like_predict(client):
    import textrnn

    expected = textrnn.load("sentiment").predict(["a fine film", "", "dull"])
    one = client.post("/v1/classify", json={"text": "a fine film"}).json()
    assert one["model"] == "sentiment" and one["result"]["label"] == expected[0]["label"]
    many = client.post("/v1/classify", json={"model": "sentiment", "texts": ["a fine film", "", "dull"]}).json()
    assert [r and r["label"] for r in many["results"]] == [r and r["label"] for r in expected]   # empty text: null
    assert many["results"][0]["probability"] == pytest.approx(expected[0]["probability"], abs=1e-5)


def test_the_body_is_json_whatever_its_content_type(client):
    r = client.post("/v1/classify", content='{"text": "a fine film"}',
                    headers={"content-type": "application/x-www-form-urlencoded"})   # what `curl -d` sends
    assert r.status_code == 200 and r.json()["result"]["label"] == "positive"


def test_tag_translate_next_word_generate(client):
    ner = client.post("/v1/tag", json={"text": "Angela Merkel visited Paris ."}).json()["result"]
    assert [(e["text"], e["type"]) for e in ner["entities"]] == [("Angela Merkel", "PER"), ("Paris", "LOC")]
    pos = client.post("/v1/tag", json={"model": "pos", "texts": ["I saw her .", ""], "tokenized": True}).json()["results"]
    assert pos[0]["tags"] == ["PRON", "VERB", "PRON", "PUNCT"] and pos[1]["tokens"] == []
    raw = client.post("/v1/tag", json={"model": "pos", "text": "It rains. We stay."}).json()["result"]
    assert [s["tokens"] for s in raw["sentences"]] == [["It", "rains", "."], ["We", "stay", "."]]   # the segmenter
    rules = client.post("/v1/tag", json={"model": "pos", "text": "It rains. We stay.", "segmenter": "rules"}).json()
    assert "sentences" not in rules["result"] and rules["result"]["tokens"][-1] == "."
    bad = client.post("/v1/tag", json={"model": "pos", "text": "x", "segmenter": "/etc"})     # never a path
    assert bad.status_code == 422 and "segmenter" in bad.json()["error"] + bad.json()["hint"]
    tr = client.post("/v1/translate", json={"text": "Ein kleines Haus .", "beam": 2}).json()["result"]
    assert "house" in tr["translation"].lower() and "attention" not in tr
    nxt = client.post("/v1/next-word", json={"texts": ["The United", ""], "top_k": 3}).json()["results"]
    assert nxt[0][0]["token"] == "States" and len(nxt[0]) == 3 and nxt[1] is None
    a = client.post("/v1/generate", json={"prompt": "The", "max_tokens": 8, "seed": 3}).json()
    b = client.post("/v1/generate", json={"prompt": "The", "max_tokens": 8, "seed": 3}).json()
    assert a["text"] == b["text"] and len(a["text"].split()) == 8
    empty = client.post("/v1/generate", json={"prompt": "", "max_tokens": 5, "seed": 1}).json()   # from nothing
    assert len(empty["text"].split()) >= 1


def test_generate_streams_server_sent_events(client):
    whole = client.post("/v1/generate", json={"prompt": "The", "max_tokens": 6, "seed": 5}).json()["text"]
    r = client.post("/v1/generate", json={"prompt": "The", "max_tokens": 6, "seed": 5, "stream": True})
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [block.split("\n") for block in r.text.strip().split("\n\n")]
    kinds = [e[0].removeprefix("event: ") for e in events]
    assert kinds == ["token"] * 6 + ["done"]
    tokens = [json.loads(e[1].removeprefix("data: "))["token"] for e in events[:-1]]
    assert "".join(tokens) == whole == json.loads(events[-1][1].removeprefix("data: "))["text"]


def test_inspect_gives_the_numbers_behind_the_pictures(client):
    g = client.post("/v1/inspect/gates", json={"text": "dull , but the ending works"}).json()
    T = len(g["tokens"])
    assert g["cell"] == "lstm" and g["gate_names"] == ["input", "forget", "output"] and g["max_diff"] < 1e-4
    assert [(d["layer"], d["direction"]) for d in g["directions"]] == [(0, "forward"), (0, "backward")]
    forget = g["directions"][0]["gates"]["forget"]
    assert len(forget) == T and len(forget[0]) == g["hidden_size"] and all(0 <= v <= 1 for v in forget[0])
    h = client.post("/v1/inspect/hidden", json={"model": "ner", "text": "Angela Merkel visited Paris ."}).json()
    assert len(h["norms"]) == len(h["forward_norms"]) == len(h["tokens"]) == 5
    a = client.post("/v1/inspect/attention", json={"text": "Ein kleines Haus ."}).json()
    assert len(a["attention"]) == len(a["target_pieces"]) and len(a["attention"][0]) == len(a["source_pieces"])
    assert all(abs(sum(row) - 1) < 1e-2 for row in a["attention"])


def test_openapi_schema_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/v1/classify", "/v1/tag", "/v1/translate", "/v1/next-word", "/v1/generate", "/v1/inspect/gates",
              "/v1/inspect/hidden", "/v1/inspect/attention", "/v1/models", "/health"):
        assert p in paths


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<script src=\"/static/app.js\">" in page.text
    assert "http" not in client.get("/static/app.js").text.replace("http://www.w3.org/2000/svg", "")   # no CDN


def _error(r, status: int, *words: str):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "hint"}
    for w in words:
        assert w in body["error"], body
    return body


@pytest.mark.parametrize("body, status, words", [
    ("{bad", 400, ["malformed JSON"]),
    ("[1, 2]", 400, ["JSON object"]),
    ('"a fine film"', 400, ["JSON object"]),
    ("", 400, ["no body"]),
    ('{"txt": "x"}', 422, ["unknown key 'txt'"]),
    ('{"text": 3}', 422, ["text"]),
    ('{"text": "a", "texts": ["b"]}', 422, ["either"]),
    ("{}", 422, ["either"]),
    ('{"texts": "not a list"}', 422, ["texts"]),
    ('{"model": "nope", "text": "x"}', 404, ["unknown model 'nope'", "sentiment"]),
    ('{"model": "ner", "text": "x"}', 422, ["tag model", "sentiment"]),
    ('{"model": "../../etc", "text": "x"}', 404, ["unknown model"]),   # never a path
])
def test_bad_classify_requests(client, body, status, words):
    _error(client.post("/v1/classify", content=body, headers={"content-type": "application/json"}), status, *words)


def test_limits(client):
    _error(client.post("/v1/classify", json={"texts": ["a"] * 9}), 422, "9 texts", "at most 8")
    body = _error(client.post("/v1/classify", json={"texts": ["a", "b" * 201]}), 422, "texts[1]", "201 characters")
    assert "--max-chars" in body["hint"]
    _error(client.post("/v1/classify", content=b"x" * 20_001), 413, "larger than 20,000 bytes")
    _error(client.post("/v1/generate", json={"max_tokens": 51}), 422, "max_tokens")
    _error(client.post("/v1/generate", json={"temperature": -1}), 422, "temperature")
    _error(client.post("/v1/generate", json={"top_p": 0}), 422, "top_p")
    _error(client.post("/v1/translate", json={"text": "Haus", "beam": 9}), 422, "beam")
    _error(client.post("/v1/next-word", json={"text": "The", "top_k": 0}), 422, "top_k")
    _error(client.post("/v1/inspect/gates", json={"text": "   "}), 422, "empty")
    _error(client.post("/v1/inspect/gates", json={"text": "x" * 2001}), 422, "2,001 characters")
    _error(client.post("/v1/inspect/attention", json={"model": "sentiment", "text": "x"}), 422, "classify model")


def test_unknown_paths_and_methods(client):
    _error(client.get("/v1/nope"), 404, "no such path")
    _error(client.get("/v1/classify"), 405, "GET is not allowed")


def test_odd_texts_are_answered(client):
    odd = ["\x00\x01 binary", "🙂" * 50, "line\nbreak", " ", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]
    r = client.post("/v1/classify", json={"texts": odd})
    assert r.status_code == 200 and len(r.json()["results"]) == len(odd) and r.json()["results"][3] is None
    r = client.post("/v1/classify", content=b'{"text": "caf\xe9"}', headers={"content-type": "application/json"})
    _error(r, 400, "malformed JSON")                               # invalid UTF-8


def test_a_fault_of_ours_is_a_500_and_the_server_keeps_serving(monkeypatch):
    from fastapi.testclient import TestClient

    import textrnn.serve.tasks as tasks
    from textrnn.serve.app import create_app
    from textrnn.serve.settings import Settings

    real = tasks.classify

    def broken_once(predictor):
        monkeypatch.setattr(tasks, "classify", real)
        def run(texts):
            raise RuntimeError("boom")
        return run
    monkeypatch.setattr(tasks, "classify", broken_once)
    with TestClient(create_app(Settings(models={"sentiment": "sentiment"})), raise_server_exceptions=False) as c:
        body = _error(c.post("/v1/classify", json={"text": "x"}), 500, "internal error")
        assert "stderr" in body["hint"]
        c.app.state.server.batchers.clear()                   # the next request builds its queue afresh
        assert c.post("/v1/classify", json={"text": "a fine film"}).json()["result"]["label"] == "positive"


def test_a_full_queue_is_503_with_retry_after_and_a_slow_request_504():
    from fastapi.testclient import TestClient

    from textrnn.serve.app import create_app
    from textrnn.serve.settings import Settings

    with TestClient(create_app(Settings(models={"sentiment": "sentiment"}, max_queue=2))) as c:
        r = c.post("/v1/classify", json={"texts": ["a", "b", "c"]})
        _error(r, 503, "busy")
        assert r.headers["retry-after"] == "1"
        assert c.post("/v1/classify", json={"texts": ["a", "b"]}).status_code == 200
    with TestClient(create_app(Settings(models={"sentiment": "sentiment"}, timeout_s=0.001))) as c:
        body = _error(c.post("/v1/classify", json={"text": "a fine film"}), 504, "longer than 0.001 s")
        assert "--timeout" in body["hint"]
        assert c.get("/health").status_code == 200


def test_a_loaded_model_is_frozen_out_of_the_garbage_collectors_sight_with_its_segmenter():
    import gc

    from fastapi.testclient import TestClient

    from textrnn import raw_text
    from textrnn.serve.app import create_app
    from textrnn.serve.settings import Settings

    raw_text._SHIPPED.clear()
    gc.unfreeze()                                 # what earlier servers in this process froze
    try:
        with TestClient(create_app(Settings(models={"ner": "ner"}))) as c:
            r = c.post("/v1/tag", json={"model": "ner", "text": "Angela Merkel met Emmanuel Macron in Paris."})
            assert r.status_code == 200
        # torch's and the models' objects, the segmenter's among them: full collections skip them
        assert gc.get_freeze_count() > 100_000
        assert raw_text._SHIPPED                  # the segmenter was loaded with the tagger, before the freeze
    finally:
        gc.unfreeze()
