"""Looking inside a trained recurrent network: gates, hidden states and gradients through time.

`textrnn inspect ...` draws and prints what these functions compute (textrnn/commands/inspect.py);
they return plain data — tensors, lists, dicts — so they can be used from Python as well. A
model's word vectors (nearest neighbours, 2-D maps) are in textrnn/word_vectors.py.

How a text is read for inspection (`read`):

    text → the model's own tokens → the model's own forward pass, on which we capture the
           encoder's input x (1, T, I): word vectors, plus character and casing features for a tagger
    x    → a copy of the encoder that runs the step-by-step cells of cells.py (impl="reference")
           with the model's weights. It computes the same numbers as torch's fused kernels (the
           `max_diff` that `gate_activations` reports checks it) but lets us see every gate at
           every step, and touch every hidden state h_t.

`synthetic_gradients` needs no trained model: it shows on random sequences why gradients vanish
(or explode) in RNN, GRU and LSTM cells.

Axis letters as in encoder.py: B batch, T time steps (tokens), I input size, D hidden size per
direction, K directions, L layers. A model reads one text at a time here, so B = 1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import torch

from textrnn.encoder import Encoder
from textrnn.errors import InputError, TextrnnError

TASKS = ("classify", "lm", "tag", "translate")   # what `read` understands


@dataclass
class Reading:
    """One text as the model's encoder sees it."""
    task: str
    tokens: list[str]              # one per encoder step, as the model split the text
    unknown: list[str]             # tokens the model reads as <unk>
    x: torch.Tensor                # (1, T, I) the encoder's input
    lengths: torch.Tensor          # (1,) = T
    encoder: Encoder               # the model's own encoder (normally fused kernels)
    model: torch.nn.Module         # the whole network (for an ensemble: its first member)
    predict: Callable              # () → (log-probability of the model's top prediction (scalar), what it is)
    prediction: str                # what the model predicts ("positive", "next 'States'", ...)
    probability: float             # and how sure it is
    members: int                   # networks in the model: an ensemble's prediction here is its first member's


def first_member(predictor):
    """An ensemble averages several networks; we look inside the first one."""
    return predictor.members[0] if hasattr(predictor, "members") else predictor


def reference_copy(encoder: Encoder) -> Encoder:
    """The same encoder (same config, same weights) running the step-by-step cells of cells.py.
    A fresh copy each time: `tap_steps` changes the copy it is given."""
    config = dataclasses.replace(encoder.config, impl="reference")
    ref = Encoder(config)
    ref.load_state_dict(encoder.state_dict())   # fused and reference hold the same parameter names
    return ref.eval()


def check_text(text: str) -> None:
    if not text.strip():
        raise InputError("the text is empty", hint='give the text to read, in quotes after the model: e.g. "a fine film"')


def read(predictor, text: str) -> Reading:
    """Tokenize `text` as the model does, run the model once and capture its encoder's input."""
    check_text(text)
    task = getattr(predictor, "task", None)
    if task not in READERS:
        raise TextrnnError(f"inspect cannot look inside a {task!r} model; it reads models of the tasks: "
                           f"{', '.join(TASKS)}", hint="`textrnn models` lists the shipped models with their tasks")
    p = first_member(predictor)
    tokens, unknown, predict = READERS[task](p, text)
    if not tokens:
        raise InputError(f"the model reads no tokens in {text!r}", hint="give a text with words in it")
    captured = {}
    hook = p.model.encoder.register_forward_pre_hook(lambda module, args: captured.setdefault("x", args[0]))
    try:
        with torch.no_grad():
            logp, prediction = predict()
    finally:
        hook.remove()
    x = captured["x"].detach()                                          # (1, T, I)
    return Reading(task, tokens, unknown, x, torch.tensor([x.size(1)]), p.model.encoder, p.model, predict,
                   prediction, float(logp.exp()), len(getattr(predictor, "members", [p])))


# -- each task: its tokens, and a function running the whole model to its top prediction -----
def _top(logp, names, skip=()):
    """The most probable entry of a log-probability vector (V,) → (its log-probability, its name)."""
    masked = logp.detach().clone()
    masked[list(skip)] = float("-inf")
    k = int(masked.argmax())
    return logp[k], names[k]


