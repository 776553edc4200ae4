"""textrnn: recurrent neural networks on text — classify, tag, generate, translate.

    >>> import textrnn
    >>> textrnn.load("sentiment").predict(["a great film", "dull"])

Importing textrnn is cheap; torch is imported when a model is loaded.
"""

from __future__ import annotations

__version__ = "0.1.0"


def load(name_or_path, task: str | None = None):
    """Load a shipped model by name (`sentiment`, `spam`) or a model directory by path.

    Returns the task's predictor (for classification: `.predict(texts)` → label and probabilities
    per text). With `task`, a model of another task is refused with a clear error. A `.onnx` file
    made by `textrnn export` loads as the same predictor running its network in ONNX Runtime.
    """
    from pathlib import Path

    from textrnn.bundle import read_config, resolve_model
    from textrnn.errors import BundleError
    from textrnn.heads import HEADS, head_module

    if str(name_or_path).endswith(".onnx") and Path(name_or_path).is_file():
        from textrnn.export import load_onnx

        predictor = load_onnx(Path(name_or_path))
        if task is not None and predictor.task != task:
            raise BundleError(f"model {str(name_or_path)!r} is a {predictor.task!r} model, not a {task!r} model",
                              hint=f"give a {task} model; `textrnn models` lists them with their tasks")
        return predictor
    directory = resolve_model(name_or_path)
    config = read_config(directory)
    if config["task"] not in HEADS:
        raise BundleError(f"{directory}/config.json: unknown task {config['task']!r}; this textrnn knows: {', '.join(HEADS)}",
                          hint="upgrade textrnn or re-train the model")
    if task is not None and config["task"] != task:
        raise BundleError(f"model {str(name_or_path)!r} is a {config['task']!r} model, not a {task!r} model",
                          hint=f"give a {task} model; `textrnn models` lists them with their tasks")
    return head_module(config["task"]).Predictor.from_bundle(directory, config)
