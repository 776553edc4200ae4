"""`textrnn longrange`: one long-range task, several recurrent networks — which of them remembers?

The task (a "remember the first symbol" problem, like the long-time-lag tasks of Hochreiter &
Schmidhuber 1997): a sequence starts with a key, one of `a b c d`, followed by distractors drawn
from `u v w x y z`; the class is the key. Chance is 25 %. The distance is the sequence's length:
to answer after T steps, the network must carry the key through T − 1 updates of its state.

    textrnn longrange --out longrange.png                       rnn, gru, lstm; distances 20, 50, 100
    textrnn longrange --cells rnn --layers 1,2 --directions 1,2 --distances 50 --out shapes.png

Every combination of --cells × --layers × --directions is one model, trained by `textrnn train`'s
own loop (textrnn/train.py) as a classifier that reads the encoder's final state (`last`
pooling), on sequences of all the distances mixed; then it is scored on fresh sequences of each
distance. Its run directory (RUNS/NAME: model/, metrics.jsonl, curves.png) stays for `textrnn
plot` and `textrnn inspect`. Three things are measured on those trained models:
- accuracy against distance (the table, and the picture);
- gradients through time: ‖∂z/∂h_t‖, z the score of the true class, on 16 test sequences of the
  longest distance, for the forward direction of layer 0 — how much the answer still depends on
  the state at step t (the key is read at t = 1);
- gradient clipping during training: how many optimisation steps had a gradient norm above
  `train.clip` and were rescaled (also in each run's metrics.jsonl, `clipped_steps`, and curves.png).

Why a command of its own and not `train --example`: it trains several models and compares them,
which no single config can say. `--quick` trains each model for a few seconds (the tutorial's
test runs it so); its numbers are not the full run's.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from textrnn.errors import InputError

KEYS = "abcd"                 # the class: the first symbol
NOISE = "uvwxyz"              # what comes after it
CELLS = ("rnn", "gru", "lstm")
MAX_DISTANCE = 400            # a plain RNN step costs the same at any length: this bounds time, not memory


@dataclass(frozen=True)
class Budget:
    """How much training each model gets. Why these numbers: the full budget is about a minute per
    model on one CPU thread, enough for the GRU and LSTM to solve distance 100; quick is seconds."""
    train_per_distance: int   # training sequences of each distance
    test_per_distance: int    # fresh sequences scored at each distance
    epochs: int


FULL = Budget(train_per_distance=2000, test_per_distance=500, epochs=20)
QUICK = Budget(train_per_distance=64, test_per_distance=32, epochs=1)
MODEL = {"embedding_dim": 8, "hidden_size": 32, "pooling": "last", "dropout": 0.0}
TRAIN = {"batch_size": 32, "lr": 3e-3, "clip": 1.0, "patience": 100, "seed": 1}
# The LSTM starts with its forget gates' bias at +1 (Gers et al. 2000; Jozefowicz et al. 2015; Keras's
# default): at torch's 0 the cell keeps σ(0) = 0.5 of itself per step, and in a minute of training
# the LSTM did not leave chance (measured: 20 epochs, 48 % at every distance). The tutorial says so.
FORGET_BIAS = {"lstm": 1.0}


def sequences(n: int, length: int, rng: random.Random) -> list[tuple[str, str]]:
    """n examples (label, text) of `length` symbols: the key, then length − 1 distractors."""
    out = []
    for _ in range(n):
        key = rng.choice(KEYS)
        out.append((key, " ".join([key] + [rng.choice(NOISE) for _ in range(length - 1)])))
    return out


def write_tsv(path: Path, examples: list[tuple[str, str]]) -> None:
    path.write_text("".join(f"{label}\t{text}\n" for label, text in examples), encoding="utf-8")


def parse_list(option: str, value: str, valid=None, lo: int = 1, hi: int = MAX_DISTANCE) -> list:
    """"rnn,gru" or "20,50" → a list, checked; a bad value names the option and what is allowed."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise InputError(f"{option} is empty", hint=f"e.g. {option} {'rnn,gru,lstm' if valid else '20,50,100'}")
    if valid is not None:
        for v in items:
            if v not in valid:
                raise InputError(f"{option}: unknown {v!r}; choose from: {', '.join(valid)}",
                                 hint=f"e.g. {option} {','.join(valid)}")
        return list(dict.fromkeys(items))
    numbers = []
    for v in items:
        if not v.isdigit() or not lo <= int(v) <= hi:
            raise InputError(f"{option}: {v!r} is not a whole number from {lo} to {hi}",
                             hint=f"e.g. {option} {'20,50,100' if option == '--distances' else '1,2'}")
        numbers.append(int(v))
    return sorted(set(numbers))


