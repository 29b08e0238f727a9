"""The door side of every channel: the inbox (``Intake``) and inbound priority (``PriorityGate``).

The inbox: a door (webhook or polling loop) verifies the event, stores it encrypted in one commit
(``bot.storage.Inbox``), and only then acknowledges it (HTTP 200, or the next polling offset). It
is then processed from the inbox: once, because the handlers record the channel's event id in the
same transaction as their effects, and again after a failure or a crash (on start, ``recover``
finishes whatever is left). A failing event is retried with backoff and, after
``max_attempts``, set aside as failed with an operator line in the log: it never blocks others.

Inbound priority: when many people write at once, a message that looks like danger is handled
before routine ones waiting in line.

Outbound priority alone is not enough: in a spike, an urgent message would otherwise wait behind
every routine update that arrived before it. Channels let updates run concurrently up to this
gate, triage the text first (cheap), and the gate lets one through at a time, urgent first and
otherwise in arrival order (so one person's messages keep their order).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.storage import Inbox, Store

log = logging.getLogger(__name__)


class CredentialRejected(Exception):
    """A platform rejected our credentials at start (revoked token, wrong API URL): no retry
    helps. The message names the setting to check and never holds the secret."""


class Unparseable(Exception):
    """The stored event is not one the channel can read: skipped (counted), never retried."""


@dataclass
class IntakeStats:
    received: int = 0
    duplicates: int = 0
    processed: int = 0
    unparseable: int = 0
    retried: int = 0
    failed: int = 0


class Intake:
    """The inbox of one channel: ``accept`` at the door, processing exactly once behind it."""

    def __init__(self, store: Store, channel: str,
                 process: Callable[[dict[str, Any]], Awaitable[None]],
                 max_attempts: int = 6, retry_base: float = 1.0, retry_cap: float = 300.0,
                 poll: float = 1.0) -> None:
        self.inbox = Inbox(store)
        self.channel = channel
        self.process = process
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.poll = poll
        self.stats = IntakeStats()
        self._inflight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, events: list[tuple[str, dict[str, Any]]],
                     wait: bool = False) -> list[str]:
        """Store events (key, body) in one commit, then start processing the new ones. When this
        returns, the door may acknowledge; when it raises, it must not. ``wait``: return after
        the first processing attempt too (its outcome changes nothing: the event is stored)."""
        if not events:
            return []
        fresh = await self.inbox.put(self.channel, events, dt.datetime.now(dt.UTC))
        self.stats.received += len(fresh)
        self.stats.duplicates += len(events) - len(fresh)
        bodies = dict(events)
        started = [task for key in fresh if (task := self._spawn(key, bodies[key], 0))]
        if wait and started:
            await asyncio.wait([asyncio.shield(task) for task in started])
        return fresh

    def _spawn(self, key: str, body: dict[str, Any], attempts: int) -> asyncio.Task[None] | None:
        if key in self._inflight:
            return None
        self._inflight.add(key)
        task = asyncio.get_running_loop().create_task(self._run(key, body, attempts))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, key: str, body: dict[str, Any], attempts: int) -> None:
        try:
            await self._process(key, body, attempts)
        except asyncio.CancelledError:
            raise  # stays pending in the inbox: the next start finishes it
        except Exception as exc:  # the store itself failed: the retry loop picks it up again
            log.error("%s inbox bookkeeping failed: %s", self.channel, type(exc).__name__)
        finally:
            self._inflight.discard(key)

    async def _process(self, key: str, body: dict[str, Any], attempts: int) -> None:
        try:
            await self.process(body)
        except Unparseable:
            self.stats.unparseable += 1
            log.warning("%s skipped an unparseable event (%d so far)", self.channel,
                        self.stats.unparseable)
            await self.inbox.finish(self.channel, key, dt.datetime.now(dt.UTC), failed=True)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            attempts += 1
            if attempts >= self.max_attempts:
                self.stats.failed += 1
                log.error("OPERATOR: a %s event failed %d times (%s) and was set aside",
                          self.channel, attempts, type(exc).__name__)
                await self.inbox.finish(self.channel, key, dt.datetime.now(dt.UTC), failed=True)
                return
            self.stats.retried += 1
            delay = min(self.retry_cap, self.retry_base * 2 ** (attempts - 1))
            delay *= random.uniform(0.5, 1.5)
            log.warning("%s event failed (%s), retry %d in %.1fs", self.channel,
                        type(exc).__name__, attempts, delay)
            await self.inbox.retry_at(self.channel, key,
                                      dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay))
            return
        self.stats.processed += 1
        await self.inbox.finish(self.channel, key, dt.datetime.now(dt.UTC))

    async def recover(self) -> int:
        """Start every pending event whose time has come (on start: whatever a crash left)."""
        rows = await self.inbox.pending(self.channel, dt.datetime.now(dt.UTC),
                                        skip=set(self._inflight))
        for row in rows:
            self._spawn(row.key, row.body, row.attempts)
        return len(rows)

    async def run(self) -> None:
        """Finish what is left, then keep retrying what failed (until cancelled)."""
        while True:
            try:
                await self.recover()
            except Exception as exc:
                log.error("%s inbox recovery failed: %s", self.channel, type(exc).__name__)
            await asyncio.sleep(self.poll)

    async def idle(self) -> None:
        """Wait until nothing started is still running (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


class PriorityGate:
    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @contextlib.asynccontextmanager
    async def slot(self, urgent: bool) -> AsyncIterator[None]:
        if self._busy or self._waiting:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (0 if urgent else 1, next(self._order), granted))
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():
                    self._release()  # granted just as we were cancelled: pass it on
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():
                granted.set_result(None)  # the gate stays busy: ownership moves on
                return
        self._busy = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)
