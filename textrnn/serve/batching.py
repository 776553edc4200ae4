"""Dynamic batching: concurrent requests to one model, gathered into one forward pass.

A recurrent network reads a batch of 64 sentences in little more time than one (the matrix
products get wider, the number of steps stays the length of the longest sentence), so a server
that runs each request alone wastes most of its cores' work. As TorchServe and Triton do, each
model has a queue: while the model is busy, requests gather there — the first waits up to
`max_wait_ms` for others (or until `max_batch` texts are there), then waits for a free thread,
while more gather — and the gathered texts go through the network together. An idle model runs a
lone request at once, so batching costs a single client no latency. The
predictors sort a batch by length and cut it into buckets of similar length (heads/*.py), so
one long text does not make 63 short ones pay for its padding.

    request ─┐
    request ─┼─► queue of one model ─► gather (≤ max_wait_ms, ≤ max_batch texts) ─► thread pool ─► results
    request ─┘                                                     (one forward pass)    split back per request

With `batching=False` each request is its own forward pass (the baseline `tools/bench_serve.py`
measures against). The queue is bounded (`max_queue` texts): past it, `QueueFull` (HTTP 503
with Retry-After) rather than latencies that grow without end. A request that gives up (its
timeout) is dropped from the queue before it costs a forward pass.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from textrnn.errors import TextrnnError


class QueueFull(TextrnnError):
    """Too much work is waiting for this model (HTTP 503 with Retry-After)."""


class Pool:
    """The threads that run forward passes: `threads` at once, each with one torch thread."""

    def __init__(self, threads: int):
        import torch

        torch.set_num_threads(1)   # parallelism comes from running `threads` batches at once
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="textrnn-model")
        self.slots = asyncio.Semaphore(threads)

    async def call(self, fn: Callable, *args):
        async with self.slots:
            return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Job:
    texts: list[str]
    future: asyncio.Future


class Batcher:
    """One model's queue. `run(texts) -> results` (one per text) runs in the pool."""

    def __init__(self, run: Callable[[list[str]], list], pool: Pool, *, batching: bool = True,
                 max_batch: int = 64, max_wait_ms: float = 5.0, max_queue: int = 4096):
        self.run, self.pool = run, pool
        self.batching, self.max_batch, self.max_wait = batching, max_batch, max_wait_ms / 1000
        self.max_queue = max_queue
        self.jobs: deque[_Job] = deque()
        self.queued = 0                       # texts waiting (not yet in a forward pass)
        self.arrived = asyncio.Event()
        self.drainer: asyncio.Task | None = None
        self.running: set[asyncio.Task] = set()
        self.batches = self.texts_run = 0     # counts, for /health and the benchmark

    async def submit(self, texts: list[str]) -> list:
        if self.queued + len(texts) > self.max_queue:
            raise QueueFull(f"the server is busy: {self.queued:,} texts are waiting for this model",
                            hint="retry after a second, or send fewer texts at once")
        job = _Job(texts, asyncio.get_running_loop().create_future())
        self.jobs.append(job)
        self.queued += len(texts)
        self.arrived.set()
        if self.drainer is None or self.drainer.done():
            self.drainer = asyncio.get_running_loop().create_task(self._drain())
        return await job.future

    async def _gather_company(self) -> None:
        """Wait up to max_wait for the queue to fill to max_batch texts."""
        deadline = asyncio.get_running_loop().time() + self.max_wait
        while self.queued < self.max_batch:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                return

    def _take(self) -> list[_Job]:
        """The next batch: whole requests, up to max_batch texts (a larger request goes alone)."""
        batch, n = [], 0
        while self.jobs:
            job = self.jobs[0]
            if job.future.done():             # its client gave up: it costs nothing
                self.jobs.popleft()
                self.queued -= len(job.texts)
                continue
            if batch and (not self.batching or n + len(job.texts) > self.max_batch):
                break
            self.jobs.popleft()
            self.queued -= len(job.texts)
            batch.append(job)
            n += len(job.texts)
        return batch

    async def _drain(self) -> None:
        while self.jobs:
            if self.batching and self.running:   # the model is busy: wait a little for company
                await self._gather_company()     # (an idle model answers a lone request at once)
            await self.pool.slots.acquire()   # wait for a free thread; meanwhile more requests gather
            batch = self._take()
            if not batch:
                self.pool.slots.release()
                continue
            task = asyncio.get_running_loop().create_task(self._forward(batch))
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    async def _forward(self, batch: list[_Job]) -> None:
        texts = [t for job in batch for t in job.texts]
        try:
            results = await asyncio.get_running_loop().run_in_executor(self.pool.executor, self.run, texts)
        except Exception as e:               # every request of the batch hears of it
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(e)
            return
        finally:
            self.pool.slots.release()
        self.batches += 1
        self.texts_run += len(texts)
        at = 0
        for job in batch:
            if not job.future.done():
                job.future.set_result(results[at: at + len(job.texts)])
            at += len(job.texts)
