"""Translation: sequence to sequence. An encoder reads the source, a decoder with attention writes the target.

    source pieces (B, S) → embedding (B, S, E) → Encoder, bidirectional (B, S, 2D) = values v_s
    bridge:   decoder's first state s_0 = tanh(W_b [→h_S ; ←h_1])        (both directions' ends)
    each target step t (teacher forcing in training: y_{t-1} is the reference's previous piece):
        s_t  = RNN(s_{t-1}, [emb(y_{t-1}) ; h̃_{t-1}])          input feeding: the last attentional vector
        c_t, α_t = attention(s_t, v)                            textrnn/attention.py
        h̃_t  = tanh(W_c [s_t ; c_t])                            attentional vector (E)
        p(y_t | y_<t, x) = softmax(W_o h̃_t + b)                 W_o = the target embedding when tied

This is Luong et al. (2015)'s "global attention with input feeding"; `attention = "additive"` scores
with Bahdanau et al. (2015)'s feed-forward form. One sentencepiece vocabulary serves both languages
(source and target may share one embedding table). Decoding — greedy and beam search — is in
textrnn/decode.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from textrnn.attention import Attention
from textrnn.config import from_dict
from textrnn.data import pad_batch
from textrnn.encoder import Encoder, EncoderConfig, one_step_kernels
from textrnn.errors import ConfigError, InputError, choose

TASK = "translate"
DECODER_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


@dataclass(frozen=True)
class TranslateConfig:
    vocab_size: int                # V: the joint sentencepiece vocabulary
    source: str = "de"             # language codes: what `PREFIX` means in `PREFIX.{de,en}`
    target: str = "en"
    embedding_dim: int = 256       # E: piece vectors, and the attentional vector h̃
    cell: str = "gru"              # gru | lstm, for encoder and decoder
    hidden_size: int = 256         # D: encoder state per direction
    num_layers: int = 1            # encoder layers
    decoder_size: int = 512        # the decoder's state
    decoder_layers: int = 1
    attention: str = "additive"    # additive (Bahdanau) | general | dot (Luong)
    input_feeding: bool = True     # feed h̃_{t-1} into step t (Luong): the decoder knows what it attended to
    attend_eos: bool = True        # False: the source's closing </s> is no attention key, so attention cannot
                                   # park on it (an "attention sink") and its weights read as an alignment
    share_embeddings: bool = True  # source and target read one embedding table (joint vocabulary)
    tie: bool = True               # output layer = target embedding (Press & Wolf 2017)
    dropout: float = 0.3           # on embeddings, encoder outputs and h̃
    rnn_dropout: float = 0.0       # between stacked layers
    label_smoothing: float = 0.1   # training loss only (Szegedy et al. 2016)
    coverage: float = 0.0          # λ of the coverage loss (See et al. 2017), training only: λ·Σ_s min(α_ts, c_ts)
                                   # with c_t = Σ_{t'<t} α_t' charges attention paid twice to one source piece,
                                   # so a decoder cannot park step after step on one piece (an attention sink)
    max_len: int = 128             # source pieces; longer inputs are cut (the CLI says so)
    beam: int = 5                  # default beam size at inference
    alpha: float = 1.0             # length penalty exponent (decode.py)
    impl: str = "fused"            # encoder: fused | reference

    def __post_init__(self):
        from textrnn.run_config import MAX_LAYERS, MAX_WIDTH, check_ranges

        check_ranges(self, "model", {"vocab_size": (1, None), "embedding_dim": (1, MAX_WIDTH),
                                     "hidden_size": (1, MAX_WIDTH), "num_layers": (1, MAX_LAYERS),
                                     "decoder_size": (1, MAX_WIDTH), "decoder_layers": (1, MAX_LAYERS),
                                     "max_len": (1, None)})
        choose("cell", self.cell, DECODER_CELLS)
        if self.beam < 1:
            raise ConfigError(f"model.beam must be at least 1, got {self.beam}")
        for name in ("dropout", "rnn_dropout", "label_smoothing"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"model.{name} must be in [0, 1), got {getattr(self, name)}")
        if self.coverage < 0.0:
            raise ConfigError(f"model.coverage must be at least 0, got {self.coverage}")

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(cell=self.cell, input_size=self.embedding_dim, hidden_size=self.hidden_size,
                             num_layers=self.num_layers, bidirectional=True, dropout=self.rnn_dropout, impl=self.impl)


class Seq2Seq(nn.Module):
    def __init__(self, config: TranslateConfig, pad_id: int = 0):
        super().__init__()
        self.config = config
        E, D, H, L = config.embedding_dim, config.hidden_size, config.decoder_size, config.decoder_layers
        self.pad_id = pad_id
        self.embedding = nn.Embedding(config.vocab_size, E, padding_idx=pad_id)   # the source's (and target's, shared)
        if not config.share_embeddings:
            self.target_embedding = nn.Embedding(config.vocab_size, E, padding_idx=pad_id)
        self.encoder = Encoder(config.encoder_config())
        self.bridge = nn.Linear(2 * D, H * L)                       # both ends of the top layer → s_0 per layer
        if config.cell == "lstm":
            self.bridge_c = nn.Linear(2 * D, H * L)
        feed = E if config.input_feeding else 0
        self.decoder = DECODER_CELLS[config.cell](E + feed, H, num_layers=L, batch_first=True,
                                                  dropout=config.rnn_dropout if L > 1 else 0.0)
        self.attend = Attention(config.attention, H, 2 * D, attention_size=E)
        self.combine = nn.Linear(H + 2 * D, E)                      # W_c: [s_t ; c_t] → h̃_t
        self.dropout = nn.Dropout(config.dropout)
        if not config.tie:
            self.output = nn.Linear(E, config.vocab_size, bias=False)
        self.output_bias = nn.Parameter(torch.zeros(config.vocab_size))

    @property
    def tgt_embedding(self) -> nn.Embedding:
        return self.embedding if self.config.share_embeddings else self.target_embedding

    # -- the pieces decode.py drives --------------------------------------------------------
    def encode(self, src, lengths) -> dict:
        """src (B, S), lengths (B,) → memory: values (B, S, 2D), keys, mask (B, S), bridged state."""
        x = self.dropout(self.embedding(src))                  # (B, S, E)
        values, state = self.encoder(x, lengths)                    # (B, S, 2D)
        h = state[0] if isinstance(state, tuple) else state         # (L·2, B, D)
        ends = torch.cat([h[-2], h[-1]], 1)                         # (B, 2D) top layer, forward and backward
        B, L, H = src.size(0), self.config.decoder_layers, self.config.decoder_size
        s0 = torch.tanh(self.bridge(ends)).view(B, L, H).transpose(0, 1).contiguous()   # (L, B, H)
        if self.config.cell == "lstm":
            s0 = (s0, torch.tanh(self.bridge_c(ends)).view(B, L, H).transpose(0, 1).contiguous())
        values = self.dropout(values)
        real = lengths if self.config.attend_eos else (lengths - 1).clamp(min=1)        # (B,) keys per source
        mask = torch.arange(src.size(1)).unsqueeze(0) < real.unsqueeze(1)               # (B, S)
        return {"values": values, "keys": self.attend.keys(values), "mask": mask, "s0": s0}

    @staticmethod
    def repeat(memory: dict, k: int) -> dict:
        """Each sentence k times in a row: (B, ...) → (B·k, ...)."""
        if k == 1:
            return memory
        s0 = memory["s0"]                                           # (L, B, H): batch on dim 1
        s0 = tuple(s.repeat_interleave(k, 1) for s in s0) if isinstance(s0, tuple) else s0.repeat_interleave(k, 1)
        return {"values": memory["values"].repeat_interleave(k, 0), "keys": memory["keys"].repeat_interleave(k, 0),
                "mask": memory["mask"].repeat_interleave(k, 0), "s0": s0}

    def start(self, memory: dict) -> dict:
        B = memory["values"].size(0)
        return {"rnn": memory["s0"], "feed": memory["values"].new_zeros(B, self.config.embedding_dim)}

    def step(self, y, state: dict, memory: dict):
        """y (N,) the previous pieces → log-probabilities (N, V), the new state, attention (N, S)."""
        h_tilde, rnn, weights = self._step(self.tgt_embedding(y), state, memory)
        logp = self.logits(h_tilde).log_softmax(-1)                  # (N, V)
        return logp, {"rnn": rnn, "feed": h_tilde}, weights

    @staticmethod
    def select(state: dict, idx) -> dict:
        rnn = state["rnn"]
        rnn = tuple(s[:, idx] for s in rnn) if isinstance(rnn, tuple) else rnn[:, idx]
        return {"rnn": rnn, "feed": state["feed"][idx]}

    # -- shared by training and decoding ----------------------------------------------------
    def _step(self, emb, state: dict, memory: dict):
        """emb (N, E) → h̃ (N, E), decoder state, attention weights (N, S)."""
        x = self.dropout(emb)
        if self.config.input_feeding:
            x = torch.cat([x, state["feed"]], 1)                    # (N, E + E)
        with one_step_kernels():                                    # oneDNN's per-call setup would dominate a step
            out, rnn = self.decoder(x.unsqueeze(1), state["rnn"])   # (N, 1, H)
        s = out.squeeze(1)                                          # (N, H)
        context, weights = self.attend(s, memory["keys"], memory["values"], memory["mask"])  # (N, 2D), (N, S)
        h_tilde = torch.tanh(self.combine(torch.cat([s, context], 1)))                   # (N, E)
        return h_tilde, rnn, weights

    def logits(self, h_tilde):
        """h̃ (N, E) → (N, V)."""
        w = self.tgt_embedding.weight if self.config.tie else self.output.weight
        return self.dropout(h_tilde) @ w.T + self.output_bias

    def forward(self, src, src_lengths, tgt_in, tgt_out):
        """Teacher forcing: src (B, S), src_lengths (B,), tgt_in (B, T) = <bos> y, tgt_out (B, T) = y <eos>
        (pad = ignored) → (None, mean cross-entropy per target piece)."""
        memory = self.encode(src, src_lengths)
        state = self.start(memory)
        emb = self.tgt_embedding(tgt_in)                            # (B, T, E)
        outs, alphas = [], []
        for t in range(tgt_in.size(1)):
            h_tilde, rnn, weights = self._step(emb[:, t], state, memory)
            state = {"rnn": rnn, "feed": h_tilde}
            outs.append(h_tilde)
            alphas.append(weights)
        logits = self.logits(torch.stack(outs, 1))                  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=self.pad_id,
                               label_smoothing=self.config.label_smoothing)
        if self.config.coverage > 0:
            loss = loss + self.config.coverage * coverage_loss(torch.stack(alphas, 1), tgt_out != self.pad_id)
        return None, loss


def coverage_loss(alpha, real):
    """See et al. (2017): alpha (B, T, S) attention per target step, real (B, T) True at real target pieces
    → mean over real steps of Σ_s min(α_ts, c_ts), where c_t = Σ_{t'<t} α_t' is the attention each source
    piece has had so far. 0 when no piece is attended twice; up to 1 per step when a step looks only at
    pieces already looked at."""
    coverage = alpha.cumsum(1) - alpha                              # (B, T, S): c_t, what came before step t
    per_step = torch.minimum(alpha, coverage).sum(2)                # (B, T)
    return (per_step * real).sum() / real.sum().clamp(min=1)


class Predictor:
    """Tokenizer + seq2seq model: `translate(texts)` → one translation per text."""

    task = TASK

    def __init__(self, model: Seq2Seq, tokenizer, metrics: dict | None = None):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = model.config
        self.metrics = metrics or {}
        self.truncated = 0  # how many inputs were cut to max_len (the CLI says so once)

    def encode_source(self, texts: list[str]) -> list[list[int]]:
        m = self.config.max_len - 1
        ids = self.tokenizer.encode(texts)
        self.truncated += sum(len(s) > m for s in ids)
        return [s[:m] + [self.tokenizer.eos_id] for s in ids]

    def translate(self, texts: list[str], beam: int | None = None, max_len: int | None = None,
                  batch_size: int = 32, attention: bool = False) -> list[dict | None]:
        """For each text: {"translation", "score"} (+ "source_pieces", "target_pieces", "attention"
        (T, S) as lists when `attention`); None for an empty text. Batches sentences of similar length."""
        from textrnn.decode import beam_search

        beam = self.config.beam if beam is None else beam
        if beam < 1:
            raise InputError(f"beam must be at least 1, got {beam}", hint="--beam 1 is greedy decoding; 5 is usual")
        keep = [i for i, t in enumerate(texts) if t.strip()]
        out: list[dict | None] = [None] * len(texts)
        seqs = self.encode_source([texts[i] for i in keep])
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        tk = self.tokenizer
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b: b + batch_size]
                src, lengths = pad_batch([seqs[i] for i in idx], tk.pad_id)
                limit = max_len or int(lengths.max()) * 2 + 10
                hyps = beam_search(self.model, src, lengths, beam=beam, max_len=limit, bos=tk.bos_id, eos=tk.eos_id,
                                   alpha=self.config.alpha, keep_attention=attention)
                for i, h in zip(idx, hyps):
                    rec = {"translation": tk.decode(h.tokens), "score": h.score}
                    if attention:
                        n = len(seqs[i]) if self.config.attend_eos else max(1, len(seqs[i]) - 1)   # keys attended
                        rec["source_pieces"] = ([tk.sp.id_to_piece(t) for t in seqs[i][:-1]] + ["</s>"])[:n]
                        rec["target_pieces"] = [tk.sp.id_to_piece(t) for t in h.tokens] + ["</s>"]
                        rec["attention"] = h.attention[:, :n].tolist()
                    out[keep[i]] = rec
        return out

    # -- save / load -------------------------------------------------------------------------
    def save(self, directory, metrics: dict | None = None, half: bool = False, int8: bool = False):
        from textrnn.bundle import save_predictor

        return save_predictor(self, directory, task=TASK, metrics=metrics, half=half, int8=int8)

    @classmethod
    def from_bundle(cls, directory: Path, config: dict):
        from textrnn.bundle import load_model

        return cls(*load_model(directory, config, TranslateConfig, Seq2Seq))


# -- scoring --------------------------------------------------------------------------------
def bleu_report(hypotheses: list[str], references: list[str]) -> dict:
    """sacreBLEU on detokenized text (the field's standard: cased, its 13a tokenizer), chrF, and
    lowercased BLEU for comparison with tutorials that score lowercased tokens."""
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf, lower = BLEU(), CHRF(), BLEU(lowercase=True)
    b = bleu.corpus_score(hypotheses, [references])
    return {"bleu": b.score, "chrf": chrf.corpus_score(hypotheses, [references]).score,
            "bleu_lowercase": lower.corpus_score(hypotheses, [references]).score,
            "bleu_precisions": b.precisions, "bleu_brevity_penalty": b.bp,
            "signature": str(bleu.get_signature()), "n": len(references)}


def evaluate(predictor: Predictor, pairs: list[tuple[str, str]], batch_size: int = 32, beam: int | None = None) -> dict:
    """Translate every source with `beam` (default: the model's) and score against the references."""
    results = predictor.translate([s for s, _ in pairs], beam=beam, batch_size=batch_size)
    report = bleu_report([r["translation"] if r else "" for r in results], [t for _, t in pairs])
    return {**report, "beam": predictor.config.beam if beam is None else beam}


def evaluate_epoch(predictor: Predictor, pairs) -> dict:
    """The per-epoch dev score while training: greedy decoding, a few times faster than beam search."""
    return evaluate(predictor, pairs, beam=1)


# -- reading parallel text ------------------------------------------------------------------
BRACES = re.compile(r"(.*)\.\{([^,{}]+),([^,{}]+)\}")


def parallel_files(spec: str, source: str | None = None, target: str | None = None) -> tuple[Path, Path] | None:
    """`PREFIX.{de,en}` → (PREFIX.de, PREFIX.en); a bare PREFIX with the model's languages too."""
    m = BRACES.fullmatch(str(spec))
    if m:
        return Path(f"{m.group(1)}.{m.group(2)}"), Path(f"{m.group(1)}.{m.group(3)}")
    if source and target and not Path(spec).is_file() and Path(f"{spec}.{source}").is_file():
        return Path(f"{spec}.{source}"), Path(f"{spec}.{target}")
    return None


def read_pairs(src_path, tgt_path) -> list[tuple[str, str]]:
    """Line-aligned source and target files → [(source, target)]; the files must have as many lines."""
    from textrnn.data import iter_lines

    src = [line for _, _, line in iter_lines([str(src_path)])]
    tgt = [line for _, _, line in iter_lines([str(tgt_path)])]
    if len(src) != len(tgt):
        raise InputError(f"{src_path} has {len(src)} lines but {tgt_path} has {len(tgt)}",
                         hint="parallel files must be line-aligned: line i of one translates line i of the other")
    return list(zip(src, tgt))


def read_data(path) -> list[tuple[str, str]]:
    """Parallel text: `PREFIX.{src,tgt}` (two line-aligned files, source first) or a TSV file of
    `source<TAB>target` lines."""
    from textrnn.data import iter_lines

    files = parallel_files(str(path))
    if files:
        return read_pairs(*files)
    pairs = []
    for name, lineno, line in iter_lines([str(path)]):
        cols = line.split("\t")
        if len(cols) != 2:
            raise InputError(f"{name}:{lineno}: expected source<TAB>target, found {len(cols)} column(s)",
                             hint="or give two line-aligned files as PREFIX.{de,en}")
        pairs.append((cols[0], cols[1]))
    return pairs


# -- what the training loop needs from this head ---------------------------------------------
def headline(predictor) -> str:
    return "bleu"


def tokenizer_texts(pairs):
    """One joint vocabulary: both sides of every pair."""
    for s, t in pairs:
        yield s
        yield t


def build(model_options: dict, pairs, tokenizer) -> Predictor:
    if tokenizer.kind != "sentencepiece":
        raise ConfigError(f"tokenizer.kind {tokenizer.kind!r}: translation reads sentencepiece pieces",
                          hint="set tokenizer.kind = \"sentencepiece\"")
    cfg = from_dict(TranslateConfig, {**model_options, "vocab_size": tokenizer.vocab_size}, "model")
    return Predictor(Seq2Seq(cfg, pad_id=tokenizer.pad_id), tokenizer)


def encode_examples(predictor: Predictor, pairs) -> list[tuple[list[int], list[int]]]:
    """[(source, target)] → [(source ids + <eos>, target ids)], skipping pairs with an empty side."""
    pairs = [(s, t) for s, t in pairs if s.strip() and t.strip()]
    src = predictor.encode_source([s for s, _ in pairs])
    tgt = predictor.tokenizer.encode([t for _, t in pairs])
    m = predictor.config.max_len
    return [(s, t[: m - 1]) for s, t in zip(src, tgt)]


def batches(encoded, batch_size: int, rng):
    """Yield (src (B, S), src_lengths (B,), tgt_in (B, T), tgt_out (B, T)) in source-length buckets."""
    from textrnn.data import length_batches

    for idx in length_batches([len(s) for s, _ in encoded], batch_size, rng):
        src, lengths = pad_batch([encoded[i][0] for i in idx])
        tgt_in, _ = pad_batch([[2] + encoded[i][1] for i in idx])          # <bos> y
        tgt_out, _ = pad_batch([encoded[i][1] + [3] for i in idx])         # y <eos>
        yield src, lengths, tgt_in, tgt_out
