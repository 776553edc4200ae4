"""Language models: predict the next token; one-to-many (generate) and many-to-many (score text).

    token ids (B, T) → embedding (B, T, E) → Encoder, one direction (B, T, D) → [project D→E]
                     → output layer tied to the embedding (B, T, V) → next-token log-probabilities

A language model reads a corpus as one long stream of tokens (words with `<eos>` at each line end,
as is the convention for Penn Treebank and WikiText-2; or characters, newlines included). The
stream is cut into B parallel columns, and training walks down them in windows of `bptt` steps:

    stream  a b c d e f g h i j k l m n o p q r ...            B = 3 columns of the stream
    column 0:  a b c d e f | g h ...       window 1 = steps 0..bptt-1 of every column,
    column 1:  m n o p q r | s t ...       window 2 = the next bptt steps, and so on;
    column 2:  y z ...                     the state at the end of a window starts the next

Gradients flow back only within a window (truncated back-propagation through time), but the
hidden state is carried across windows, so the model sees context longer than `bptt`.

Regularisation follows Zaremba et al. (2014) and Merity et al. (2018, AWD-LSTM): dropout between
stacked layers, and *locked* (variational) dropout on the embeddings and the top outputs — one mask
per sequence, the same at every time step (Gal & Ghahramani 2016). The output layer shares its
weights with the input embedding (Press & Wolf 2017; Inan et al. 2017): fewer parameters and a
lower perplexity.

A large vocabulary (WikiText-2: 33k words) makes the output layer the most expensive part on a
CPU. `cutoffs` turns it into an *adaptive softmax* tied with an *adaptive input*
(textrnn/adaptive.py): frequent words are scored every step, rare ones only when the target is
one of them. With no cutoffs it is the plain tied softmax.

Perplexity = exp(total negative log-likelihood / number of predicted tokens); a word model
predicts every word and every `<eos>`, so this is the per-word perplexity of the literature.
Scoring (`textrnn evaluate`, and the dev score after every epoch) reads the text as one column,
the state carried from its first token to its last, as the literature's test perplexities are
measured: B columns would start B - 1 of them without context, and the score would depend on B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from textrnn.adaptive import TiedVocabulary
from textrnn.config import from_dict
from textrnn.encoder import Encoder, EncoderConfig
from textrnn.errors import ConfigError, InputError, choose

TASK = "lm"
UNITS = ("word", "char")


@dataclass(frozen=True)
class LMConfig:
    vocab_size: int                # V: the tokenizer's vocabulary (words or characters)
    unit: str = "word"             # word | char: what a token is, and what perplexity is counted per
    embedding_dim: int = 400       # E: token vector size (also the output layer's, when tied)
    cell: str = "lstm"             # rnn | gru | lstm
    hidden_size: int = 400         # D
    num_layers: int = 2            # L
    rnn_dropout: float = 0.25      # between stacked layers (Zaremba et al. 2014)
    dropout: float = 0.4           # locked dropout on embeddings and on the top layer's outputs
    tie: bool = True               # output layer = input embedding (Press & Wolf 2017)
    cutoffs: tuple[int, ...] = ()  # adaptive softmax/input clusters by frequency rank, e.g. (2000, 10000)
    div: float = 4.0               # each further cluster's vectors are `div` times smaller
    bptt: int = 70                 # training window in tokens; the state carries from window to window
    impl: str = "fused"            # fused (torch kernels) | reference (cells.py, for learning)

    def __post_init__(self):
        from textrnn.run_config import MAX_LAYERS, MAX_WIDTH, check_ranges

        check_ranges(self, "model", {"vocab_size": (1, None), "embedding_dim": (1, MAX_WIDTH),
                                     "hidden_size": (1, MAX_WIDTH), "num_layers": (1, MAX_LAYERS)})
        choose("unit", self.unit, UNITS)
        bounds = (0, *self.cutoffs, self.vocab_size)
        if any(a >= b for a, b in zip(bounds, bounds[1:])):
            raise ConfigError(f"model.cutoffs {list(self.cutoffs)} must increase and lie inside the vocabulary "
                              f"(1..{self.vocab_size - 1})", hint="e.g. cutoffs = [2000, 10000], or [] for a plain softmax")
        if self.cutoffs and not self.tie:
            raise ConfigError("model.cutoffs needs model.tie = true (the adaptive input and softmax share their clusters)")
        if self.div < 1:
            raise ConfigError(f"model.div must be at least 1, got {self.div}")
        if self.bptt < 1:
            raise ConfigError(f"model.bptt must be at least 1, got {self.bptt}")
        for name in ("dropout", "rnn_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"model.{name} must be in [0, 1), got {getattr(self, name)}")

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(cell=self.cell, input_size=self.embedding_dim, hidden_size=self.hidden_size,
                             num_layers=self.num_layers, bidirectional=False, dropout=self.rnn_dropout, impl=self.impl)


def locked_dropout(x, p: float, training: bool):
    """Dropout with one mask per sequence, shared by every time step: x (B, T, E)."""
    if not training or p == 0:
        return x
    mask = x.new_empty(x.size(0), 1, x.size(2)).bernoulli_(1 - p) / (1 - p)   # (B, 1, E)
    return x * mask


class LanguageModel(nn.Module):
    def __init__(self, config: LMConfig):
        super().__init__()
        self.config = config
        E, D = config.embedding_dim, config.hidden_size
        self.encoder = Encoder(config.encoder_config())
        if config.tie:
            self.vocab = TiedVocabulary(config.vocab_size, E, config.cutoffs, config.div)
            # the top layer's size must match the tied vectors'
            self.project = nn.Linear(D, E) if D != E else None
        else:
            self.embedding = nn.Embedding(config.vocab_size, E)
            self.output = nn.Linear(D, config.vocab_size)

    def embed(self, ids):
        return self.vocab.embed(ids) if self.config.tie else self.embedding(ids)

    def hidden(self, ids, state=None):
        """ids (B, T) → top features (B, T, E or D) ready for the output layer, and the final state."""
        x = locked_dropout(self.embed(ids), self.config.dropout, self.training)  # (B, T, E)
        out, state = self.encoder(x, None, state)                              # (B, T, D)
        out = locked_dropout(out, self.config.dropout, self.training)
        if self.config.tie and self.project is not None:
            out = self.project(out)                                            # (B, T, E)
        return out, state

    def nll(self, feats, targets):
        """feats (N, ·), targets (N,) → nats per target (N,)."""
        if self.config.tie:
            return self.vocab.nll(feats, targets)
        return F.cross_entropy(self.output(feats), targets, reduction="none")

    def log_probs(self, feats):
        """feats (N, ·) → (N, V)."""
        if self.config.tie:
            return self.vocab.log_probs(feats)
        return self.output(feats).log_softmax(-1)

    def forward(self, ids, targets=None, carry: dict | None = None):
        """ids (B, T), targets (B, T) or None, carry {"state": ...} or None.

        With targets: (None, mean loss over targets ≠ -100) — full logits are never built, which is
        what makes the adaptive softmax cheap. Without: (log-probabilities of the next token after
        the last step (B, V), None). `carry["state"]` is read as the starting state and replaced by
        the final one, detached: truncated back-propagation through time.
        """
        state = carry.get("state") if carry is not None else None
        feats, state = self.hidden(ids, state)                                 # (B, T, ·)
        if carry is not None:
            carry["state"] = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        if targets is None:
            return self.log_probs(feats[:, -1]), None                          # (B, V)
        flat, t = feats.reshape(-1, feats.size(-1)), targets.reshape(-1)
        keep = t != -100
        return None, self.nll(flat[keep], t[keep]).mean()


# -- reading text as one stream --------------------------------------------------------------
def read_data(path) -> list[str]:
    """The lines of a text file, line ends kept ('' lines included), so that joining them gives the
    file back. `FILE[:90%]` / `FILE[90%:]` take the first 90 % / the rest of its characters
    (Tiny Shakespeare's train/validation split, as nanoGPT makes it)."""
    import re

    from textrnn.data import iter_lines

    spec = str(path)
    m = re.fullmatch(r"(.*)\[(\d+(?:\.\d+)?%)?:(\d+(?:\.\d+)?%)?\]", spec)
    name = m.group(1) if m else spec
    text = "".join(line + "\n" for _, _, line in iter_lines([name]))
    if m:
        frac = lambda g, default: default if g is None else float(g[:-1]) / 100  # noqa: E731
        a, b = frac(m.group(2), 0.0), frac(m.group(3), 1.0)
        text = text[int(a * len(text)): int(b * len(text))]
    if not text.strip():
        raise InputError(f"{spec}: no text", hint="give a plain-text file (for a slice, e.g. FILE[:90%])")
    lines = text.split("\n")                        # only \n ends a line, as in iter_lines
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def train_tokenizer(tk, lines: list[str]):
    """Word models split on whitespace (the corpora are tokenized, `<unk>` included); char models
    keep every character, newlines too."""
    from textrnn.tokenizer import CharTokenizer, WordTokenizer

    if tk.kind == "char":
        return CharTokenizer.train(lines, min_freq=tk.min_freq, max_size=tk.max_size, lowercase=tk.lowercase)
    if tk.kind != "word":
        raise ConfigError(f"tokenizer.kind {tk.kind!r} is not supported by language models; choose one of: char, word")
    return WordTokenizer.train(lines, max_size=tk.max_size, min_freq=tk.min_freq, lowercase=tk.lowercase, split="whitespace")


def stream_ids(tokenizer, lines: list[str], unit: str) -> torch.Tensor:
    """Token ids of the whole text as one stream (N,): a word model appends `<eos>` to every line."""
    if unit == "char":
        return torch.tensor(tokenizer.encode(["".join(lines)])[0], dtype=torch.long)
    ids = []
    for seq in tokenizer.encode([line.rstrip("\r\n") for line in lines]):
        ids += seq
        ids.append(tokenizer.eos_id)
    return torch.tensor(ids, dtype=torch.long)


WINDOW = 256           # tokens read at once when scoring or reading a prompt: memory for one window
PROMPT_TOKENS = 20_000  # a longer prompt is read from its last this-many tokens (the CLI says so once)


def read_windows(model: LanguageModel, ids: torch.Tensor, state=None, window: int = WINDOW):
    """Read ids (B, T) `window` steps at a time, the state carried from one window to the next.

    Yields (t, top features (B, ≤window, ·) of steps t.., the state after them). For a recurrent
    network this is the same as one pass over all T steps — its state is all it keeps of the past —
    but memory is that of one window whatever T is: a 2 MB prompt read in one pass asked oneDNN for
    34.7 GB (the `shakespeare` character model) or failed to create its kernel (`wikitext2`).
    """
    for t in range(0, ids.size(1), window):
        feats, state = model.hidden(ids[:, t: t + window], state)              # (B, ≤window, ·)
        yield t, feats, state


# -- the predictor ----------------------------------------------------------------------------
class Predictor:
    """Tokenizer + language model: scores text, ranks next words, generates."""

    task = TASK

    def __init__(self, model: LanguageModel, tokenizer, metrics: dict | None = None):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = model.config
        self.metrics = metrics or {}
        self.max_prompt = PROMPT_TOKENS
        self.truncated = 0  # how many prompts were cut to their last max_prompt tokens (the CLI says so once)

    @property
    def start_id(self) -> int:
        """What a text follows: the end of a previous line (`<eos>`, or a newline character)."""
        if self.config.unit == "word":
            return self.tokenizer.eos_id
        return self.tokenizer.index.get("\n", self.tokenizer.unk_id)

    def prompt_ids(self, prompt: str) -> list[int]:
        """The start token, then the prompt's tokens (a word model splits the prompt on whitespace);
        of a prompt longer than `max_prompt` tokens, only its last `max_prompt` (counted in
        `truncated`). An LSTM language model's prediction hardly depends on words more than a few
        hundred tokens back (Khandelwal et al. 2018), and reading 400,000 words would take minutes."""
        ids = [self.start_id] + (self.tokenizer.encode([prompt])[0] if prompt else [])
        if len(ids) > self.max_prompt:
            self.truncated += 1
            ids = ids[-self.max_prompt:]
        return ids

    def read_prompt(self, prompt: str):
        """Top features after the prompt's last token (1, ·), and the state there."""
        feats = state = None
        for _, feats, state in read_windows(self.model, torch.tensor([self.prompt_ids(prompt)])):
            pass
        return feats[:, -1], state                                              # (1, ·)

    @torch.inference_mode()
    def score(self, lines: list[str], batch_size: int | None = None, window: int = WINDOW) -> dict:
        """Perplexity of a text: nats summed over every token, the text read as one stream with the
        state carried from its first token to its last, `window` tokens at a time.

        This is batch 1, the convention of the literature's test perplexities (Zaremba et al. 2014
        read the test set "fully sequentially"; Merity et al. 2018, AWD-LSTM: test_batch_size = 1).
        `batch_size` is accepted, as every head's evaluate takes one, and changes nothing: cutting
        the stream into B columns starts B - 1 of them without context, and the score then depends
        on B (WikiText-2 test: perplexity 107.7 at B = 1, 111.0 at 16, 233 at 1,024).
        """
        ids = stream_ids(self.tokenizer, lines, self.config.unit)              # (N,)
        # the stream starts after a virtual line end, so that its first token is predicted too
        inputs = torch.cat([torch.tensor([self.start_id]), ids[:-1]])[None]     # (1, N)
        total = 0.0
        for t, feats, _ in read_windows(self.model, inputs, window=window):
            tgt = ids[t: t + feats.size(1)]                                     # (≤window,)
            total += self.model.nll(feats[0], tgt).double().sum().item()
        n = len(ids)
        unk = int((ids == self.tokenizer.unk_id).sum())
        return {"perplexity": math.exp(total / n), "loss": total / n, "bits_per_unit": total / n / math.log(2),
                "unit": self.config.unit, "n": n, "unknown": unk}

    @torch.inference_mode()
    def next_tokens(self, texts: list[str], k: int = 5) -> list[list[tuple[str, float]] | None]:
        """The k most probable next tokens after each text, with probabilities."""
        skip = {self.tokenizer.pad_id, self.tokenizer.unk_id, self.tokenizer.bos_id}
        if self.config.unit == "char":
            skip.add(self.tokenizer.eos_id)
        out = []
        for text in texts:
            feats, _ = self.read_prompt(text)                                    # (1, ·)
            p = self.model.log_probs(feats)[0].exp()                             # (V,)
            p[list(skip)] = 0
            top = p.topk(min(k, len(p) - len(skip)))
            out.append([(self.tokenizer.vocab[i], v) for v, i in zip(top.values.tolist(), top.indices.tolist())])
        return out

    @torch.inference_mode()
    def generate(self, prompt: str = "", max_tokens: int = 100, temperature: float = 1.0, top_k: int = 0,
                 top_p: float = 1.0, generator: torch.Generator | None = None):
        """Yield sampled tokens (as text pieces) one at a time after `prompt`.

        temperature 0 or top_k 1: greedy. top_k > 1 keeps the k most probable tokens; top_p < 1
        keeps the smallest set whose probability reaches p (nucleus sampling, Holtzman et al. 2020).
        """
        never = torch.tensor([self.tokenizer.pad_id, self.tokenizer.unk_id, self.tokenizer.bos_id]
                             + ([self.tokenizer.eos_id] if self.config.unit == "char" else []))
        last, state = self.read_prompt(prompt)                                  # (1, ·)
        for _ in range(max_tokens):
            logits = self.model.log_probs(last)[0].float()                      # (V,)
            logits[never] = float("-inf")
            if temperature == 0 or top_k == 1:
                nxt = int(logits.argmax())
            else:
                logits = logits / temperature
                if top_k > 1:
                    kth = logits.topk(min(top_k, len(logits))).values[-1]
                    logits[logits < kth] = float("-inf")
                probs = logits.softmax(0)
                if top_p < 1.0:
                    sp, si = probs.sort(descending=True)
                    cut = (sp.cumsum(0) - sp) >= top_p                          # keep the smallest head reaching p
                    probs[si[cut]] = 0
                nxt = int(torch.multinomial(probs, 1, generator=generator))
            yield self.piece(nxt)
            feats, state = self.model.hidden(torch.tensor([[nxt]]), state)       # (1, 1, ·)
            last = feats[:, -1]

    def piece(self, i: int) -> str:
        """How token i is written in running text: a word model separates words by spaces and
        writes `<eos>` as a line end."""
        if self.config.unit == "char":
            return self.tokenizer.vocab[i]
        return "\n" if i == self.tokenizer.eos_id else self.tokenizer.vocab[i] + " "

    # -- save / load -------------------------------------------------------------------------
    def save(self, directory, metrics: dict | None = None, half: bool = False, int8: bool = False):
        from textrnn.bundle import save_predictor

        return save_predictor(self, directory, task=TASK, metrics=metrics, half=half, int8=int8)

    @classmethod
    def from_bundle(cls, directory: Path, config: dict):
        from textrnn.bundle import load_model

        return cls(*load_model(directory, config, LMConfig, LanguageModel))


def evaluate(predictor: Predictor, lines: list[str], batch_size: int | None = None) -> dict:
    """perplexity, loss (mean nats per unit), bits per unit, unit, n (tokens scored), unknown: the
    text read as one stream, whatever `batch_size` (see Predictor.score)."""
    return predictor.score(lines)


# -- what the training loop needs from this head ---------------------------------------------
HIGHER_IS_BETTER = False


def headline(predictor) -> str:
    """The dev metric that selects the best epoch (lower is better here): per-word perplexity for
    a word model, nats per character for a character model."""
    return "perplexity" if predictor.config.unit == "word" else "loss"


def tokenizer_texts(lines):
    return lines


def build(model_options: dict, lines, tokenizer) -> Predictor:
    unit = "char" if tokenizer.kind == "char" else "word"
    cfg = from_dict(LMConfig, {"unit": unit, **model_options, "vocab_size": tokenizer.vocab_size}, "model")
    if cfg.unit != unit:
        raise ConfigError(f"model.unit {cfg.unit!r} does not match tokenizer.kind {tokenizer.kind!r}",
                          hint="leave model.unit out: it follows the tokenizer")
    return Predictor(LanguageModel(cfg), tokenizer)


@dataclass(frozen=True)
class Stream:
    ids: torch.Tensor              # (N,) the training text as one stream of token ids
    bptt: int                      # window length


def encode_examples(predictor: Predictor, lines) -> Stream:
    """The training text as one stream of ids: in memory for a list of lines; memory-mapped from
    the cache for an Arrow table of lines (corpus.py), so the text may be larger than memory."""
    from textrnn.corpus import Lines, token_stream

    if isinstance(lines, Lines):
        return Stream(token_stream(lines, predictor.tokenizer, predictor.config.unit), predictor.config.bptt)
    return Stream(stream_ids(predictor.tokenizer, lines, predictor.config.unit), predictor.config.bptt)


def steps_per_epoch(stream: Stream, batch_size: int) -> int:
    """Windows per epoch, the same for every epoch's random offset (the largest, bptt - 1, sets it)."""
    n = (len(stream.ids) - (stream.bptt - 1)) // batch_size                    # column length, worst case
    steps = (n - 1) // stream.bptt
    if steps < 1:
        raise InputError(f"the training text has {len(stream.ids)} tokens: too few for {batch_size} columns "
                         f"of {stream.bptt}-token windows",
                         hint="use a smaller train.batch_size or model.bptt, or a longer text")
    return steps


def batches(stream: Stream, batch_size: int, rng):
    """Yield (inputs (B, bptt), targets (B, bptt), carry) down B columns of the stream; the carry
    passes the state from one window to the next. Each epoch starts at a random offset below bptt,
    so windows do not always break at the same places."""
    ids, B, bptt = stream.ids, batch_size, stream.bptt
    steps = steps_per_epoch(stream, B)
    offset = rng.randrange(bptt)
    n = (len(ids) - offset) // B
    data = ids[offset: offset + n * B].view(B, n)                                # (B, n), a view: no copy
    carry: dict = {}
    for t in range(0, steps * bptt, bptt):   # .long(): a memory-mapped stream holds int32 ids
        yield data[:, t: t + bptt].long(), data[:, t + 1: t + 1 + bptt].long(), carry
