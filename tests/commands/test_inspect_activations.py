"""`textrnn inspect activations`: σ, tanh, their derivatives and products, printed and drawn."""

import json
import math

from typer.testing import CliRunner

from textrnn.cli import app
from textrnn.commands.inspect_activations import derivatives, typical_log_derivative

runner = CliRunner()


def test_derivative_bounds_and_typical_product():
    import torch

    a = torch.linspace(-8, 8, 1601, dtype=torch.float64)
    funcs = derivatives()
    assert float(funcs["σ"][1](a).max()) == 0.25 and float(funcs["tanh"][1](a).max()) == 1.0
    # E[log σ'(a)] for a ~ N(0, 1) lies below log 0.25: the typical product shrinks faster than the best one
    assert typical_log_derivative(funcs["σ"][1]) < math.log(0.25) < 0


def test_command(tmp_path):
    out = tmp_path / "act.png"
    r = runner.invoke(app, ["inspect", "activations", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["products"]["σ"]["100"]["best"] == float(f"{0.25 ** 100:.4g}")
    assert out.read_bytes()[:4] == b"\x89PNG"
    r = runner.invoke(app, ["inspect", "activations", "--out", str(out)])
    assert r.exit_code == 1 and "exists" in r.stderr and "--force" in r.stderr and "Traceback" not in r.output
