"""Export to ONNX: run a trained classifier or tagger in ONNX Runtime instead of torch.

    textrnn export MODEL --onnx FILE.onnx        then    textrnn classify --runtime onnx --model MODEL

Why not export the model as it is: the `Encoder` packs variable-length batches
(pack_padded_sequence), and packing does not survive export — torch's dynamo exporter fails on
it, and the TorchScript exporter records one trace-time branch (packed or not) and the sorting
it did for that example batch, so other batches come out wrong. For export the encoder is
replaced by `MaskedEncoder`, which computes the same numbers on the padded batch with no
data-dependent branch:

- a forward direction reads the padded batch as it is: its outputs at real steps do not depend on
  the padding after them; its final state is read at each sequence's last real step;
- a backward direction reads each sequence reversed *within its own length*
  (`reverse_within`: [a b c _ _] → [c b a _ _]), so it too starts at a real token; its outputs
  are reversed back;
- outputs at padded steps are set to 0, as the Encoder's contract says.

The exported graph takes the model's integer inputs (token ids, lengths; a tagger's character and
casing ids too) and returns what the torch model's forward returns (class logits, or per-token
emissions); tokenizing before and decoding after (softmax, CRF Viterbi) stay in Python.
`check()` compares ONNX Runtime with eager torch on real inputs.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from textrnn.encoder import FUSED, Encoder, reverse_within
from textrnn.errors import InputError

TASKS = ("classify", "tag")


class MaskedEncoder(nn.Module):
    """The same weights as a fused `Encoder`, run one layer and direction at a time on the padded batch."""

    def __init__(self, encoder: Encoder):
        super().__init__()
        c = encoder.config
        self.config = c
        self.layers = nn.ModuleList()
        for layer in range(c.num_layers):
            in_size = c.input_size if layer == 0 else c.output_size
            for s in ([""] if c.directions == 1 else ["", "_reverse"]):
                rnn = FUSED[c.cell](in_size, c.hidden_size, batch_first=True)
                rnn.load_state_dict({f"{n}_l0": getattr(encoder.rnn, f"{n}_l{layer}{s}")
                                     for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
                self.layers.append(rnn)

    def forward(self, x, lengths, state=None):
        """x (B, T, I), lengths (B,) → outputs (B, T, D·K) (zeros at padding), h_n (L·K, B, D)
        (an LSTM's c_n is not needed by any head's inference and is not returned)."""
        K = self.config.directions
        T = x.size(1)
        mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2).to(x.dtype)   # (B, T, 1)
        last = (lengths - 1).view(-1, 1, 1)                                                     # (B, 1, 1)
        finals, inp = [], x
        for layer in range(self.config.num_layers):
            outs = []
            for k in range(K):
                rnn = self.layers[layer * K + k]
                seq = inp if k == 0 else reverse_within(inp, lengths)
                out, _ = rnn(seq)                                                   # (B, T, D)
                finals.append(out.gather(1, last.expand(-1, 1, out.size(2))).squeeze(1))  # (B, D) at the last real step
                outs.append(out if k == 0 else reverse_within(out, lengths))
            inp = torch.cat(outs, 2) * mask                                          # (B, T, D·K)
        h_n = torch.stack(finals)                                                   # (L·K, B, D)
        return inp, (h_n, h_n) if self.config.cell == "lstm" else h_n


class Graph(nn.Module):
    """The network(s) with their encoders swapped for `MaskedEncoder`. One network: its first output
    (class logits, or emissions). A classifier ensemble: the log of its members' mean probabilities,
    which a softmax turns back into exactly the probabilities `textrnn classify` averages."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        import copy

        self.models = nn.ModuleList()
        for m in models:
            m = copy.deepcopy(m).float().eval()
            m.encoder = MaskedEncoder(m.encoder)
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


def export(predictor, model: str, path: Path, force: bool = False) -> float:
    """Write `predictor`'s network(s) as ONNX (opset 17; batch and time axes dynamic), with metadata
    naming the model bundle it came from (tokenizer, labels and decoding come from there), written
    atomically. Returns the largest difference from eager torch on sample inputs (must be < 1e-4)."""
    import json
    import warnings

    import onnx

    from textrnn.bundle import resolve_model, shipped_models

    if path.exists() and not force:
        raise InputError(f"{path} exists", hint="add --force to overwrite it, or choose another --onnx")
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(graph, tuple(inputs), str(tmp), input_names=names, output_names=["output"],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
    graph_proto = onnx.load(str(tmp))
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
    tmp.replace(path)
    return diff


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
            # eager torch as `textrnn classify/tag` runs it (packed sequences), not the masked graph
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
