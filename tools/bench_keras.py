"""textrnn against a peer: the same BiLSTM classifier trained and run with Keras 3 (torch backend).

    TEXTRNN_CORPORA=../shared/corpora python tools/bench_keras.py [--train-n 2000] [--repeats 2]
        [--keras-dir /tmp/textrnn-keras] [--write docs/BENCHMARKS.md]

Keras is never a textrnn dependency: this script installs it (`pip install --target --no-deps
keras absl-py namex optree ml-dtypes h5py`, once) into --keras-dir and runs the Keras side in a
child process with that folder on PYTHONPATH and KERAS_BACKEND=torch, so both sides use the
same torch.

Both sides get the same token ids (SST-2 train, the first --train-n examples, and the 1,821 test
sentences, a 20k-word vocabulary) and the same network: embedding 100 → BiLSTM 192 per
direction → last states of both directions → dropout 0.5 → linear 2; Adam(W) at 1e-3, batch 32,
one epoch, then prediction at batch 64. Each side batches as its users would: textrnn in length
buckets with packed sequences (its training engine's `batches`), Keras on arrays padded to the
longest example with `mask_zero=True`. Both run on 2 threads. The sides alternate --repeats
times and the medians are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.common import corpora, machine_line, publish  # noqa: E402

KERAS = ["keras==3.15.1", "absl-py", "namex", "optree", "ml-dtypes", "h5py"]
E, H, LABELS = 100, 192, 2

KERAS_SIDE = r'''
import json, os, sys, time
import numpy as np
import torch
torch.set_num_threads(2)
import keras
from keras import layers
d = np.load(sys.argv[1])
xtr, ytr, xte, yte = d["xtr"], d["ytr"], d["xte"], d["yte"]
V, E, H = int(d["V"]), int(d["E"]), int(d["H"])
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((xtr.shape[1],), dtype="int32"), layers.Embedding(V, E, mask_zero=True),
                          layers.Bidirectional(layers.LSTM(H)), layers.Dropout(0.5), layers.Dense(2)])
model.compile(optimizer=keras.optimizers.Adam(1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
model.fit(xtr[:64], ytr[:64], batch_size=32, epochs=1, verbose=0)            # warm-up
t = time.perf_counter(); model.fit(xtr, ytr, batch_size=32, epochs=1, verbose=0, shuffle=True)
train_s = time.perf_counter() - t
model.predict(xte[:64], batch_size=64, verbose=0)
t = time.perf_counter(); logits = model.predict(xte, batch_size=64, verbose=0)
predict_s = time.perf_counter() - t
result = {"train_s": train_s, "predict_s": predict_s, "accuracy": float((logits.argmax(1) == yte).mean()),
          "version": keras.__version__, "backend": keras.backend.backend()}

# the same network fed textrnn's length buckets, each padded only to its own longest example
buckets = json.loads(open(sys.argv[2]).read())
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(V, E, mask_zero=True),
                          layers.Bidirectional(layers.LSTM(H)), layers.Dropout(0.5), layers.Dense(2)])
model.compile(optimizer=keras.optimizers.Adam(1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
trim = lambda x: x[:, : max(1, int((x != 0).sum(1).max()))]
for idx in buckets["train"][:2]:
    model.train_on_batch(trim(xtr[idx]), ytr[idx])                              # warm-up
t = time.perf_counter()
for idx in buckets["train"]:
    model.train_on_batch(trim(xtr[idx]), ytr[idx])
result["bucketed_train_s"] = time.perf_counter() - t
correct = 0
t = time.perf_counter()
for idx in buckets["test"]:
    correct += int((np.asarray(model.predict_on_batch(trim(xte[idx]))).argmax(1) == yte[idx]).sum())
result["bucketed_predict_s"] = time.perf_counter() - t
result["bucketed_accuracy"] = correct / len(yte)
print(json.dumps(result))
'''


def ensure_keras(folder: Path) -> None:
    if (folder / "keras").is_dir():
        return
    print(f"installing {' '.join(KERAS)} into {folder} (benchmark only)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(folder), *KERAS], check=True)


def prepare(workdir: Path, train_n: int):
    from textrnn.data import read_labelled_tsv
    from textrnn.tokenizer import WordTokenizer

    c = corpora()
    train = read_labelled_tsv(c / "sst2" / "train.tsv")[:train_n]
    test = read_labelled_tsv(c / "sst2" / "test.tsv")
    labels = sorted({l for l, _ in train})
    tok = WordTokenizer.train((t for _, t in train), max_size=20000, lowercase=True)
    enc = lambda rows: ([[*ids][:64] or [1] for ids in tok.encode([t for _, t in rows])],  # noqa: E731
                        [labels.index(l) for l, _ in rows])
    return enc(train), enc(test), tok.vocab_size


def textrnn_side(train, test, V: int, seed: int = 1) -> dict:
    import torch

    from textrnn.data import length_batches, pad_batch
    from textrnn.heads.classify import Classifier, ClassifierConfig, batches

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    cfg = ClassifierConfig(labels=("0", "1"), vocab_size=V, embedding_dim=E, hidden_size=H, pooling="last", dropout=0.5)
    model = Classifier(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    encoded = list(zip(*train))

    def epoch(rows):
        model.train()
        for ids, lengths, y in batches(rows, 32, random.Random(seed)):
            _, loss = model(ids, lengths, y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    epoch(encoded[:64])                                                          # warm-up
    t = time.perf_counter()
    epoch(encoded)
    train_s = time.perf_counter() - t
    model.eval()
    xs, ys = test
    correct = 0
    with torch.inference_mode():
        t = time.perf_counter()
        for idx in length_batches([len(x) for x in xs], 64):
            ids, lengths = pad_batch([xs[i] for i in idx])
            logits, _ = model(ids, lengths)
            correct += sum(int(p == ys[i]) for p, i in zip(logits.argmax(1).tolist(), idx))
        predict_s = time.perf_counter() - t
    return {"train_s": train_s, "predict_s": predict_s, "accuracy": correct / len(ys)}


def keras_side(npz: Path, buckets: Path, folder: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(folder), "KERAS_BACKEND": "torch", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", KERAS_SIDE, str(npz), str(buckets)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: the Keras side failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train-n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--keras-dir", type=Path, default=Path("/tmp/textrnn-keras"))
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    import numpy as np

    ensure_keras(args.keras_dir)
    workdir = args.keras_dir.parent / "textrnn-bench-keras"
    workdir.mkdir(parents=True, exist_ok=True)
    train, test, V = prepare(workdir, args.train_n)
    width = max(map(len, train[0] + test[0]))
    pad = lambda xs: np.array([x + [0] * (width - len(x)) for x in xs], dtype=np.int32)  # noqa: E731
    npz = workdir / "data.npz"
    np.savez(npz, xtr=pad(train[0]), ytr=np.array(train[1]), xte=pad(test[0]), yte=np.array(test[1]), V=V, E=E, H=H)
    from textrnn.data import length_batches

    buckets = workdir / "buckets.json"
    buckets.write_text(json.dumps({"train": length_batches([len(x) for x in train[0]], 32, random.Random(1)),
                                   "test": length_batches([len(x) for x in test[0]], 64)}), encoding="utf-8")
    runs = {"textrnn": [], "keras": []}
    for r in range(args.repeats):
        runs["textrnn"].append(textrnn_side(train, test, V))
        runs["keras"].append(keras_side(npz, buckets, args.keras_dir))
        print(f"repeat {r + 1}: {json.dumps(runs)}", file=sys.stderr)
    med = {side: {k: statistics.median(x[k] for x in rs) for k in rs[0] if k.endswith(("_s", "accuracy"))}
           for side, rs in runs.items()}
    kv = runs["keras"][0]
    n_train, n_test = len(train[0]), len(test[0])
    t, k = med["textrnn"], med["keras"]
    rows = [("training, 1 epoch", "examples/s", n_train / t["train_s"], n_train / k["train_s"], n_train / k["bucketed_train_s"]),
            ("prediction", "sentences/s", n_test / t["predict_s"], n_test / k["predict_s"], n_test / k["bucketed_predict_s"])]
    lines = ["## Against a peer: Keras 3 (issue 9, item 3)", "",
             f"Command: `python tools/bench_keras.py --train-n {args.train_n} --repeats {args.repeats}`  ",
             machine_line() + f" Keras {kv['version']} ({kv['backend']} backend), installed for the benchmark only.", "",
             f"The same network on both sides (embedding {E} → BiLSTM {H} per direction → last states → linear 2), "
             f"the same token ids: SST-2 train, first {n_train:,} examples; test, {n_test:,} sentences. "
             f"Median of {args.repeats} alternating runs, 2 threads each. textrnn batches in length buckets with "
             "packed sequences. Keras runs twice: as its users usually feed it (`fit`/`predict` on arrays padded to "
             "the longest example, `mask_zero=True`), and on textrnn's own length buckets, each padded only to its "
             "longest example (`train_on_batch`/`predict_on_batch`) — the second isolates the recurrent kernels "
             "(Keras's torch backend steps through time in Python on CPU).", "",
             "| | unit | textrnn | Keras 3, padded arrays | Keras 3, same buckets | textrnn / Keras (padded · bucketed) | target |",
             "|---|---|---|---|---|---|---|"]
    for what, unit, a, b, c in rows:
        lines.append(f"| {what} | {unit} | {a:,.0f} | {b:,.0f} | {c:,.0f} | {a / b:.2f}× · **{a / c:.2f}×** | ≥ 2.5× |")
    lines.append(f"| test accuracy after the epoch | % | {100 * t['accuracy']:.1f} | {100 * k['accuracy']:.1f} | "
                 f"{100 * k['bucketed_accuracy']:.1f} | | same network, same data |")
    publish(lines, "keras", args.write)


if __name__ == "__main__":
    main()
