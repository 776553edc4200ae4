import json
import subprocess
import sys

import pytest
import torch

import textrnn
from textrnn.bundle import read_config, resolve_model
from textrnn.errors import BundleError


def test_saved_bundle_loads_in_another_process(tiny_model):
    texts = ["a wonderful film", "boring and bad", "", "unseen words here"]
    here = textrnn.load(tiny_model).predict(texts)
    code = f"import json, textrnn; print(json.dumps(textrnn.load({str(tiny_model)!r}).predict({texts!r})))"
    there = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert there[2] is None
    for a, b in zip(here, there):
        if a is not None:
            assert a["label"] == b["label"] and a["probability"] == pytest.approx(b["probability"], abs=1e-6)


def test_bundle_files(tiny_model):
    assert {p.name for p in tiny_model.iterdir()} >= {"config.json", "model.safetensors", "tokenizer.json", "metrics.json"}
    cfg = read_config(tiny_model)
    assert cfg["task"] == "classify" and cfg["model"]["labels"] == ["negative", "positive"]


def copy(tiny_model, tmp_path):
    import shutil

    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    return d


def test_wrong_format_version(tiny_model, tmp_path):
    d = copy(tiny_model, tmp_path)
    cfg = json.loads((d / "config.json").read_text())
    cfg["format_version"] = 99
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(BundleError, match="format_version 99") as e:
        textrnn.load(d)
    assert "re-train" in e.value.hint


def test_corrupted_weights(tiny_model, tmp_path):
    d = copy(tiny_model, tmp_path)
    data = (d / "model.safetensors").read_bytes()
    (d / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="model.safetensors: corrupted"):
        textrnn.load(d)


def test_missing_and_garbled_config(tiny_model, tmp_path):
    d = copy(tiny_model, tmp_path)
    (d / "config.json").write_text("{")
    with pytest.raises(BundleError, match="config.json: corrupted"):
        textrnn.load(d)
    (d / "config.json").unlink()
    with pytest.raises(BundleError, match="not a textrnn model"):
        textrnn.load(d)


@pytest.mark.parametrize("model", ["tiny_model", "tiny_ner"])
def test_unknown_config_key_in_bundle(model, tmp_path, request):
    d = copy(request.getfixturevalue(model), tmp_path)
    cfg = json.loads((d / "config.json").read_text())
    cfg["model"]["hiden_size"] = 3
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(BundleError, match=r"config.json: unknown config key 'model.hiden_size' \(valid keys"):
        textrnn.load(d)


def test_unknown_model_name_lists_shipped():
    with pytest.raises(BundleError, match="unknown model 'sentimnt'; choose one of"):
        resolve_model("sentimnt")


def test_wrong_task_is_refused(tiny_model):
    with pytest.raises(BundleError, match="is a 'classify' model, not a 'tag' model"):
        textrnn.load(tiny_model, task="tag")


def test_save_is_atomic_on_failure(tiny_model, tmp_path):
    model = textrnn.load(tiny_model)
    target = tmp_path / "out"
    model.save(target)
    before = sorted(p.name for p in target.iterdir())

    class Boom(Exception):
        pass

    def fail(_):
        raise Boom

    from textrnn.bundle import save_bundle

    with pytest.raises(Boom):
        save_bundle(target, task="classify", model_config={}, state_dict={}, tokenizer=model.tokenizer, write_more=fail)
    assert sorted(p.name for p in target.iterdir()) == before  # the old bundle is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out"]      # no temporary directory left behind


def test_int8_rows_round_trip_within_half_a_step(tmp_path):
    import torch

    from textrnn.bundle import SCALE, load_weights, quantize_rows, save_bundle
    from textrnn.tokenizer import WordTokenizer

    torch.manual_seed(0)
    w = torch.randn(50, 8) * torch.logspace(-3, 1, 50).unsqueeze(1)   # rows of very different sizes
    w[0] = 0                                                         # a padding row stays exactly 0
    q, scale = quantize_rows(w)
    assert q.dtype == torch.int8 and scale.shape == (50,) and q.abs().max() == 127
    back = q.float() * scale.float().unsqueeze(1)
    assert ((back - w).abs() <= scale.float().unsqueeze(1) / 2 + 1e-7).all() and (back[0] == 0).all()
    save_bundle(tmp_path / "b", task="embeddings", model_config={}, state_dict={"e.weight": w, "b": torch.ones(3)},
                tokenizer=WordTokenizer(["<pad>", "<unk>", "<bos>", "<eos>"]), half=True, int8=("e.weight",))
    loaded = load_weights(tmp_path / "b")
    assert set(loaded) == {"e.weight", "b"} and loaded["e.weight"].dtype == torch.float32
    assert torch.equal(loaded["e.weight"], back)
    # quantizing what was loaded gives the same bytes again (an ensemble re-saves its members)
    q2, scale2 = quantize_rows(loaded["e.weight"])
    assert torch.equal(q2, q) and torch.equal(scale2, scale)
    from safetensors.torch import load_file, save_file

    raw = load_file(str(tmp_path / "b" / "model.safetensors"))
    save_file({"b": raw["b"], "e.weight" + SCALE: raw["e.weight" + SCALE]}, str(tmp_path / "b" / "model.safetensors"))
    with pytest.raises(BundleError, match="has e.weight.int8_scale but no e.weight"):
        load_weights(tmp_path / "b")


def test_int8_embeddings_predict_like_the_float_model(tiny_model, tmp_path, monkeypatch):
    import textrnn.bundle
    from safetensors.torch import load_file

    monkeypatch.setattr(textrnn.bundle, "INT8_MIN_ROWS", 10)   # the fixture's vocabulary is tiny
    p = textrnn.load(tiny_model)
    p.save(tmp_path / "int8", int8=True)
    stored = load_file(str(tmp_path / "int8" / "model.safetensors"))
    assert stored["embedding.weight"].dtype == torch.int8 and stored["output.weight"].dtype == torch.float32
    # a textrnn that reads only format_version 1 refuses an int8 bundle with its version hint
    assert read_config(tmp_path / "int8")["format_version"] == 2 and read_config(tiny_model)["format_version"] == 1
    texts = ["a wonderful film", "boring and bad", "unseen words here", "dull"]
    a, b = p.predict(texts), textrnn.load(tmp_path / "int8").predict(texts)
    assert [x["label"] for x in a] == [x["label"] for x in b]
    assert [x["probability"] for x in a] == pytest.approx([x["probability"] for x in b], abs=0.02)


def test_train_config_int8_embeddings_reaches_the_bundle(tmp_path, monkeypatch):
    import textrnn.bundle
    from safetensors.torch import load_file

    from tests.conftest import tiny_classify_config
    from textrnn.train import train

    monkeypatch.setattr(textrnn.bundle, "INT8_MIN_ROWS", 10)
    train(tiny_classify_config(epochs=1, int8_embeddings=True), tmp_path / "run", quiet=True)
    assert load_file(str(tmp_path / "run" / "model" / "model.safetensors"))["embedding.weight"].dtype == torch.int8
