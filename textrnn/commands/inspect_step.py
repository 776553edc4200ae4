"""`textrnn inspect step MODEL TEXT`: the model's first recurrent step, computed by hand and by torch.

The equations of section 1 of the tutorial with real numbers: x_1 is the encoder's input at the
first token (a word vector, or for a character model the line end it reads first), h_0 = 0, and
one step of textrnn/cells.py (rnn_step, gru_step or lstm_step) with the model's own layer-0,
forward-direction weights gives h_1. Beside it, h_1 from torch's fused layer (nn.RNN / nn.GRU /
nn.LSTM) loaded with the same weights: the two columns agree to float precision, which is the
claim of cells.py ("the equations of torch.nn.RNN / GRU / LSTM") checked on a trained model.
"""

from __future__ import annotations

import torch

MAX_ROWS = 16   # units printed; the rest are compared, not shown


def first_step(reading) -> dict:
    """h_1 of layer 0, forward direction, by hand (cells.py) and by the fused kernel.

    Returns {"cell", "x": (I,), "by_hand": (D,), "fused": (D,), "parts": {"input": (D,),
    "recurrent": (D,)} for a plain RNN (W_ih x_1 + b_ih and W_hh h_0 + b_hh), "max_diff"}.
    """
    from textrnn.cells import STEPS
    from textrnn.encoder import Encoder, EncoderConfig

    config = reading.encoder.config
    weights = {k: v for k, v in reading.encoder.state_dict().items() if k.endswith("_l0")}   # layer 0, forward
    w_ih, w_hh = weights["rnn.weight_ih_l0"], weights["rnn.weight_hh_l0"]   # (G·D, I), (G·D, D)
    b_ih, b_hh = weights["rnn.bias_ih_l0"], weights["rnn.bias_hh_l0"]       # (G·D,)
    x1 = reading.x[0, :1].float()                                            # (1, I) the first input
    step, _, has_cell = STEPS[config.cell]
    h0 = torch.zeros(1, config.hidden_size)                                  # (1, D)
    with torch.no_grad():
        new, _ = step(x1, (h0, h0.clone()) if has_cell else h0, w_ih, w_hh, b_ih, b_hh)
        by_hand = (new[0] if has_cell else new)[0]                           # (D,)
        one_layer = Encoder(EncoderConfig(config.cell, config.input_size, config.hidden_size)).eval()   # fused
        one_layer.load_state_dict(weights)
        fused = one_layer(x1[None])[0][0, 0]                                 # (D,)
    parts = {"input": (x1 @ w_ih.T + b_ih)[0], "recurrent": (h0 @ w_hh.T + b_hh)[0]} if config.cell == "rnn" else {}
    return {"cell": config.cell, "x": x1[0], "by_hand": by_hand, "fused": fused, "parts": parts,
            "max_diff": float((by_hand - fused).abs().max())}


EQUATION = {"rnn": "h_1 = tanh(W_ih x_1 + b_ih + W_hh h_0 + b_hh)                 cells.rnn_step",
            "gru": "h_1 = (1 − z_1) ⊙ n_1 + z_1 ⊙ h_0, gates from x_1 and h_0     cells.gru_step",
            "lstm": "h_1 = o_1 ⊙ tanh(f_1 ⊙ c_0 + i_1 ⊙ g_1), gates from x_1 and h_0   cells.lstm_step"}


def step(model: str, text: str, as_json: bool = False) -> None:
    from textrnn.commands.inspect import _emit, _read_model, _table, nums, shown

    reading = _read_model(model, text)
    r = first_step(reading)
    D, I = r["by_hand"].numel(), r["x"].numel()
    header = ["unit"] + (["W_ih x_1 + b_ih", "W_hh h_0 + b_hh"] if r["parts"] else []) + ["h_1 by hand",
                                                                                        "h_1 fused"]
    rows = []
    for u in range(min(D, MAX_ROWS)):
        parts = [f"{float(r['parts'][k][u]):+.4f}" for k in ("input", "recurrent")] if r["parts"] else []
        rows.append([str(u)] + parts + [f"{float(r['by_hand'][u]):+.4f}", f"{float(r['fused'][u]):+.4f}"])
    x = " ".join(f"{v:+.3f}" for v in r["x"][:MAX_ROWS].tolist()) + (" …" if I > MAX_ROWS else "")
    fused_name = {"rnn": "nn.RNN", "gru": "nn.GRU", "lstm": "nn.LSTM"}[r["cell"]]
    text_out = (f"{model}: {r['cell']}, {D} units; step 1 of layer 0 (→) reads {shown(reading.tokens[0])!r}, "
                f"starting from h_0 = 0\n"
                f"x_1 ({I} numbers): {x}\n{EQUATION[r['cell']]}\n"
                + _table(header, rows)
                + (f"\n… {D - MAX_ROWS} more units" if D > MAX_ROWS else "")
                + f"\nlargest difference between by hand and torch.{fused_name} over the {D} units: {r['max_diff']:.1e}")
    summary = {"model": model, "cell": r["cell"], "token": reading.tokens[0], "x": nums(r["x"]),
               "by_hand": nums(r["by_hand"]), "fused": nums(r["fused"]), "max_diff": r["max_diff"]}
    _emit(summary, text_out, as_json, None)
