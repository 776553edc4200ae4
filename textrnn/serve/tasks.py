"""What each endpoint runs on a model, as plain functions of a predictor: `texts → results`
for the batched endpoints, `text → numbers` for the inspect ones. Everything returned is JSON:
lists, dicts, numbers rounded to what a page can show."""

from __future__ import annotations

from typing import Callable

DIGITS = 4   # decimals of the numbers behind the pictures: finer than any colour scale shows


def _numbers(t, digits: int = DIGITS):
    """A tensor (any shape) → nested lists of rounded floats."""
    return t.detach().float().mul(10 ** digits).round().div(10 ** digits).tolist()


# -- batched: texts → one result per text ---------------------------------------------------------
def classify(predictor) -> Callable[[list[str]], list]:
    return lambda texts: predictor.predict(texts)


def tag(predictor, tokenized: bool, segmenter: str = "auto") -> Callable[[list[str]], list]:
    return lambda texts: predictor.predict(texts, tokenized=tokenized, segmenter=segmenter)


def translate(predictor, beam: int | None, max_len: int | None, attention: bool) -> Callable[[list[str]], list]:
    return lambda texts: predictor.translate(texts, beam=beam, max_len=max_len, attention=attention)


def next_word(predictor, k: int) -> Callable[[list[str]], list]:
    """The k most probable next tokens after each text; null for an empty text (as the CLI
    gives an empty record for an empty line)."""
    def run(texts):
        keep = [i for i, t in enumerate(texts) if t.strip()]
        out: list = [None] * len(texts)
        for i, top in zip(keep, predictor.next_tokens([texts[i] for i in keep], k)):
            out[i] = [{"token": tok, "probability": p} for tok, p in top]
        return out
    return run


# -- one text: the numbers behind `textrnn inspect` -----------------------------------------------
def _reading_json(reading) -> dict:
    return {"tokens": reading.tokens, "unknown": reading.unknown, "prediction": reading.prediction,
            "probability": reading.probability, "members": reading.members}


def gates(predictor, text: str) -> dict:
    """Every gate of every unit at every token (inspect.gate_activations), per layer and direction,
    and the mean of each gate over the units: how open it is on the whole at that token."""
    from textrnn.inspect import gate_activations, read

    reading = read(predictor, text)
    g = gate_activations(reading)
    dirs = []
    for d in g["directions"]:
        row = {"layer": d["layer"], "direction": d["direction"],
               "gates": {n: _numbers(v) for n, v in d["gates"].items()},                  # name → (T, D)
               "gate_means": {n: _numbers(v.mean(1)) for n, v in d["gates"].items()},     # name → (T,)
               "hidden_norm": _numbers(d["hidden_norm"])}                                 # (T,)
        if "cell_norm" in d:
            row["cell_norm"] = _numbers(d["cell_norm"])
        dirs.append(row)
    return {**_reading_json(reading), "cell": g["cell"], "gate_names": g["gates"], "hidden_size": g["hidden_size"],
            "max_diff": g["max_diff"], "directions": dirs}


def hidden(predictor, text: str) -> dict:
    """The top layer's output at each token, its norm, its 2-D path (PCA), and for a
    bidirectional encoder the norms of the two directions apart (the backward half at token t
    has read the text from its end back to t)."""
    from textrnn.inspect import hidden_states, read

    reading = read(predictor, text)
    h = hidden_states(reading)
    D = reading.encoder.config.hidden_size
    out = {**_reading_json(reading), "states": _numbers(h["states"]), "norms": _numbers(h["norms"]),
           "pca": _numbers(h["pca"]), "explained": _numbers(h["explained"])}
    if reading.encoder.config.bidirectional:
        out["forward_norms"] = _numbers(h["states"][:, :D].norm(dim=1))
        out["backward_norms"] = _numbers(h["states"][:, D:].norm(dim=1))
    return out


def attention(predictor, text: str, beam: int | None = None) -> dict:
    """A translation with its attention weights: one row per target piece, one column per source piece."""
    from textrnn.inspect import check_text

    check_text(text)
    rec = predictor.translate([text], beam=beam, attention=True)[0]
    return {"translation": rec["translation"], "score": rec["score"], "source_pieces": rec["source_pieces"],
            "target_pieces": rec["target_pieces"],
            "attention": [[round(x, DIGITS) for x in row] for row in rec["attention"]]}