def _read_classify(p, text):
    seqs, bags = p.read([text])
    ids = seqs[0]                                                       # cut to max_len
    tokens = p.tokenizer.tokenize(text)[: len(ids)]
    unknown = [t for t, i in zip(tokens, ids) if i == p.tokenizer.unk_id]
    ids_t, lengths = torch.tensor([ids]), torch.tensor([len(ids)])     # (1, T), (1,)
    bag = p.bag_rows(bags, [0])                                         # (1, M) n-gram rows, or None

    def predict():
        logits, _ = p.model(ids_t, lengths, None, bag)                  # (1, C)
        return _top(logits[0].log_softmax(-1), p.labels)
    return tokens, unknown, predict


def _read_tag(p, text):
    from textrnn.heads.tag import make_batch
    from textrnn.tokenizer import word_spans

    tokens = [text[s:e] for s, e in word_spans(text, p.config.words)][: p.config.max_len]
    words, chars, casings = p.encode(tokens)
    batch = make_batch([(words, chars, casings)])                      # words, spellings, spelling_ids, casings, lengths
    unknown = [t for t, w in zip(tokens, words) if w == p.tokenizer.unk_id]

    def predict():
        # A tagger's prediction is the best tag sequence for the whole sentence; its probability
        # is the CRF's (transition scores included), or the product of the tokens' softmaxes.
        emissions, _ = p.model(*batch)                                  # (1, T, C)
        best = torch.tensor(p.model.decode(emissions.detach(), batch[-1]))   # (1, T)
        if p.config.decoder == "crf":
            logp = -p.model.crf.nll(emissions, best, torch.ones_like(best, dtype=torch.bool))
        else:
            logp = emissions[0].log_softmax(-1).gather(1, best.T).sum()
        return logp, "tags " + " ".join(p.labels[t] for t in best[0].tolist())
    return tokens, unknown, predict


def _read_lm(p, text):
    tk = p.tokenizer
    ids = p.prompt_ids(text)                                            # the line end it follows, then the text
    tokens = [tk.vocab[ids[0]]] + tk.tokenize(text)
    unknown = [t for t, i in zip(tokens, ids) if i == tk.unk_id]
    skip = {tk.pad_id, tk.unk_id, tk.bos_id} | ({tk.eos_id} if p.config.unit == "char" else set())

    def predict():
        feats, _ = p.model.hidden(torch.tensor([ids]))                  # (1, T, ·)
        logp, token = _top(p.model.log_probs(feats[:, -1])[0], tk.vocab, skip)
        return logp, f"next {token!r}"
    return tokens, unknown, predict


def _read_translate(p, text):
    tk = p.tokenizer
    ids = p.encode_source([text])[0]                                    # pieces, then </s>
    tokens = [tk.sp.id_to_piece(i) for i in ids[:-1]] + ["</s>"]
    unknown = [t for t, i in zip(tokens, ids) if i == tk.unk_id]
    src, lengths = torch.tensor([ids]), torch.tensor([len(ids)])

    def predict():
        # The first piece of the translation: the decoder's first step, which attends over every
        # encoder state.
        memory = p.model.encode(src, lengths)
        logp, _, _ = p.model.step(torch.tensor([tk.bos_id]), p.model.start(memory), memory)   # (1, V)
        names = [tk.sp.id_to_piece(i) for i in range(logp.size(1))]
        lp, piece = _top(logp[0], names, {tk.pad_id, tk.unk_id, tk.bos_id})
        return lp, f"first piece {piece!r}"
    return tokens, unknown, predict


READERS = {"classify": _read_classify, "tag": _read_tag, "lm": _read_lm, "translate": _read_translate}


# -- touching every hidden state --------------------------------------------------------------
@dataclass
class Taps:
    """What `tap_steps` records, one entry per step run, in the order the steps run: layer by
    layer, direction by direction, step by step (a backward direction runs from the last token)."""
    states: list[torch.Tensor]     # h_t (B, D), detached
    probes: list[torch.Tensor]     # p_t (B, D): zeros added to h_t; after backward, p_t.grad = ∂loss/∂h_t

    def in_text_order(self, tensors: list[torch.Tensor], config, T: int) -> torch.Tensor:
        """Per-step tensors (B, D) → (L·K, T, B, D), every direction in text order (for sequences
        that all fill the T steps). A probe whose state never reached the loss has no gradient:
        it counts as zeros."""
        tensors = [t if t is not None else torch.zeros_like(self.probes[0]) for t in tensors]
        out = torch.stack(tensors).view(config.num_layers * config.directions, T, *tensors[0].shape)
        backward = torch.arange(out.size(0)) % config.directions == 1
        out[backward] = out[backward].flip(1)
        return out


