"""Several workers on one PostgreSQL: what runs once across the fleet.

Any worker takes any webhook (the inbox's event key makes it exactly once) and every worker's
sender claims outgoing rows (``OutgoingQueue.pending``). A few things must run at one worker
only, under a ``FleetLock``: the poller of each polled channel (``exclusive``: a second poller
would take the same updates), and the periodic jobs whose effects are not idempotent
(``once``: escalation, alert dispatch, the idle sweep, the purge, a token refresh). When the
holder dies its lock is freed by PostgreSQL and a survivor takes over within seconds. On
SQLite (one process) both simply run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.storage import Store

log = logging.getLogger(__name__)

TAKE_OVER_SECONDS = 1.0  # how often a worker without the lock tries it (and the holder checks)


async def exclusive(store: Store, name: str, job: Callable[[], Coroutine[Any, Any, None]],
                    check: float = TAKE_OVER_SECONDS) -> None:
    """Run ``job`` (a loop, such as a poller) only while this worker holds the fleet lock
    ``name``: wait for it, run, and stop the job at once if the lock is lost."""
    lock = store.locks.fleet(name)
    try:
        while True:
            if not await lock.held():
                await asyncio.sleep(check)
                continue
            log.info("this worker runs %s", name)
            task = asyncio.create_task(job())
            lost = False
            try:
                while not task.done():
                    await asyncio.wait({task}, timeout=check)
                    if not task.done() and not await lock.held():
                        log.warning("lost the %s lock; another worker takes over", name)
                        lost = True
                        break
            finally:
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if not lost:
                return  # the job ended by itself (as it would with one worker)
    finally:
        await lock.release()


def once(store: Store, name: str,
         job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
    """``job``, run by whichever worker holds the fleet lock ``name`` (the others skip it)."""
    lock = store.locks.fleet(name)

    async def run() -> object:
        if await lock.held():
            return await job()
        return None

    return run
