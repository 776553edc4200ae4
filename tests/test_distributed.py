"""Two processes with DistributedDataParallel (gloo, CPU) train like one process on the same global batch."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from textrnn.bundle import load_weights
from textrnn.distributed import Dist, shard
from textrnn.train import train
from tests.conftest import tiny_classify_config

ROOT = Path(__file__).resolve().parent.parent


def test_shard_splits_rows_and_weights_them():
    x, y = torch.arange(10).view(5, 2), torch.arange(5)
    (a, b, carry), w0 = shard((x, y, {"state": 1}), Dist(rank=0, world=2))
    assert a.tolist() == [[0, 1], [4, 5], [8, 9]] and b.tolist() == [0, 2, 4] and carry == {"state": 1}
    (a, b, _), w1 = shard((x, y, {}), Dist(rank=1, world=2))
    assert b.tolist() == [1, 3] and w0 + w1 == 2      # weights average to 1 over the processes
    (a, b), w = shard((x[:1], y[:1]), Dist(rank=1, world=2))
    assert b.tolist() == [0] and w == 1.0             # a batch too small to split: both take it all


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_match_one(tmp_path):
    config = tiny_classify_config(epochs=2, batch_size=8)
    config["model"]["dropout"] = 0.0                  # dropout masks would differ between processes
    train(config, tmp_path / "one", quiet=True)

    script = tmp_path / "worker.py"
    script.write_text(
        "import json, sys\n"
        "from textrnn.train import train\n"
        "config = json.loads(sys.argv[1])\n"
        "train(config, sys.argv[2], quiet=True)\n", encoding="utf-8")
    port = _free_port()
    procs = []
    for rank in range(2):
        env = {**os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "PYTHONPATH": str(ROOT)}
        procs.append(subprocess.Popen([sys.executable, str(script), json.dumps(config), str(tmp_path / "two")],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out

    one, two = load_weights(tmp_path / "one" / "model"), load_weights(tmp_path / "two" / "model")
    assert one.keys() == two.keys()
    for k in one:
        assert torch.allclose(one[k].float(), two[k].float(), atol=1e-5), k
    m1 = [json.loads(l) for l in (tmp_path / "one" / "metrics.jsonl").read_text().splitlines()]
    m2 = [json.loads(l) for l in (tmp_path / "two" / "metrics.jsonl").read_text().splitlines()]
    assert [r["dev"]["accuracy"] for r in m1] == [r["dev"]["accuracy"] for r in m2]
    assert not list((tmp_path / "two").glob("member*"))  # and only one set of files: process 0's
