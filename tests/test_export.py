"""ONNX export: the masked encoder equals the packed one, the graph equals eager torch within
1e-4 on variable lengths, and an .onnx file runs through the same commands."""

import pytest
import torch

pytest.importorskip("onnxruntime")

import textrnn  # noqa: E402
from textrnn.encoder import Encoder, EncoderConfig  # noqa: E402
from textrnn.errors import BundleError  # noqa: E402
from textrnn.export import check, export  # noqa: E402

TEXTS = ["a great film", "", "dull", "the acting is superb but the plot is a long and winding road to nowhere at all",
         "good good good", "x " * 60]


@pytest.mark.parametrize("cell,layers,bidirectional", [("lstm", 2, True), ("gru", 1, True), ("rnn", 2, False)])
def test_padded_encoder_with_sequence_lens_equals_the_packed_one(cell, layers, bidirectional, tmp_path):
    """Outputs and the final state at each sequence's real end, variable lengths, after export."""
    from textrnn.export import OnnxModel, PaddedEncoder, trace

    torch.manual_seed(0)
    enc = Encoder(EncoderConfig(cell=cell, input_size=5, hidden_size=4, num_layers=layers, bidirectional=bidirectional)).eval()

    class Both(torch.nn.Module):   # outputs and last hidden state in one tensor: (B, T, D·K + D·K)
        def __init__(self, e):
            super().__init__()
            self.e = e

        def forward(self, x, lengths):
            out, state = self.e(x, lengths)
            last = self.e.last_hidden(state)
            return torch.cat([out, last.unsqueeze(1).expand(-1, out.size(1), -1)], 2)

    path = tmp_path / "e.onnx"
    x, lengths = torch.randn(3, 7, 5), torch.tensor([7, 2, 5])
    proto = trace(Both(PaddedEncoder(enc)), (x, lengths), ["x", "lengths"],
                  {"x": {0: "b", 1: "t"}, "lengths": {0: "b"}, "output": {0: "b", 1: "t"}}, path)
    import onnx

    onnx.save(proto, str(path))
    run = OnnxModel(path, ["x", "lengths"])
    for x, lengths in ((x, lengths), (torch.randn(4, 3, 5), torch.tensor([1, 3, 2, 3]))):
        with torch.inference_mode():
            ref = Both(enc)(x, lengths)
        assert torch.allclose(run(x, lengths)[0], ref, atol=1e-5)


def test_classifier_round_trip(tiny_model, tmp_path):
    path = tmp_path / "m.onnx"
    p = textrnn.load(tiny_model)
    assert export(p, str(tiny_model), path) < 1e-4
    assert check(p, path, [t for t in TEXTS if t.strip()]) < 1e-4
    onnx = textrnn.load(path, task="classify")
    a, b = p.predict(TEXTS), onnx.predict(TEXTS)
    assert b[1] is None and [r["label"] for r in a if r] == [r["label"] for r in b if r]
    for x, y in zip(a, b):
        assert x is None or abs(x["probability"] - y["probability"]) < 1e-4


def test_ensemble_of_classifiers_is_one_graph(tiny_model, tmp_path):
    from textrnn.heads.classify import Ensemble

    p = textrnn.load(tiny_model)
    Ensemble([p, textrnn.load(tiny_model)]).save(tmp_path / "ens")
    ens = textrnn.load(tmp_path / "ens")
    export(ens, str(tmp_path / "ens"), tmp_path / "ens.onnx")
    probs = textrnn.load(tmp_path / "ens.onnx").probabilities(["a great film", "dull"])
    assert torch.allclose(probs, ens.probabilities(["a great film", "dull"]), atol=1e-4)


def test_tagger_round_trip(tiny_ner, tmp_path):
    path = tmp_path / "t.onnx"
    p = textrnn.load(tiny_ner)
    export(p, str(tiny_ner), path)
    texts = ["John lives in London .", "Mary met the Acme Corp board in Paris on Monday .", "x"]
    assert [r["tags"] for r in textrnn.load(path).predict(texts)] == [r["tags"] for r in p.predict(texts)]


def test_int8_export_keeps_the_labels(tiny_model, tmp_path):
    import onnx

    p = textrnn.load(tiny_model)
    diff = export(p, str(tiny_model), tmp_path / "q.onnx", int8=True)
    meta = {m.key: m.value for m in onnx.load(str(tmp_path / "q.onnx")).metadata_props}
    assert meta["textrnn_int8"] == "1" and meta["textrnn_task"] == "classify"
    assert 0 < diff < 0.5
    q = textrnn.load(tmp_path / "q.onnx")
    assert [r and r["label"] for r in q.predict(TEXTS)] == [r and r["label"] for r in p.predict(TEXTS)]


