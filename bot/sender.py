"""The outbound sender: drains the ``outgoing`` queue with pacing, priority and retries.

Why our own: python-telegram-bot's ``AIORateLimiter`` retries nothing by default and does not pace
per private chat (channels.md). Messages are queued in the same transaction as the conversation
state, so a crash never loses a reply; this loop sends them:
- urgent replies and staff alerts (priority 0) before routine ones when the queue is long;
- at most one message per ``per_chat_interval`` to each chat, in the order they were queued;
- at most ``per_second`` messages overall;
- a rate-limit answer (Telegram 429 ``retry_after``) pauses sending for that long and retries;
- a refusal (blocked bot, deleted message) is counted and dropped, never raised at the person.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.storage import OutgoingQueue

log = logging.getLogger(__name__)


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry in {seconds}s")
        self.seconds = seconds


class Refused(Exception):
    """The platform will never accept this call (blocked, unknown chat, nothing to delete)."""


class Transport(Protocol):
    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        """Make one API call; return the ids of messages it created in the chat."""
        ...


@dataclass
class Pacing:
    # Just under Telegram's limits (1/s per chat, ~30/s per bot): on the limit itself, timing
    # jitter earns 429s, and each one pauses all sending for retry_after (benchmarks).
    per_chat_interval: float = 1.05
    per_second: int = 28
    idle_poll: float = 0.5


@dataclass
class SenderStats:
    sent: int = 0
    refused: int = 0
    rate_limited: int = 0


class PacedSender:
    def __init__(
        self,
        queue: OutgoingQueue,
        channel: str,
        transport: Transport,
        pacing: Pacing | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        fifo: bool = False,
    ) -> None:
        self.fifo = fifo  # ignore priority (only to measure what priority buys: benchmarks)
        self.queue = queue
        self.channel = channel
        self.transport = transport
        self.pacing = pacing or Pacing()
        self.stats = SenderStats()
        self._monotonic = monotonic
        self._next_for_chat: dict[str, float] = {}
        self._recent: deque[float] = deque()
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._stepping = asyncio.Lock()  # one step at a time, or a row could be sent twice

    def wake(self) -> None:
        self._wake.set()

    def _global_wait(self, now: float) -> float:
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if now < self._paused_until:
            return self._paused_until - now
        if len(self._recent) >= self.pacing.per_second:
            return 1.0 - (now - self._recent[0])
        return 0.0

    async def step(self) -> float:
        """Send what may be sent now; return how long to wait before the next step."""
        async with self._stepping:
            return await self._step()

    async def _step(self) -> float:
        rows = await self.queue.pending(self.channel, dt.datetime.now(dt.UTC),
                                        by_priority=not self.fifo)
        if not rows:
            return self.pacing.idle_poll
        wait = self.pacing.idle_poll
        sent_any = False
        seen: set[str] = set()
        for row_id, conversation, _priority, payload in rows:
            if conversation in seen:
                continue  # one chat's messages go in the order they were queued
            seen.add(conversation)
            now = self._monotonic()
            global_wait = self._global_wait(now)
            if global_wait > 0:
                return global_wait
            chat_wait = self._next_for_chat.get(conversation, 0.0) - now
            if chat_wait > 0:
                wait = min(wait, chat_wait)
                continue
            await self._send(row_id, conversation, payload)
            sent_any = True
        return 0.0 if sent_any else wait

    async def _send(self, row_id: int, conversation: str, payload: dict[str, Any]) -> None:
        now = self._monotonic()
        self._recent.append(now)
        self._next_for_chat[conversation] = now + self.pacing.per_chat_interval
        try:
            ids = await self.transport.call(payload["chat"], payload["method"], payload["params"])
        except RetryLater as exc:
            self.stats.rate_limited += 1
            resume = self._monotonic() + exc.seconds
            self._paused_until = max(self._paused_until, resume)
            self._next_for_chat[conversation] = max(self._next_for_chat[conversation], resume)
            await self.queue.retry_at(
                row_id, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=exc.seconds)
            )
            return
        except Refused as exc:
            self.stats.refused += 1
            log.warning("%s refused a %s call (%s)", self.channel, payload["method"], exc)
            if payload.get("must_deliver"):
                # A staff alert is never dropped: retry slowly until an operator fixes the cause.
                await self.queue.retry_at(row_id, dt.datetime.now(dt.UTC)
                                          + dt.timedelta(seconds=60))
                return
            await self.queue.done(row_id, dt.datetime.now(dt.UTC), failed=True)
            return
        self.stats.sent += 1
        ledger = conversation if payload.get("ledger") else None
        await self.queue.done(row_id, dt.datetime.now(dt.UTC), ledger, ids,
                              remember=payload.get("remember"))

    async def run(self) -> None:
        """Send forever (until cancelled)."""
        while True:
            try:
                wait = await self.step()
            except Exception as exc:  # the loop must survive anything a send throws
                log.error("%s sender step failed: %s", self.channel, type(exc).__name__)
                wait = 1.0
            if wait > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def drain(self, timeout: float = 30.0) -> None:
        """Send until nothing is pending (tests and shutdown)."""
        deadline = self._monotonic() + timeout
        while await self.queue.count_pending(self.channel):
            if self._monotonic() > deadline:
                raise TimeoutError("outgoing queue not drained")
            wait = await self.step()
            if wait > 0:
                await asyncio.sleep(min(wait, 0.05))