def tap_steps(encoder: Encoder) -> Taps:
    """Record every hidden state h_t of a reference encoder, and make ∂loss/∂h_t readable.

    h_t feeds both the output at step t and the next step, so ∂loss/∂h_t sums every path from
    h_t to the loss; autograd keeps it only in passing. To read it, each step adds a zero
    "probe" p_t to its new state: h_t + p_t = h_t changes nothing, and ∂loss/∂p_t = ∂loss/∂h_t.
    """
    rnn = encoder.rnn
    step = rnn.step
    taps = Taps([], [])

    def tapped(x, state, *params):
        new, gates = step(x, state, *params)
        h = new[0] if rnn.has_cell else new                             # (B, D)
        probe = torch.zeros_like(h, requires_grad=True)
        taps.states.append(h.detach())
        taps.probes.append(probe)
        h = h + probe
        return ((h, new[1]) if rnn.has_cell else h), gates

    rnn.step = tapped   # an attribute of this copy only: the model's own encoder is untouched
    return taps


def directions(config) -> list[dict]:
    """The encoder's layers and directions in torch's order: layer 0 forward, layer 0 backward, ..."""
    return [{"layer": layer, "direction": "backward" if k else "forward"}
            for layer in range(config.num_layers) for k in range(config.directions)]


def gradient_norm(params, clip: float | None = None) -> tuple[float, float | None]:
    """The total gradient norm over `params` (all gradients as one vector), and with `clip` the
    norm after clipping: torch.nn.utils.clip_grad_norm_ rescales every gradient by
    clip / total when total > clip, so the direction stays and only the step shrinks."""
    params = [p for p in params if p.grad is not None]
    total = float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))
    if clip is None:
        return total, None
    torch.nn.utils.clip_grad_norm_(params, clip)
    return total, float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))


# -- gates ------------------------------------------------------------------------------------
def gate_activations(reading: Reading) -> dict:
    """Every gate of every unit at every token, from the reference cells on the model's weights.

    Returns {"cell", "gates": names, "hidden_size", "max_diff", "directions": [{"layer",
    "direction", "gates": {name: (T, D)}, "candidate": (T, D), "hidden_norm": (T,), and for an
    LSTM "cell" (T, D) and "cell_norm" (T,)}]}. The candidate is the LSTM's g_t (the values
    offered to the cell) or the GRU's n_t (the state offered to replace h_{t-1}), in (−1, 1).

    - LSTM: input gate i_t (how much new content is written into the cell), forget gate f_t (how
      much of the cell state is kept), output gate o_t (how much of the cell is shown as h_t);
      and ‖c_t‖, the size of the cell state, the LSTM's memory.
    - GRU: reset gate r_t (how much of the past feeds the candidate state), update gate z_t (how
      much of the past state is kept as it was: in torch's convention, z_t = 1 keeps the past;
      see gru_step in cells.py for the textbooks that read it the other way).
    A gate's value lies in (0, 1): near 0 it closes, near 1 it opens. A backward direction reads
    the text right to left; its values are given in text order like the forward one's.

    `max_diff` is the largest difference between the reference cells' outputs and the model's own
    (fused) encoder's: the gates shown are those of the network that made the predictions.
    """
    config = reading.encoder.config
    if config.cell == "rnn":
        raise InputError("this model's cells are plain RNNs, which have no gates",
                         hint="`textrnn inspect hidden` shows its hidden states")
    from functools import partial

    from textrnn.cells import NOT_GATES

    ref = reference_copy(reading.encoder)
    ref.rnn.step = partial(ref.rnn.step, candidate=True)                 # this copy only: also keep g_t / n_t
    taps = tap_steps(ref)
    gates: list[dict] = []
    with torch.no_grad():
        ref_out, _ = ref.rnn(reading.x, reading.lengths, gates=gates)   # (1, T, D·K)
        fused_out, _ = reading.encoder(reading.x, reading.lengths)      # (1, T, D·K)
    states = taps.in_text_order(taps.states, config, reading.x.size(1))  # (L·K, T, 1, D)
    out = []
    for k, (where, g) in enumerate(zip(directions(config), gates)):
        row = {**where, "gates": {name: v[0] for name, v in g.items() if name not in NOT_GATES},  # (T, D) each
               "candidate": g["candidate"][0],                                                # (T, D)
               "hidden_norm": states[k, :, 0].norm(dim=1)}                                    # (T,)
        if "cell" in g:
            row["cell"] = g["cell"][0]                                                    # (T, D) c_t
            row["cell_norm"] = row["cell"].norm(dim=1)                                    # (T,)
        out.append(row)
    return {"cell": config.cell, "gates": [n for n in gates[0] if n not in NOT_GATES], "hidden_size": config.hidden_size,
            "max_diff": float((ref_out - fused_out).abs().max()), "directions": out}


