"""textrnn/plot.py: the training-curves picture draws what the run logged, and only that."""

import json

import pytest

from textrnn.plot import plot_run, run_title

plt = pytest.importorskip("matplotlib.pyplot")


def write_run(tmp_path, records, config=None):
    d = tmp_path / "my-run"
    d.mkdir()
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    if config is not None:
        (d / "model").mkdir()
        (d / "model" / "config.json").write_text(json.dumps(config))
    return d


def drawn(monkeypatch, run_dir):
    """plot_run's figure, caught before it is closed."""
    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: (figures.append(fig), close(fig)))
    plot_run(run_dir)
    assert (run_dir / "curves.png").read_bytes()[:4] == b"\x89PNG"
    return figures[0]


def record(epoch, **extra):
    return {"epoch": epoch, "step": 10 * epoch, "train_loss": 1 / epoch, "lr": 1e-3, "dev": {"accuracy": 0.5}, **extra}


def test_an_old_run_without_gradient_norms_has_no_empty_panel(tmp_path, monkeypatch):
    fig = drawn(monkeypatch, write_run(tmp_path, [record(1), record(2)]))
    assert [a.get_title() for a in fig.axes] == ["loss", "dev accuracy (best 0.5)"]


def test_constant_learning_rate_clip_and_legend(tmp_path, monkeypatch):
    records = [record(e, grad_norm=3.0 / e, clip=1.0, clipped_steps=max(0, 3 - e)) for e in (1, 2, 3)]
    fig = drawn(monkeypatch, write_run(tmp_path, records))
    grads, lr_axis = fig.axes[2], fig.axes[-1]
    assert grads.get_title() == "gradients and learning rate"
    labels = [t.get_text() for t in grads.get_legend().get_texts()]
    assert labels == ["gradient norm (mean before clipping)", "clip = 1", "learning rate (right axis)"]
    assert lr_axis.get_ylim()[0] == 0                  # 1e-3 drawn flat from 0, not on a 0.00096–0.00104 axis
    clipping = fig.axes[3]
    assert clipping.get_title() == "gradient clipping at 1: steps rescaled"
    assert [t.get_text() for t in clipping.texts] == ["2/10", "1/10", "0/10"]


def test_title_says_what_was_trained_never_the_path(tmp_path):
    config = {"task": "classify", "model": {"cell": "gru", "hidden_size": 128, "num_layers": 1, "bidirectional": True}}
    d = write_run(tmp_path, [record(1)], config)
    assert run_title(d) == "my-run: classify, GRU, 1 layer of 128, bidirectional"
    (d / "model" / "config.json").write_text("{not json")
    assert run_title(d) == "my-run" and str(tmp_path) not in run_title(d)
