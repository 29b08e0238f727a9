"""The inbound gate: one at a time, urgent first, otherwise in arrival order."""

from __future__ import annotations

import asyncio

from bot.inbound import PriorityGate


async def test_urgent_overtakes_the_queue_and_order_is_kept_otherwise() -> None:
    gate = PriorityGate()
    order: list[str] = []
    release = asyncio.Event()

    async def work(name: str, urgent: bool) -> None:
        async with gate.slot(urgent):
            order.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(work("first", False))
    await asyncio.sleep(0)
    others = [asyncio.create_task(work(n, u)) for n, u in
              [("r1", False), ("r2", False), ("u1", True), ("r3", False), ("u2", True)]]
    await asyncio.sleep(0)
    assert gate.waiting == 5
    release.set()
    await asyncio.gather(first, *others)
    assert order == ["first", "u1", "u2", "r1", "r2", "r3"]
    assert gate.waiting == 0


async def test_a_cancelled_waiter_does_not_block_the_gate() -> None:
    gate = PriorityGate()
    hold = asyncio.Event()

    async def holder() -> None:
        async with gate.slot(False):
            await hold.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)

    async def waiter() -> None:
        async with gate.slot(True):
            pass

    cancelled = asyncio.create_task(waiter())
    later = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    cancelled.cancel()
    hold.set()
    await asyncio.wait_for(asyncio.gather(first, later), 2)
    async with gate.slot(False):  # free again
        pass
