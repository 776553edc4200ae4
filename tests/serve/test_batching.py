"""Dynamic batching on a stand-in model: concurrent requests share forward passes, each gets its
own results back in order, a full queue says so, and a request that gave up costs nothing."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from textrnn.serve.batching import Batcher, Pool, QueueFull


class Model:
    """Records the batches it is given; `gate` holds a forward pass until the test lets it go."""

    def __init__(self, delay: float = 0.0):
        self.batches: list[list[str]] = []
        self.delay = delay
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, texts):
        self.gate.wait(5)
        time.sleep(self.delay)
        self.batches.append(list(texts))
        return [t.upper() for t in texts]


def run(coro):
    return asyncio.run(coro)


def test_concurrent_requests_share_a_forward_pass():
    async def main():
        model, pool = Model(), Pool(1)
        b = Batcher(model, pool, max_batch=64, max_wait_ms=50)
        results = await asyncio.gather(*(b.submit([f"t{i}", f"u{i}"]) for i in range(10)))
        pool.close()
        return model, results
    model, results = run(main())
    assert results == [[f"T{i}", f"U{i}"] for i in range(10)]       # each request its own results, in order
    assert len(model.batches) == 1 and len(model.batches[0]) == 20


def test_without_batching_each_request_is_its_own_pass():
    async def main():
        model, pool = Model(), Pool(1)
        b = Batcher(model, pool, batching=False)
        results = await asyncio.gather(*(b.submit([f"t{i}"]) for i in range(5)))
        pool.close()
        return model, results
    model, results = run(main())
    assert results == [[f"T{i}"] for i in range(5)] and sorted(map(len, model.batches)) == [1] * 5


def test_a_batch_holds_at_most_max_batch_texts_and_whole_requests():
    async def main():
        model, pool = Model(), Pool(1)
        b = Batcher(model, pool, max_batch=4, max_wait_ms=50)
        results = await asyncio.gather(*(b.submit(["a", "b", "c"]) for _ in range(3)), b.submit(["z"] * 9))
        pool.close()
        return model, results
    model, results = run(main())
    assert results[-1] == ["Z"] * 9                                   # a request larger than max_batch goes alone
    assert all(len(batch) <= 4 or set(batch) == {"z"} for batch in model.batches)


def test_a_full_queue_is_refused_at_once():
    async def main():
        model, pool = Model(), Pool(1)
        model.gate.clear()                                            # the first pass blocks: work piles up
        b = Batcher(model, pool, max_batch=2, max_wait_ms=0, max_queue=4)
        first = asyncio.ensure_future(b.submit(["a", "b"]))
        await asyncio.sleep(0.05)                                     # taken into the (blocked) pass
        waiting = asyncio.ensure_future(b.submit(["c", "d", "e", "f"]))
        await asyncio.sleep(0.01)
        with pytest.raises(QueueFull, match="busy"):
            await b.submit(["g"])
        model.gate.set()
        out = await asyncio.gather(first, waiting)
        pool.close()
        return out
    assert run(main()) == [["A", "B"], ["C", "D", "E", "F"]]


def test_a_request_that_gave_up_is_dropped_before_its_pass():
    async def main():
        model, pool = Model(), Pool(1)
        model.gate.clear()
        b = Batcher(model, pool, max_batch=1, max_wait_ms=0)
        first = asyncio.ensure_future(b.submit(["a"]))
        await asyncio.sleep(0.05)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(b.submit(["gave up"]), 0.05)
        model.gate.set()
        await first
        await b.submit(["c"])
        pool.close()
        return model
    model = run(main())
    assert ["gave up"] not in model.batches
    assert model.batches == [["a"], ["c"]]


def test_an_error_reaches_every_request_of_its_batch():
    def broken(texts):
        raise ValueError("bad batch")

    async def main():
        pool = Pool(1)
        b = Batcher(broken, pool, max_wait_ms=20)
        out = await asyncio.gather(b.submit(["a"]), b.submit(["b"]), return_exceptions=True)
        pool.close()
        return out
    assert all(isinstance(e, ValueError) for e in run(main()))
