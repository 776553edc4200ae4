"""Export to ONNX: run a trained classifier or tagger in ONNX Runtime instead of torch.

    textrnn export MODEL --onnx FILE.onnx        then    textrnn classify --model FILE.onnx

Why not export the model as it is: the `Encoder` packs variable-length batches
(pack_padded_sequence), and packing does not survive export — torch's dynamo exporter fails on
it, and the TorchScript exporter records one trace-time branch (packed or not) and the sorting
it did for that example batch, so other batches come out wrong.

ONNX's own recurrent operators (LSTM, GRU, RNN) do what packing does, natively: given each
sequence's length in their `sequence_lens` input, a forward direction stops at the last real
step, a backward direction starts there, outputs at padded steps are 0, and the final state is
taken at the real end. So for export the encoder runs its fused torch module on the padded batch
(`PaddedEncoder`: a trace with no data-dependent branch), and `add_sequence_lens` then wires the
lengths into every recurrent node of the graph. The result equals eager torch to ~1e-6.

The exported graph takes the model's integer inputs (token ids, lengths; a tagger's character and
casing ids too) and returns what the torch model's forward returns (class logits, or per-token
emissions); tokenizing before and decoding after (softmax, CRF Viterbi) stay in Python.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from textrnn.errors import InputError

TASKS = ("classify", "tag")
RNN_OPS = ("LSTM", "GRU", "RNN")


class PaddedEncoder(nn.Module):
    """The Encoder's fused module on the padded batch, for tracing only: in torch its backward
    direction would read the padding first; in the exported graph `sequence_lens` fixes that."""

    def __init__(self, encoder):
        super().__init__()
        self.rnn = encoder.rnn
        self.config = encoder.config

    def forward(self, x, lengths, state=None, outputs_only: bool = False):
        """x (B, T, I), lengths (B,) → outputs (B, T, D·K) with zeros at padded steps, final state
        (`outputs_only` is the Encoder's: the exported graph is traced in fp32, where it changes nothing)."""
        out, state = self.rnn(x)
        mask = torch.arange(x.size(1)).unsqueeze(0) < lengths.unsqueeze(1)          # (B, T)
        return out * mask.unsqueeze(2).to(out.dtype), state  # the Encoder's contract; keeps `lengths` in the graph

    def last_hidden(self, state):
        from textrnn.encoder import Encoder

        return Encoder.last_hidden(self, state)


def add_sequence_lens(proto) -> int:
    """Give every LSTM/GRU/RNN node of the encoder the graph input `lengths` (as int32) as its
    sequence_lens; returns how many nodes were changed."""
    from onnx import TensorProto, helper

    # not a tagger's frozen language models: they read `<eos>` + the words, padding after, one way
    nodes = [n for n in proto.graph.node if n.op_type in RNN_OPS and "/lm/" not in n.name]
    for node in nodes:
        inputs = list(node.input) + [""] * (5 - len(node.input))
        inputs[4] = "lengths_int32"                        # X, W, R, B, sequence_lens, ...
        del node.input[:]
        node.input.extend(inputs)
    proto.graph.node.insert(0, helper.make_node("Cast", ["lengths"], ["lengths_int32"], to=TensorProto.INT32))
    return len(nodes)


def trace(module: nn.Module, inputs: tuple, names: list[str], dynamic: dict, path: Path):
    """TorchScript-export `module` (opset 17), then wire the lengths into its recurrent nodes."""
    import warnings

    import onnx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(module, inputs, str(path), input_names=names, output_names=["output"],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
    proto = onnx.load(str(path))
    if not add_sequence_lens(proto):
        raise InputError("the exported graph has no recurrent node", hint="please report this model's config")
    return proto


class Graph(nn.Module):
    """The network(s) with their encoders swapped for `PaddedEncoder`. One network: its first output
    (class logits, or emissions). A classifier ensemble: the log of its members' mean probabilities,
    which a softmax turns back into exactly the probabilities `textrnn classify` averages."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        import copy

        self.models = nn.ModuleList()
        for m in models:
            m = copy.deepcopy(m).float().eval()
            m.encoder = PaddedEncoder(m.encoder)
            self.models.append(m)

    def forward(self, *inputs):
        outs = [m(*inputs)[0] for m in self.models]
        if len(outs) == 1:
            return outs[0]
        return torch.stack([o.log_softmax(-1) for o in outs]).exp().mean(0).log()   # (B, C)


def single(predictor):
    """The predictor that tokenizes: an ensemble's first member (members share the tokenizer)."""
    return predictor.members[0] if hasattr(predictor, "members") else predictor


def networks(predictor) -> list[nn.Module]:
    """The torch networks to put in one graph."""
    if predictor.task not in TASKS:
        raise InputError(f"ONNX export supports {', '.join(TASKS)} models; this is a {predictor.task!r} model",
                         hint="run it with torch (the default runtime)")
    if getattr(single(predictor).config, "reading", "head") == "chunks":
        # the graph is traced on short samples: the chunking branch (a Python `if` on the length)
        # would not be in it, and long texts would be read as one sequence
        raise InputError("ONNX export does not support classifiers that read long texts in chunks (model.reading = \"chunks\")",
                         hint="run it with torch (the default runtime)")
    if any(getattr(m.config, "bag_ngrams", 0) for m in getattr(predictor, "members", [predictor])):
        # the n-gram rows are hashed in Python (numpy) before the network; the graph would need them as an input
        raise InputError("ONNX export does not support classifiers with an n-gram bag (model.bag_ngrams)",
                         hint="run it with torch (the default runtime)")
    if getattr(single(predictor).config, "char_encoder", "cnn") == "bilstm":
        # packed sequences (one per distinct word, each its own length) do not trace into a graph
        raise InputError("ONNX export does not support taggers with a character BiLSTM (model.char_encoder = \"bilstm\")",
                         hint="run it with torch (the default runtime)")
    if hasattr(predictor, "members"):
        if predictor.task != "classify":
            raise InputError(f"this tagger is an ensemble of {len(predictor.members)} networks; ONNX export takes one",
                             hint="export one member directory (e.g. MODEL/member0)")
        return [m.model for m in predictor.members]
    return [predictor.model]


def example_inputs(predictor, texts: list[str]):
    """The model's forward inputs for `texts` (what the exported graph takes), and their names."""
    from textrnn.data import pad_batch

    p = single(predictor)
    if p.task == "classify":
        ids, lengths = pad_batch(p.encode(texts), p.tokenizer.pad_id)
        return (ids, lengths), ["ids", "lengths"]
    from textrnn.heads.tag import make_batch

    batch = make_batch([p.encode(t.split()) for t in texts])
    return batch, ["words", "spellings", "spelling_ids", "casings", "lengths"]


SAMPLE = ["a", "two words", "A sentence of middling length, with punctuation .",
          "Angela Merkel met Emmanuel Macron in Paris on Tuesday to talk about trade , energy and the war .",
          " ".join(["a much longer line that repeats itself"] * 12)]
FORMAT = "1"   # of the metadata below; a reader that finds another refuses the file


def export(predictor, model: str, path: Path, force: bool = False, int8: bool = False) -> float:
    """Write `predictor`'s network(s) as ONNX (opset 17; batch and time axes dynamic), with metadata
    naming the model bundle it came from (tokenizer, labels and decoding come from there), written
    atomically. Returns the largest difference from eager torch on sample inputs (must be < 1e-4).

    `int8=True` then stores the weight matrices as int8 (ONNX Runtime's dynamic quantization:
    activations are quantized per call). Measured on the shipped classifiers (docs/BENCHMARKS.md,
    ONNX export): 2.7× eager torch at batch 32 against 2.0× for float ONNX, with accuracy within
    0.11 point; on the POS tagger it is slower than float ONNX. The returned difference is then the
    int8 graph's, and is not held to 1e-4."""
    import json

    import onnx

    from textrnn.bundle import resolve_model, shipped_models

    from textrnn.commands.output import check_new_file

    check_new_file(path, "--onnx", force)
    graph = Graph(networks(predictor))
    inputs, names = example_inputs(predictor, SAMPLE[1:4])
    dynamic = {n: {0: "batch"} for n in names}
    for n in ("ids", "words", "spelling_ids", "casings"):
        if n in names:
            dynamic[n][1] = "time"
    if "spellings" in names:
        dynamic["spellings"] = {0: "spellings", 1: "chars"}
    dynamic["output"] = {0: "batch"} if predictor.task == "classify" else {0: "batch", 1: "time"}
    tmp = path.with_name(path.name + ".tmp")
    graph_proto = trace(graph, tuple(inputs), names, dynamic, tmp)
    source = model if model in shipped_models() else str(resolve_model(model).resolve())
    for k, v in {"textrnn_format": FORMAT, "textrnn_task": predictor.task, "textrnn_model": source,
                 "textrnn_inputs": json.dumps(names)}.items():
        graph_proto.metadata_props.add(key=k, value=v)
    onnx.save(graph_proto, str(tmp))
    diff = check(predictor, tmp, SAMPLE)
    if diff > 1e-4:
        tmp.unlink()
        raise InputError(f"the exported graph differs from torch by {diff:.2g} on sample inputs (limit 1e-4)",
                         hint="please report this model's config; run it with torch meanwhile")
    if int8:
        quantize(tmp, graph_proto.metadata_props)
        diff = check(predictor, tmp, SAMPLE)
    tmp.replace(path)
    return diff


def quantize(path: Path, metadata) -> None:
    """Rewrite the ONNX file at `path` with int8 weights (dynamic quantization), keeping `metadata`."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_name(path.name + ".int8")
    logging.getLogger().setLevel(logging.ERROR)   # its advice to pre-process the graph is for CNNs
    quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8)
    q = onnx.load(str(out))
    for prop in metadata:
        q.metadata_props.add(key=prop.key, value=prop.value)
    q.metadata_props.add(key="textrnn_int8", value="1")
    onnx.save(q, str(path))
    out.unlink()


class OnnxModel:
    """Stands in for the torch network inside a predictor: `model(*inputs)` → (outputs, None) from
    ONNX Runtime; `config` and a tagger's `decode` (CRF Viterbi) come from the torch network."""

    def __init__(self, path: Path, names: list[str], torch_model=None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.names = names
        self.torch_model = torch_model
        self.config = getattr(torch_model, "config", None)

    def __call__(self, *inputs):
        feed = {n: t.numpy() for n, t in zip(self.names, inputs)}
        return torch.from_numpy(self.session.run(None, feed)[0]), None

    def decode(self, emissions, lengths):
        return self.torch_model.decode(emissions, lengths)

    def eval(self):
        return self


def check(predictor, path: Path, texts: list[str], batch_size: int = 32) -> float:
    """Largest absolute difference between ONNX Runtime's and eager torch's outputs on `texts`."""
    _, names = example_inputs(predictor, texts[:1])
    onnx_model = OnnxModel(path, names)
    graph = Graph(networks(predictor)) if hasattr(predictor, "members") else None
    worst = 0.0
    with torch.inference_mode():
        for b in range(0, len(texts), batch_size):
            inputs, _ = example_inputs(predictor, texts[b: b + batch_size])
            # eager torch as `textrnn classify/tag` runs an fp32 model (packed sequences), not the masked graph
            ref = single(predictor).model.float()(*inputs)[0] if graph is None else _eager_ensemble(predictor, inputs)
            out, _ = onnx_model(*inputs)
            worst = max(worst, float((ref - out).abs().max()))
    return worst


def _eager_ensemble(predictor, inputs):
    probs = torch.stack([m.model.float()(*inputs)[0].softmax(-1) for m in predictor.members]).mean(0)
    return probs.log()


def load_onnx(path: Path):
    """A predictor whose network runs in ONNX Runtime: the exported file + the bundle named in it."""
    import json

    import textrnn
    from textrnn.errors import BundleError

    try:
        import onnxruntime as ort
    except ImportError:
        raise InputError("running an .onnx model needs onnxruntime", hint="pip install onnxruntime") from None
    try:
        meta = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
    except Exception as e:  # onnxruntime raises its own exception types for unreadable files
        raise BundleError(f"{path}: not a readable ONNX file ({str(e).splitlines()[0][:200]})",
                          hint="export it again: textrnn export MODEL --onnx FILE") from None
    if meta.get("textrnn_format") != FORMAT:
        raise BundleError(f"{path}: not exported by this textrnn (format {meta.get('textrnn_format')!r}, expected {FORMAT!r})",
                          hint="export it again: textrnn export MODEL --onnx FILE")
    predictor = textrnn.load(meta["textrnn_model"])
    base = single(predictor)
    model = OnnxModel(path, json.loads(meta["textrnn_inputs"]), base.model)
    return type(base)(model, base.tokenizer, predictor.metrics)
