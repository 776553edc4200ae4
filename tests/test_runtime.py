"""runtime.py: which precision predictions run in, and the bfloat16 copy that runs them."""

import json
import shutil

import pytest
import torch

import textrnn
from textrnn import runtime
from textrnn.errors import ConfigError
from textrnn.heads.classify import Classifier, ClassifierConfig


@pytest.mark.parametrize("env, native, model, expected", [
    (None, True, "bf16", "bf16"),      # auto: the model's choice where the CPU has bfloat16 ...
    (None, False, "bf16", "fp32"),     # ... and fp32 where it would be emulated
    ("auto", True, "fp32", "fp32"),    # a model that did not ask stays fp32
    ("fp32", True, "bf16", "fp32"),    # the user's word wins
    (" BF16 ", False, "fp32", "bf16"),
    ("", True, "bf16", "bf16"),        # set but empty: the default
])
def test_resolve(monkeypatch, env, native, model, expected):
    monkeypatch.setattr(runtime, "native_bf16", lambda: native)
    if env is None:
        monkeypatch.delenv(runtime.ENV, raising=False)
    else:
        monkeypatch.setenv(runtime.ENV, env)
    assert runtime.resolve(model) == expected


def test_unknown_precision_in_the_environment_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv(runtime.ENV, "fp16")
    with pytest.raises(ConfigError, match=r"TEXTRNN_PRECISION='fp16' is not a precision; choose one of: auto, fp32, bf16"):
        runtime.resolve("fp32")


def test_unknown_precision_in_a_model_config():
    with pytest.raises(ConfigError, match="unknown precision 'int4'; choose one of: bf16, fp32"):
        ClassifierConfig(labels=("a", "b"), vocab_size=5, precision="int4")


def dtypes(model) -> dict[str, torch.dtype]:
    return {name: p.dtype for name, p in model.named_parameters()}


@pytest.mark.parametrize("pooling", ["max", "last"])   # the padded path, and the packed one
def test_the_bfloat16_copy_has_bfloat16_recurrent_layers_and_leaves_the_fp32_model_alone(pooling):
    """Only the recurrent layers go to bfloat16 (the rest sees too many shapes for oneDNN's kernel
    cache: runtime.prediction_model); the encoder casts at its edges, so logits come out in fp32."""
    torch.manual_seed(0)
    model = Classifier(ClassifierConfig(labels=("a", "b"), vocab_size=20, embedding_dim=8, hidden_size=6,
                                        pooling=pooling)).eval()
    assert runtime.prediction_model(model, "fp32") is model
    copy = runtime.prediction_model(model, "bf16")
    assert copy is not model and not copy.training
    assert {n for n, d in dtypes(copy).items() if d == torch.bfloat16} == {n for n in dtypes(copy) if n.startswith("encoder.rnn.")}
    assert set(dtypes(model).values()) == {torch.float32}
    ids, lengths = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0]]), torch.tensor([4, 2])
    with torch.inference_mode():
        logits = copy(ids, lengths)[0]
        assert logits.dtype == torch.float32
        torch.testing.assert_close(logits, model(ids, lengths)[0], atol=0.05, rtol=0.05)


def test_an_encoder_in_bfloat16_takes_and_gives_the_callers_dtype():
    from textrnn.encoder import Encoder, EncoderConfig

    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell="gru", input_size=5, hidden_size=4, num_layers=2)).eval()
    x, lengths = torch.randn(3, 6, 5), torch.tensor([6, 2, 4])
    out, state = enc(x, lengths)
    enc.rnn.to(torch.bfloat16)
    with torch.inference_mode():
        out16, state16 = enc(x, lengths, state=state)                 # an fp32 initial state is cast too
        padded, none = enc(x, lengths, outputs_only=True)
    assert out16.dtype == state16.dtype == padded.dtype == torch.float32 and none is None
    torch.testing.assert_close(padded, out, atol=0.05, rtol=0.05)


def asking_for_bf16(bundle, tmp_path):
    """A copy of `bundle` whose config asks to predict in bfloat16."""
    copy = tmp_path / "bf16"
    shutil.copytree(bundle, copy)
    config = json.loads((copy / "config.json").read_text())
    config["model"]["precision"] = "bf16"   # config.json is not covered by the weights' checksum
    (copy / "config.json").write_text(json.dumps(config))
    return copy


