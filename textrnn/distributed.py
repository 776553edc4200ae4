"""Training on several processes with PyTorch's DistributedDataParallel (DDP).

    torchrun --nproc_per_node=2 -m textrnn train CONFIG.toml --out runs/x          # one machine
    torchrun --nnodes=2 --node_rank=0|1 --nproc_per_node=2 \\
             --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 -m textrnn train CONFIG.toml   # two machines

torchrun starts one process per worker and sets RANK / WORLD_SIZE / LOCAL_WORLD_SIZE / MASTER_ADDR
in their environment; `setup()` reads them. Without them (a plain `textrnn train`) everything here
is a no-op and training runs in one process.

How the work is split: every process builds the same model (same seed) and walks the same shuffled
list of batches; each takes its own rows of every global batch (rows r, r + W, r + 2W, ... for
process r of W), so `train.batch_size` stays the *global* batch size. After backward, DDP averages
the gradients over processes (gloo on CPU, NCCL on GPU). Each process's loss is weighted by its
share of the batch's examples, so the average is the whole batch's mean gradient: the same
global batch gives the same update as one process would (exactly for a loss per example, as in
classification and for a language model's equal windows; per token, it is the mean of the
processes' token means). Only process 0 logs and writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Dist:
    rank: int = 0                  # this process (0 logs and writes)
    world: int = 1                 # W processes in all
    local_world: int = 1           # processes on this machine (they share its cores)

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup(threads: int = 0) -> Dist:
    """Join the process group torchrun set up (gloo on CPU), or return a single-process Dist."""
    import torch

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    d = Dist(rank=dist.get_rank(), world=dist.get_world_size(), local_world=int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    if not threads:  # processes on one machine share its cores instead of each taking them all
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // d.local_world))
    return d


def wrap(model, d: Dist, device=None):
    """The module to call in training: DDP around the model (on its GPU, if any), or the model itself."""
    if d.world == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    on_gpu = device is not None and device.type == "cuda"
    return DistributedDataParallel(model, device_ids=[device] if on_gpu else None)


def shard(batch: tuple, d: Dist) -> tuple[tuple, float]:
    """This process's rows of a global batch, and the weight that makes the processes' averaged
    gradient equal to the whole batch's: (rows here / all rows) · W. Tensors whose first dimension
    is the batch are split; anything else (a language model's carried-state dict) passes through."""
    if d.world == 1:
        return batch, 1.0
    import torch

    B = next(t.size(0) for t in batch if isinstance(t, torch.Tensor))
    if B < d.world:   # too few rows to go round (a last, small batch): every process takes all of them
        return batch, 1.0
    rows = len(range(d.rank, B, d.world))
    part = tuple(t[d.rank::d.world] if isinstance(t, torch.Tensor) and t.dim() and t.size(0) == B else t for t in batch)
    return part, rows / B * d.world


def agree(flag: bool, d: Dist) -> bool:
    """True only if `flag` is true in every process (so all skip a bad step together, or none)."""
    if d.world == 1:
        return flag
    import torch
    import torch.distributed as dist

    t = torch.tensor([1 if flag else 0])
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def same_everywhere(value, d: Dist, what: str) -> None:
    """Check that every process computed the same `value` (e.g. the tokenizer's vocabulary)."""
    if d.world == 1:
        return
    import torch.distributed as dist

    from textrnn.errors import TextrnnError

    values = [None] * d.world
    dist.all_gather_object(values, value)
    if any(v != values[0] for v in values):
        raise TextrnnError(f"the {what} differs between processes", hint="train it once in one process and start from it (`init`)")


def barrier(d: Dist) -> None:
    if d.world > 1:
        import torch.distributed as dist

        dist.barrier()


def finish(d: Dist) -> None:
    if d.world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
