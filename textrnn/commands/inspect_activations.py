"""`textrnn inspect activations`: σ and tanh, their derivatives, and what a product of many of them does.

Backpropagation through time multiplies, at every step it goes back, by the derivative of the
activation at that step (the diag(1 − h_t²) of tanh in the tutorial's section 9, or σ'(a) for a
gate). σ'(a) = σ(a)(1 − σ(a)) is at most 0.25 and tanh'(a) = 1 − tanh(a)² at most 1, both at
a = 0 and smaller everywhere else. So even before any weight matrix, the product of n
derivatives can only shrink: at best 0.25ⁿ for σ (1e-60 after 100 steps), and for tanh 1 only if
every pre-activation is exactly 0. The "typical" column is the product for pre-activations drawn
from a standard normal distribution, exp(n · E[log f'(a)]), computed by numerical integration
(no sampling, so the numbers are exact to the digits shown).
"""

from __future__ import annotations

import math
from pathlib import Path

STEPS = (1, 10, 50, 100)
POINTS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)


def derivatives():
    """{name: (f, f')} for σ and tanh, as torch functions."""
    import torch

    return {"σ": (torch.sigmoid, lambda a: torch.sigmoid(a) * (1 - torch.sigmoid(a))),
            "tanh": (torch.tanh, lambda a: 1 - torch.tanh(a) ** 2)}


def typical_log_derivative(df) -> float:
    """E[log f'(a)] for a ~ N(0, 1), by the trapezoid rule on [−10, 10]."""
    import torch

    a = torch.linspace(-10, 10, 20001, dtype=torch.float64)
    pdf = torch.exp(-a ** 2 / 2) / math.sqrt(2 * math.pi)
    return float(torch.trapezoid(torch.log(df(a)) * pdf, a))


def activations(out: Path, force: bool = False, as_json: bool = False) -> None:
    import torch

    from textrnn.commands.inspect import _emit, _table, check_out, num
    from textrnn.commands.inspect_plots import plot_activations

    out = check_out(out, force)
    funcs = derivatives()
    x = torch.tensor(POINTS, dtype=torch.float64)
    values = {name: (f(x).tolist(), df(x).tolist()) for name, (f, df) in funcs.items()}
    rows = [[f"{p:g}"] + [f"{values[n][k][i]:.4f}" for n in funcs for k in (0, 1)] for i, p in enumerate(POINTS)]
    best = {n: float(df(torch.zeros(1, dtype=torch.float64))) for n, (_, df) in funcs.items()}
    typical = {n: typical_log_derivative(df) for n, (_, df) in funcs.items()}
    products = {n: {s: (best[n] ** s, math.exp(s * typical[n])) for s in STEPS} for n in funcs}
    prow = [[str(s)] + [f"{products[n][s][k]:.1e}" for n in funcs for k in (0, 1)] for s in STEPS]
    text = ("the activations and their derivatives at a few pre-activations a\n"
            + _table(["a", "σ(a)", "σ'(a)", "tanh(a)", "tanh'(a)"], rows)
            + "\nthe product of n derivatives, as backpropagation through n steps multiplies them: at best (every a = 0) "
              "and typically (a drawn from a standard normal)\n"
            + _table(["n", "σ' best", "σ' typical", "tanh' best", "tanh' typical"], prow))
    plot_activations(funcs, products, STEPS, out)
    summary = {"points": list(POINTS), "functions": {n: {"value": [num(v) for v in values[n][0]],
                                                         "derivative": [num(v) for v in values[n][1]]} for n in funcs},
               "products": {n: {str(s): {"best": num(b), "typical": num(t)} for s, (b, t) in products[n].items()}
                            for n in funcs},
               "png": str(out)}
    _emit(summary, text, as_json, out)