def test_tagger_with_language_model_features_round_trip(tmp_path):
    """The frozen language models' LSTMs read `<eos>` + the words one way: they keep their own
    lengths (no sequence_lens), and the graph still equals torch."""
    from textrnn.train import train
    from tests.conftest import tiny_tag_config

    config = tiny_tag_config(epochs=1)
    config["model"] |= {"lm_hidden_size": 8, "lm_embedding_dim": 6, "lm_cutoffs": []}
    train(config, tmp_path / "run", quiet=True)
    p = textrnn.load(tmp_path / "run" / "model")
    assert export(p, str(tmp_path / "run" / "model"), tmp_path / "t.onnx") < 1e-4
    texts = ["John lives in London .", "Mary met the Acme Corp board in Paris on Monday .", "x", ""]
    assert [r["tags"] for r in textrnn.load(tmp_path / "t.onnx").predict(texts)] == [r["tags"] for r in p.predict(texts)]


def test_cli_export_and_run(tiny_model, tiny_lm, tmp_path):
    from typer.testing import CliRunner

    from textrnn.cli import app

    runner = CliRunner()
    out = tmp_path / "m.onnx"
    r = runner.invoke(app, ["export", str(tiny_model), "--onnx", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == str(out)
    r = runner.invoke(app, ["classify", "--model", str(out), "--runtime", "onnx"], input="a great film\n\ndull\n")
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 3
    # bad input
    r = runner.invoke(app, ["export", str(tiny_model), "--onnx", str(out)])
    assert r.exit_code == 1 and "--force" in r.output
    r = runner.invoke(app, ["export", str(tiny_lm), "--onnx", str(tmp_path / "lm.onnx")])
    assert r.exit_code == 1 and "supports classify, tag" in r.output
    r = runner.invoke(app, ["export", str(tiny_model), "--onnx", str(tmp_path / "m.bin")])
    assert r.exit_code == 1 and "must end in .onnx" in r.output
    r = runner.invoke(app, ["classify", "--model", str(tiny_model), "--runtime", "onnx"], input="x\n")
    assert r.exit_code == 1 and "textrnn export" in r.output
    r = runner.invoke(app, ["tag", "--model", str(out)], input="x\n")
    assert r.exit_code == 1 and "'classify' model, not a 'tag' model" in r.output
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00garbage")
    r = runner.invoke(app, ["classify", "--model", str(bad)], input="x\n")
    assert r.exit_code == 1 and "not a readable ONNX file" in r.output


def test_a_foreign_onnx_file_is_refused(tiny_model, tmp_path):
    import onnx

    path = tmp_path / "m.onnx"
    export(textrnn.load(tiny_model), str(tiny_model), path)
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    onnx.save(proto, str(path))
    with pytest.raises(BundleError, match="not exported by this textrnn"):
        textrnn.load(path)


def test_a_classifier_reading_in_chunks_is_refused(tmp_path):
    """Its graph would be traced on short samples, without the chunking: refuse rather than export it wrong."""
    from textrnn.errors import InputError
    from textrnn.heads.classify import Classifier, ClassifierConfig, Predictor
    from textrnn.tokenizer import train_tokenizer

    tok = train_tokenizer("char", ["abc"])
    cfg = ClassifierConfig(labels=("a", "b"), vocab_size=tok.vocab_size, reading="chunks", chunk_len=4)
    with pytest.raises(InputError, match="does not support classifiers that read long texts in chunks"):
        export(Predictor(Classifier(cfg), tok), "x", tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_a_classifier_with_an_ngram_bag_is_refused(tmp_path):
    """Its n-gram rows are hashed before the network: the graph alone would score without them."""
    from textrnn.errors import InputError
    from textrnn.heads.classify import Classifier, ClassifierConfig, Predictor
    from textrnn.tokenizer import train_tokenizer

    tok = train_tokenizer("char", ["abc"])
    cfg = ClassifierConfig(labels=("a", "b"), vocab_size=tok.vocab_size, bag_ngrams=2, bag_buckets=64)
    with pytest.raises(InputError, match="does not support classifiers with an n-gram bag"):
        export(Predictor(Classifier(cfg), tok), "x", tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()
