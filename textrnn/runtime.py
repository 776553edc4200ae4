"""The numeric precision a loaded model predicts in: fp32, or bfloat16 where the CPU does it natively.

bfloat16 keeps float32's 8-bit exponent and cuts the mantissa to 7 bits, so a network's activations
keep their range and lose only low digits: a label flips rarely (on the shipped models' dev sets, at
most one text or entity in several thousand). On a CPU with native bfloat16 arithmetic (AVX512-BF16:
AMD Zen 4, Intel Cooper Lake; AMX: Intel Sapphire Rapids and later Xeons) torch's oneDNN kernels run
the LSTM's matrix products in it faster than in fp32; elsewhere bfloat16 is emulated and slower, so
it is never chosen there.

Who decides:
- the model: its config's `precision` ("fp32" | "bf16") says in which it was measured to give the
  same answers (docs/BENCHMARKS.md has the dev scores in both); a model trained without the key is fp32;
- the user: `TEXTRNN_PRECISION` = auto (the default: the model's choice where the CPU has native
  bfloat16, else fp32) | fp32 (always; e.g. to compare with an exported ONNX file) | bf16 (always).

The fp32 network stays what `predictor.model` is (training, export, `inspect` and the reference
cells read it); a copy with bfloat16 recurrent layers is made once, when the predictor is made, and
only predictions run it (`predictor.runner`). Change the fp32 weights of a loaded predictor (load_state_dict, more
training) and its predictions keep the old ones: load the model again, or set
`predictor.runner = prediction_model(predictor.model, predictor.precision)`.

Threads: a recurrent network's matrix products are small (a batch of 64 × 160 units per step), and
splitting each one across cores gains little; running whole batches side by side, each on one
core, gains more (`map_batches`: 1.22× to 1.55× in fp32 on this machine's 2 cores, measured in
docs/BENCHMARKS.md). The server's batcher does the same with its own pool (serve/batching.py).
"""

from __future__ import annotations

import contextlib
import os
import threading

from textrnn.errors import ConfigError

ENV = "TEXTRNN_PRECISION"
MODEL_PRECISIONS = ("fp32", "bf16")      # what a model can ask for (`model.precision`)
CHOICES = ("auto", *MODEL_PRECISIONS)    # what a user can ask for (TEXTRNN_PRECISION)


def native_bf16() -> bool:
    """True when this CPU has bfloat16 arithmetic in hardware (AVX512-BF16 or AMX)."""
    import torch

    cpu = getattr(torch, "cpu", None)
    try:
        return bool(cpu._is_avx512_bf16_supported() or cpu._is_amx_tile_supported())
    except AttributeError:   # a torch without these probes: assume not
        return False


def requested() -> str:
    """What TEXTRNN_PRECISION asks for (auto when unset or empty); a bad value is a ConfigError."""
    asked = os.environ.get(ENV, "").strip().lower() or "auto"
    if asked not in CHOICES:
        raise ConfigError(f"{ENV}={os.environ[ENV]!r} is not a precision; choose one of: {', '.join(CHOICES)}",
                          hint=f"unset {ENV} for the default (auto: the model's choice where the CPU has native bfloat16)")
    return asked


def resolve(model_precision: str) -> str:
    """The precision predictions run in, from the model's choice and `TEXTRNN_PRECISION`."""
    asked = requested()
    if asked != "auto":
        return asked
    return model_precision if model_precision == "fp32" or native_bf16() else "fp32"


def prediction_model(model, precision: str):
    """The network predictions run: `model` itself for fp32, else a copy of it (eval mode) whose
    encoders' recurrent layers are in bfloat16; everything else (embeddings, convolutions, output
    layers, a CRF, a tagger's character BiLSTM) stays fp32 and each encoder casts at its edges
    (encoder.Encoder.forward).

    Why only the recurrent layers: oneDNN compiles a kernel for each shape of input it meets and
    keeps it, with its memory. The recurrent kernel sees few shapes (the padded path rounds steps
    and rows up, encoder.padded_directions), but an output layer over a (B·T, D) tensor sees a new
    one for nearly every batch: a whole-bfloat16 segmenter under a server's mix of batches grew
    from 440 to 1,258 MB in a minute, with only its recurrent layers in bfloat16 it stayed between
    379 and 421 MB at the same speed (docs/BENCHMARKS.md, "Serving")."""
    if precision == "fp32":
        return model
    import copy

    import torch

    from textrnn.encoder import Encoder

    runner = copy.deepcopy(model).eval()
    for m in runner.modules():
        if isinstance(m, Encoder):
            m.rnn.to(torch.bfloat16)
    return runner


def longest_first(order: list[int], batch_size: int) -> list[list[int]]:
    """`order` (indices sorted by length, shortest first) cut into batches, the longest batch first:
    run side by side on threads, the longest work starts first and the threads finish together
    (the longest-processing-time-first rule), rather than one thread ending alone on the longest."""
    return [order[b: b + batch_size] for b in range(0, len(order), batch_size)][::-1]


_THREADS_LOCK = threading.Lock()   # torch's thread count is process-wide: one parallel map at a time


def map_batches(fn, batches: list, threads: int | None = None) -> list:
    """[fn(b) for b in batches], `threads` batches at once (default: torch's thread count), each on
    one intra-op thread, in inference mode; torch's thread count is restored afterwards. One batch,
    or one thread, runs in the calling thread as it is. The pool's threads do not inherit the
    caller's thread-local torch modes other than inference mode (autocast, no_grad): `fn` sets what
    it needs. torch's thread count is process-wide, so one map runs at a time (a lock): while it
    runs, other threads' torch calls run on one thread too."""
    import torch

    threads = min(threads or torch.get_num_threads(), len(batches))
    if threads < 2:
        return [fn(b) for b in batches]

    def run(batch):
        with torch.inference_mode():   # a thread-local mode: the pool's threads need it too
            return fn(batch)

    from concurrent.futures import ThreadPoolExecutor

    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        pool = ThreadPoolExecutor(threads, thread_name_prefix="textrnn-batch")
        try:
            return list(pool.map(run, batches))
        except BaseException:            # Ctrl-C or an error: drop the batches not started
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            torch.set_num_threads(before)


@contextlib.contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector while many small results are built (a dict per token).

    Each few hundred new objects trigger a collection that walks the young objects, and every so
    often all of them, torch's and the models' included: building the 25,000 token records of UD
    English EWT test took 0.18 s with the collector on and 0.03 s with it paused. The records hold no
    reference cycles, so reference counting frees them all the same.
    """
    import gc

    if not gc.isenabled():   # paused already (a caller, another thread): leave it to them
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