def select_units(values: torch.Tensor, n: int, by: str = "variance") -> torch.Tensor:
    """Which units to show of a gate's values (T, D) over a text, and in what order → indices (≤ n,).

    "variance": the n units whose value changes most over the text, most changing first — a unit
    that sits at 0.98 on every word says nothing about this text, one that drops at a word does.
    "index": units 0 … n − 1, as stored.
    """
    n = min(n, values.size(1))
    if by == "index":
        return torch.arange(n)
    if by != "variance":
        raise ValueError(f"unknown unit order {by!r}")
    spread = values.var(dim=0, unbiased=False) if values.size(0) > 1 else torch.zeros(values.size(1))   # (D,)
    return spread.argsort(descending=True, stable=True)[:n]


# -- hidden states ----------------------------------------------------------------------------
def pca_2d(X: torch.Tensor):
    """Project the rows of X (N, F) onto their two main directions of variation.

    Centre the rows, take the singular value decomposition X = U S Vᵀ: the first two columns of
    U·S are the coordinates along the two directions in which the rows differ most. Returns
    (coordinates (N, 2), the fraction of the variance each direction explains (2,)).
    """
    X = X.double() - X.double().mean(0, keepdim=True)                   # (N, F)
    U, S, _ = torch.linalg.svd(X, full_matrices=False)                  # U (N, r), S (r,)
    r = min(2, S.numel())
    coords = torch.zeros(X.size(0), 2, dtype=torch.float64)
    coords[:, :r] = U[:, :r] * S[:r]
    explained = torch.zeros(2, dtype=torch.float64)
    total = float((S ** 2).sum())
    if total > 0:
        explained[:r] = S[:r] ** 2 / total
    return coords.float(), explained.float()


HIDDEN_DIRECTIONS = ("both", "forward", "backward")   # which half of a bidirectional encoder's output


def hidden_states(reading: Reading, direction: str = "both") -> dict:
    """The encoder's output at each token and its path through state space.

    Returns {"states": (T, D·K) or (T, D), "norms": (T,), "pca": (T, 2), "explained": (2,),
    "direction"}. The output at token t is the top layer's state; a bidirectional encoder's
    joins the forward state (it has read the text up to t) and the backward state (it has read
    the text from the end back to t, so the whole rest of the sentence). `direction` keeps one
    half: "forward" is the state of a reader that has seen only tokens 1 … t. The norm shows how
    strongly each token drives the state; the 2-D projection (a PCA of this text's own states)
    shows where it moves.
    """
    config = reading.encoder.config
    if direction not in HIDDEN_DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}; choose one of: {', '.join(HIDDEN_DIRECTIONS)}",
                         hint="--direction forward shows the states of the left-to-right reader alone")
    if direction == "backward" and config.directions == 1:
        raise InputError("this encoder reads in one direction only (left to right): it has no backward states",
                         hint="--direction forward, or leave --direction out")
    with torch.no_grad():
        out, _ = reading.encoder(reading.x, reading.lengths)            # (1, T, D·K)
    states = out[0]                                                     # (T, D·K)
    D = config.hidden_size
    if direction == "forward":
        states = states[:, :D]                                          # (T, D) →: tokens 1 … t
    elif direction == "backward":
        states = states[:, D:]                                          # (T, D) ←: tokens t … T
    coords, explained = pca_2d(states)
    return {"states": states, "norms": states.norm(dim=1), "pca": coords, "explained": explained,
            "direction": direction}