def config_for(cell: str, layers: int, directions: int, data: Path, budget: Budget) -> dict:
    return {"task": "classify",
            "data": {"train": str(data / "train.tsv"), "dev": str(data / "dev.tsv")},
            "tokenizer": {"kind": "word", "split": "whitespace"},
            "model": {**MODEL, "cell": cell, "num_layers": layers, "bidirectional": directions == 2,
                      "max_len": MAX_DISTANCE},
            "train": {**TRAIN, "epochs": budget.epochs}}


def make_data(runs: Path, distances: list[int], budget: Budget) -> Path:
    """Train, dev and one test file per distance, from one seed: every model sees the same data."""
    rng = random.Random(0)
    data = runs / "data"
    data.mkdir(parents=True, exist_ok=True)
    train = [ex for d in distances for ex in sequences(budget.train_per_distance, d, rng)]
    rng.shuffle(train)
    write_tsv(data / "train.tsv", train)
    write_tsv(data / "dev.tsv", [ex for d in distances for ex in sequences(max(16, budget.test_per_distance // 4), d, rng)])
    for d in distances:
        write_tsv(data / f"test-{d}.tsv", sequences(budget.test_per_distance, d, rng))
    return data


def initial_model(config: dict, directory: Path, forget_bias: float) -> None:
    """An untrained model saved as a bundle for `init`, its LSTM forget-gate biases raised by
    `forget_bias` (torch's gate order i, f, g, o: rows D … 2D − 1 of bias_hh)."""
    import torch

    from textrnn.config import from_dict
    from textrnn.heads import head_module
    from textrnn.run_config import RunConfig
    from textrnn.train_data import load_run_data, make_tokenizer

    run = from_dict(RunConfig, config)
    head = head_module(run.task)
    data = load_run_data(head, run, None, lambda message: None)
    torch.manual_seed(run.train.seed)
    predictor = head.build(run.model, data.train, make_tokenizer(head, run, data.train, None))
    D = run.model["hidden_size"]
    with torch.no_grad():
        for name, p in predictor.model.encoder.rnn.named_parameters():
            if name.startswith("bias_hh"):
                p[D:2 * D] += forget_bias
    predictor.save(directory)


def train_one(name: str, config: dict, runs: Path, distances: list[int], data: Path) -> dict:
    """Train one model with train.py's loop, score it at each distance, measure its gradients."""
    import textrnn
    from textrnn.heads.classify import evaluate, read_data
    from textrnn.run_dir import logged_epochs
    from textrnn.train import train

    print(f"training {name} ...", file=sys.stderr)
    start = time.time()
    bias = FORGET_BIAS.get(config["model"]["cell"])
    if bias:
        initial_model(config, data / f"init-{name}", bias)
        config = {**config, "init": str(data / f"init-{name}")}
    train(config, runs / name, quiet=True)
    seconds = time.time() - start
    predictor = textrnn.load(runs / name / "model")
    accuracy = {d: evaluate(predictor, read_data(data / f"test-{d}.tsv"))["accuracy"] for d in distances}
    epochs = logged_epochs(runs / name / "metrics.jsonl")
    return {"name": name, "accuracy": accuracy, "seconds": seconds, "steps": epochs[-1]["step"],
            "clipped": sum(r.get("clipped_steps", 0) for r in epochs),
            "gradients": gradients_through_time(predictor, data / f"test-{max(distances)}.tsv")}


def gradients_through_time(predictor, test_file: Path, n: int = 16) -> list[float]:
    """‖∂ z / ∂h_t‖ for t = 1 … T, z the score (logit) of the true class, layer 0 forward direction,
    the mean over the first n test sequences. The logit, not log p: a model sure of its answer has
    log p ≈ 0 whatever the state, which would hide how far back the answer still looks."""
    import torch

    from textrnn.heads.classify import read_data
    from textrnn.inspect import read, reference_copy, tap_steps

    total = None
    for label, text in read_data(test_file)[:n]:
        reading = read(predictor, text)
        ref = reference_copy(reading.encoder)              # cells.py, with a probe on every h_t
        taps = tap_steps(ref)
        with torch.enable_grad():
            _, state = ref(reading.x, reading.lengths)
            logits = reading.model.output(ref.last_hidden(state))[0]          # (C,)
            logits[predictor.labels.index(label)].backward()
        norms = torch.stack([p.grad[0] if p.grad is not None else torch.zeros_like(p[0])
                             for p in taps.probes[:reading.x.size(1)]]).norm(dim=1)   # (T,) layer 0, →
        total = norms if total is None else total + norms
    return (total / n).tolist()


def name_of(cell: str, layers: int, directions: int) -> str:
    return f"{cell}-{layers}layer{'s' * (layers > 1)}-{'bi' if directions == 2 else 'uni'}"


def longrange(cells: str = "rnn,gru,lstm", distances: str = "20,50,100", layers: str = "1", directions: str = "1",
              runs: Path = Path("runs/longrange"), out: Path = Path("longrange.png"), force: bool = False,
              quick: bool = False) -> None:
    from textrnn.commands.inspect import check_out

    cell_list = parse_list("--cells", cells, CELLS)
    dist_list = parse_list("--distances", distances, lo=2)
    layer_list = parse_list("--layers", layers, hi=4)
    dir_list = parse_list("--directions", directions, hi=2)
    combos = [(c, l, k) for c in cell_list for l in layer_list for k in dir_list]
    taken = [name_of(*c) for c in combos if (runs / name_of(*c)).exists()]
    if taken:
        raise InputError(f"{runs / taken[0]} exists: a run is never overwritten",
                         hint=f"choose another --runs, or remove {runs} first")
    out = check_out(out, force)
    budget = QUICK if quick else FULL
    data = make_data(runs, dist_list, budget)
    results = [train_one(name_of(c, l, k), config_for(c, l, k, data, budget), runs, dist_list, data)
               for c, l, k in combos]
    for r, (c, l, k) in zip(results, combos):
        r.update(cell=c, layers=l, directions=k)
    print(report(results, dist_list, budget, quick, runs))
    plot_longrange(results, dist_list, out)
    print(f"wrote {out}", file=sys.stderr)


# -- what it prints and draws ---------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> str:
    from textrnn.commands.inspect import _table

    return _table(header, rows)


def report(results: list[dict], distances: list[int], budget: Budget, quick: bool, runs: Path) -> str:
    T = max(distances)
    steps = sorted({1, (T + 1) // 2, T})
    shape = [["→", "→←"][r["directions"] - 1] for r in results]
    rows = [[r["cell"], str(r["layers"]), s] + [f"{100 * r['accuracy'][d]:.1f}" for d in distances]
            + [str(r["clipped"]), str(r["steps"]), f"{r['seconds']:.0f}"] for r, s in zip(results, shape)]
    accuracy = _table(["cell", "layers", "reads"] + [f"acc@{d}" for d in distances]
                      + ["clipped steps", "of steps", "seconds"], rows)
    grads = _table(["cell", "layers", "reads"] + [f"t={t}" + (" (key)" if t == 1 else "") for t in steps],
                   [[r["cell"], str(r["layers"]), s] + [f"{r['gradients'][t - 1]:.1e}" for t in steps]
                    for r, s in zip(results, shape)])
    return (f"remember the first symbol: a key (a, b, c or d; chance 25%), then distractors; hidden size "
            f"{MODEL['hidden_size']}, trained on "
            + (f"distances {', '.join(map(str, distances))} mixed" if len(distances) > 1 else f"distance {distances[0]}")
            + (" (--quick: seconds of training, not the full run)" if quick else "") + "\n"
            + f"accuracy (%) on {budget.test_per_distance} fresh sequences per distance; steps whose gradient norm "
            f"exceeded clip = {TRAIN['clip']:g} and were rescaled\n" + accuracy + "\n"
            + f"‖∂z/∂h_t‖, z the true class's score, mean over 16 test sequences of {T} steps (layer 0, →): how much "
            f"the answer depends on the state at step t\n" + grads + f"\nruns (models, metrics.jsonl, curves.png) in {runs}")


def plot_longrange(results: list[dict], distances: list[int], path: Path) -> None:
    """Left: accuracy against distance, one line per model. Right: ‖∂z/∂h_t‖ against t."""
    from textrnn.commands.inspect_plots import _positive, _pyplot, save

    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    for r in results:
        label = f"{r['cell']}" + (f", {r['layers']} layers" if r["layers"] > 1 else "") \
            + (", bidirectional" if r["directions"] == 2 else "")
        left.plot(distances, [100 * r["accuracy"][d] for d in distances], "o-", lw=1.8, label=label)
        right.plot(range(1, len(r["gradients"]) + 1), _positive(r["gradients"]), lw=1.6, label=label)
    left.axhline(25, color="0.5", ls="--", lw=1, label="chance (25%)")
    left.set_ylim(0, 105)
    left.set_xticks(distances)
    left.set_xlabel("distance: steps between the key and the answer")
    left.set_ylabel("test accuracy (%)")
    left.set_title("remembering the first symbol", fontsize=10)
    left.legend(fontsize=9)
    right.set_yscale("log")
    right.set_xlabel(f"time step t (the key is at t = 1, the answer after t = {len(results[0]['gradients'])})")
    right.set_ylabel(r"$\Vert \partial z \,/\, \partial h_t \Vert$ (z: the true class's score)")
    right.set_title("gradients through time, on the trained models", fontsize=10)
    right.legend(fontsize=9)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    fig.suptitle("The same task for each network, trained with the same loop and budget", fontsize=11)
    save(fig, path)