def test_a_bundle_that_asks_for_bf16_predicts_in_it_and_agrees_with_fp32(tiny_model, tmp_path, monkeypatch):
    bundle = asking_for_bf16(tiny_model, tmp_path)
    texts = ["a wonderful , moving film", "a dull , boring mess", "", "an odd one"]
    monkeypatch.setattr(runtime, "native_bf16", lambda: True)
    fast = textrnn.load(bundle)
    assert fast.precision == "bf16" and dtypes(fast.runner)["encoder.rnn.weight_hh_l0"] == torch.bfloat16
    assert set(dtypes(fast.model).values()) == {torch.float32}   # export, inspect and training read this one
    monkeypatch.setenv(runtime.ENV, "fp32")
    exact = textrnn.load(bundle)
    assert exact.precision == "fp32" and exact.runner is exact.model
    for a, b in zip(fast.predict(texts), exact.predict(texts)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a["label"] == b["label"] and a["probability"] == pytest.approx(b["probability"], abs=0.02)


def test_cli_with_a_bad_precision_in_the_environment_exits_1_with_the_valid_names(tiny_model, monkeypatch):
    from typer.testing import CliRunner

    from textrnn.cli import app

    monkeypatch.setenv(runtime.ENV, "half")
    r = CliRunner().invoke(app, ["classify", "--model", str(tiny_model), "-"], input="a dull mess\n")
    assert r.exit_code == 1
    assert "TEXTRNN_PRECISION='half' is not a precision; choose one of: auto, fp32, bf16" in r.output
    assert "Traceback" not in r.output


def test_map_batches_keeps_order_restores_threads_and_runs_without_autograd():
    before = torch.get_num_threads()
    weight = torch.randn(4, 3, requires_grad=True)

    def fn(batch):
        out = torch.tensor(batch, dtype=torch.float32) * weight.sum()
        return out.requires_grad, torch.is_inference_mode_enabled(), torch.get_num_threads(), batch

    results = runtime.map_batches(fn, [[1, 2], [3], [4, 5, 6]], threads=2)
    assert [r[3] for r in results] == [[1, 2], [3], [4, 5, 6]]
    assert all(not r[0] and r[1] and r[2] == 1 for r in results)   # each batch on one intra-op thread, in inference mode
    assert torch.get_num_threads() == before
    assert runtime.map_batches(lambda b: b * 2, [21], threads=2) == [42]   # one batch: in the calling thread


def test_classifier_gives_the_same_probabilities_on_one_thread_and_on_two(tiny_model):
    p = textrnn.load(tiny_model)
    texts = [f"a {'dull ' * (i % 7)}wonderful film number {i}" for i in range(50)]
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = p.probabilities(texts, batch_size=4)
        torch.set_num_threads(2)
        two = p.probabilities(texts, batch_size=4)
    finally:
        torch.set_num_threads(before)
    torch.testing.assert_close(one, two, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("fixture", ["tiny_ner", "tiny_pos", "tiny_segmenter"])
def test_taggers_and_segmenters_that_ask_for_bf16_agree_with_fp32(fixture, request, tmp_path, monkeypatch):
    bundle = asking_for_bf16(request.getfixturevalue(fixture), tmp_path)
    monkeypatch.setattr(runtime, "native_bf16", lambda: True)
    fast = textrnn.load(bundle)
    assert fast.precision == "bf16" and torch.bfloat16 in set(dtypes(fast.runner).values())
    monkeypatch.setenv(runtime.ENV, "fp32")
    exact = textrnn.load(bundle)
    assert exact.runner is exact.model
    if fixture == "tiny_segmenter":
        texts = ["Hello there. I can't go!", "", "a b c"]
        assert fast.segment(texts) == exact.segment(texts)
    else:
        sentences = [["Angela", "Merkel", "visited", "Paris", "."], ["the", "dog", "barks"]]
        assert fast.tag_tokens(sentences) == exact.tag_tokens(sentences)