# -- gradients through time -------------------------------------------------------------------
def model_gradients(reading: Reading, clip: float | None = None) -> dict:
    """‖∂ log p(top prediction) / ∂h_t‖ for every token t, layer and direction of the encoder.

    The top prediction is the model's most probable class (classify), next token (lm), tag
    sequence (tag) or first piece of the translation (translate). A large norm means that a
    small change of the state at token t changes that prediction a lot; a norm that fades towards
    the start of the text is the vanishing gradient, in a trained model.

    With `clip`: the total gradient norm over the model's parameters before and after clipping
    to `clip`, as training does. Returns {"target", "logp", "directions": [{"layer",
    "direction", "norms": (T,)}], "total_norm", "clipped_norm"}.
    """
    model, ref = reading.model, reference_copy(reading.encoder)
    taps = tap_steps(ref)
    own = model.encoder
    model.zero_grad(set_to_none=True)
    model.encoder = ref                        # the whole model runs on the reference cells, once
    try:
        with torch.enable_grad():
            logp, target = reading.predict()
            logp.backward()
        total, clipped = gradient_norm(model.parameters(), clip)
    finally:
        model.encoder = own
        model.zero_grad(set_to_none=True)
    grads = taps.in_text_order([p.grad for p in taps.probes], ref.config, reading.x.size(1))  # (L·K, T, 1, D)
    norms = grads[:, :, 0].norm(dim=2)                                  # (L·K, T)
    return {"target": target, "logp": float(logp.detach()), "total_norm": total, "clipped_norm": clipped,
            "directions": [{**where, "norms": n} for where, n in zip(directions(ref.config), norms)]}


def synthetic_gradients(cell: str, length: int = 100, hidden_size: int = 64, input_size: int = 32,
                        batch: int = 16, seed: int = 0, recurrent_scale: float = 1.0, forget_bias: float = 0.0,
                        clip: float | None = None) -> dict:
    """The vanishing-gradient picture: ‖∂loss/∂h_t‖ for every step t of an untrained encoder.

    One layer of `cell` at torch's default initialisation (uniform in ±1/√D) reads `batch`
    random sequences of `length` steps; the loss reads only the last step's state, through a
    random unit vector w: loss = Σ_b w·h_T. So ‖∂loss/∂h_T‖ = 1, and ‖∂loss/∂h_t‖ (averaged over
    the batch) says how much of the gradient reaches step t, T − t steps back.

    Backpropagation multiplies by the step's Jacobian ∂h_t/∂h_{t−1} once per step. For a plain
    RNN that is diag(1 − h_t²)·W_hh: with W_hh's largest singular values below 1 the product
    shrinks geometrically (vanishing gradients; Bengio et al. 1994, Pascanu et al. 2013); scaled
    up (`recurrent_scale`) it can grow instead (exploding gradients, which clipping tames). The
    LSTM's cell state is a sum, c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t, so the gradient along it is
    multiplied by the forget gate alone: at initialisation f_t ≈ σ(0) = 0.5 and it fades too,
    but a forget gate near 1 carries it far (`forget_bias` adds to the forget gate's bias, as in
    Jozefowicz et al. 2015; training learns to open it where the task needs memory).

    Same seed, same inputs, same w for every cell. Returns {"cell", "norms": (T,), "total_norm",
    "clipped_norm"}: the norms of the gradient of all the encoder's parameters, before and after
    clipping to `clip`.
    """
    from textrnn.encoder import EncoderConfig

    with torch.random.fork_rng():              # the seed stays local: the caller's random state is untouched
        torch.manual_seed(seed)
        x = torch.randn(batch, length, input_size).double()             # (B, T, I)
        w = torch.randn(hidden_size).double()
        w = w / w.norm()                                                # (D,) a unit readout
        # float64: a gradient that fades to 1e-30 stays measurable instead of rounding to 0
        enc = Encoder(EncoderConfig(cell, input_size, hidden_size, impl="reference")).double()
    with torch.no_grad():
        enc.rnn.weight_hh_l0.mul_(recurrent_scale)
        if cell == "lstm":
            enc.rnn.bias_hh_l0[hidden_size: 2 * hidden_size] += forget_bias   # gate order i, f, g, o
    taps = tap_steps(enc)
    out, _ = enc(x)                                                     # (B, T, D)
    loss = (out[:, -1] @ w).sum()
    loss.backward()
    grads = taps.in_text_order([p.grad for p in taps.probes], enc.config, length)[0]   # (T, B, D)
    total, clipped = gradient_norm(enc.parameters(), clip)
    return {"cell": cell, "norms": grads.norm(dim=2).mean(1), "total_norm": total, "clipped_norm": clipped}
