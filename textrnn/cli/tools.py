"""`textrnn export | benchmark | models | info | serve`: a model's other lives."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from textrnn.cli.app import MAX_BATCH, app, handle_errors
from textrnn.errors import TextrnnError


@app.command()
@handle_errors
def export(
    model: str = typer.Argument(..., help="A classify or tag model: a shipped name or a model directory."),
    onnx: Path = typer.Option(..., "--onnx", help="The .onnx file to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite --onnx if it exists."),
    int8: bool = typer.Option(False, "--int8", help="int8 weights (dynamic quantization): faster for the "
                              "classifiers, scores within ~0.1 point (docs/BENCHMARKS.md)."),
):
    """Export a model's network to ONNX; run it with `--model FILE.onnx` (ONNX Runtime)."""
    import textrnn
    from textrnn.export import export as run

    if onnx.suffix != ".onnx":
        raise TextrnnError(f"{onnx}: the file name must end in .onnx", hint="e.g. --onnx sentiment.onnx")
    diff = run(textrnn.load(model), model, onnx, force, int8=int8)
    print(f"wrote {onnx}{' with int8 weights' if int8 else ''} (largest difference from torch on sample "
          f"inputs: {diff:.1e}); run it with "
          f"`--model {onnx}`", file=sys.stderr)
    print(onnx)


benchmark_app = typer.Typer(help="Measure a model on this machine.", no_args_is_help=True)
app.add_typer(benchmark_app, name="benchmark")


@benchmark_app.command("speed")
@handle_errors
def benchmark_speed(
    model: str = typer.Option(..., "--model", "-m", help="A shipped model name or a model directory."),
    data: Optional[Path] = typer.Option(None, "--data", help="Inputs, one per line (default: the model's own test data)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, max=MAX_BATCH, help="Inputs per batch (default: the command's)."),
    passes: int = typer.Option(10, "--passes", help="Timed passes after one warm-up pass."),
    limit: int = typer.Option(0, "--limit", min=0, help="Use only the first N inputs (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
):
    """Throughput (words/s, sentences/s or tokens/s by task): mean and 95 % confidence interval over passes."""
    from textrnn.commands.benchmark import speed

    r = speed(model, data, batch_size, passes, limit)
    if as_json:
        from textrnn.commands.output import json_line

        print(json_line(r))
    else:
        print(f"{r['model']}: {r['mean']:,.0f} ± {r['ci95']:,.0f} {r['unit']} (mean ± 95 % CI over {len(r['passes'])} "
              f"passes; median {r['median']:,.0f}; {r['inputs']:,} inputs, batch {r['batch_size']}, {r['threads']} threads, {r['precision']})")


@app.command()
@handle_errors
def models():
    """List the models shipped with textrnn: name, task, size and headline score."""
    from textrnn.commands.info import list_models

    print(list_models())


@app.command()
@handle_errors
def info(model: str = typer.Argument(..., help="A shipped model name or a model directory.")):
    """Print a model's config and measured scores as JSON."""
    from textrnn.commands.info import model_info
    from textrnn.commands.output import finite

    print(json.dumps(finite(model_info(model)), indent=2, ensure_ascii=False))   # never NaN: not JSON


@app.command()
@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    models: str = typer.Option("all", "--models", help="all, or a comma list of shipped models and NAME=DIRECTORY pairs."),
    workers: int = typer.Option(1, "--workers", help="Server processes (each loads the models)."),
    threads: int = typer.Option(2, "--threads", min=1, max=64, help="Forward passes run at once, per process."),
    batching: bool = typer.Option(True, "--batching/--no-batching", help="Gather concurrent requests into one forward pass."),
    max_batch: int = typer.Option(64, "--max-batch", min=1, max=MAX_BATCH, help="Texts in one gathered forward pass."),
    max_wait_ms: float = typer.Option(5.0, "--max-wait-ms", min=0, max=1000, help="How long a request waits for company."),
    max_body: int = typer.Option(1_000_000, "--max-body", min=1, help="Request body size limit in bytes (413 beyond)."),
    max_texts: int = typer.Option(256, "--max-texts", min=1, max=100_000, help="Texts per request (422 beyond)."),
    max_chars: int = typer.Option(10_000, "--max-chars", min=1, max=10_000_000, help="Characters per text (422 beyond)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.01, help="Seconds a request may take (504 beyond)."),
    max_queue: int = typer.Option(4096, "--max-queue", min=1, help="Texts waiting per model (503 with Retry-After beyond)."),
    preload: bool = typer.Option(False, "--preload", help="Load every model at start (default: on first use)."),
):
    """Serve models over HTTP: a JSON API under /v1 and a page at / that shows them at work."""
    from textrnn.bundle import shipped_models
    from textrnn.commands.serve import serve as run_server
    from textrnn.serve.settings import Settings, parse_models

    settings = Settings(models=parse_models(models, list(shipped_models())), max_body_bytes=max_body, max_texts=max_texts,
                        max_chars=max_chars, timeout_s=timeout, max_queue=max_queue, batching=batching,
                        max_batch=max_batch, max_wait_ms=max_wait_ms, threads=threads, preload=preload)
    run_server(settings, host=host, port=port, workers=workers)
