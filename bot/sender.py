"""The outbound sender: drains the ``outgoing`` queue with pacing, priority and retries.

Why our own: python-telegram-bot's ``AIORateLimiter`` retries nothing by default and does not pace
per private chat (channels.md). Messages are queued in the same transaction as the conversation
state, so a crash never loses a reply; this loop sends them:
- urgent replies and staff alerts (priority 0) before routine ones when the queue is long;
- at most one message per ``per_chat_interval`` to each chat, in the order they were queued;
- at most ``per_second`` messages overall;
- a rate-limit answer (Telegram 429 ``retry_after``) pauses sending for that long and retries;
- every other outcome is classified, so no row can jam the queue or be sent twice:
  * ``Moved`` (a group became a supergroup): ``on_moved`` re-addresses the queued rows, retry now;
  * ``Refused`` (blocked bot, unknown chat): permanent, the row is dead-lettered (``failed``);
    a staff alert (``must_deliver``) is kept and retried slowly, with an operator line in the log;
  * anything else: retried with exponential backoff and jitter, dead-lettered after
    ``max_attempts`` (staff alerts: retried at the cap), with an operator line;
  * once the API accepted a row, it is done: a failure in the bookkeeping after that never
    sends it again (the row is remembered in memory until it is marked).
Selection is fair: each chat's head, never a global window one chat's backlog could fill.

A step picks what may go now (each chat's head, within the pacing), sends those calls, and marks
the accepted rows in one transaction (``OutgoingQueue.sent``), not one per message: at the end of
the step, or sooner once the oldest unmarked row is ``Pacing.mark_within`` old. That bound keeps
short the time a sent row is not yet on record (what a crash would send again, and what a quick
exit in that moment could miss deleting), as it was with one transaction per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.storage import OutgoingQueue
from bot.storage.delivery import Accepted

log = logging.getLogger(__name__)


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry in {seconds}s")
        self.seconds = seconds


class Refused(Exception):
    """The platform will never accept this call (blocked, unknown chat, nothing to delete)."""


class Moved(Exception):
    """The chat has a new id (Telegram: a group upgraded to a supergroup)."""

    def __init__(self, new_chat: Any) -> None:
        super().__init__("chat moved")
        self.new_chat = new_chat


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
    retry_base: float = 2.0  # seconds before the first retry of an unexplained failure
    retry_cap: float = 300.0
    max_attempts: int = 8  # then a row is dead-lettered (staff alerts: retried at the cap)
    mark_within: float = 0.05  # seconds a sent row may wait for the step's one bookkeeping


@dataclass
class SenderStats:
    sent: int = 0
    refused: int = 0
    rate_limited: int = 0
    failed: int = 0  # unexplained failures (each retried or dead-lettered)
    dead: int = 0
    moved: int = 0


class PacedSender:
    def __init__(
        self,
        queue: OutgoingQueue,
        channel: str,
        transport: Transport,
        pacing: Pacing | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        fifo: bool = False,
        on_moved: Callable[[Any, Any], Awaitable[None]] | None = None,
    ) -> None:
        self.on_moved = on_moved  # re-address rows when a chat moves (Moved)
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
        # Accepted by the API but not yet marked done: marked at the end of the step, or on a
        # later step if the store failed. Never sent again meanwhile.
        self._accepted: dict[int, Accepted] = {}
        self._accepted_since: float | None = None  # when the oldest unmarked row was accepted

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
        await self._mark_accepted()
        rows = await self.queue.pending(self.channel, dt.datetime.now(dt.UTC),
                                        by_priority=not self.fifo)
        rows = [row for row in rows if row[0] not in self._accepted]
        if not rows:
            return self.pacing.idle_poll
        wait = self.pacing.idle_poll
        capped = 0.0  # the global cap was reached: wait this long, whatever was sent
        sent_any = False
        seen: set[str] = set()
        try:
            for row_id, conversation, _priority, payload in rows:
                if conversation in seen:  # (heads are one per chat; kept for any queue)
                    continue  # one chat's messages go in the order they were queued
                seen.add(conversation)
                now = self._monotonic()
                global_wait = self._global_wait(now)
                if global_wait > 0:
                    capped = global_wait
                    break
                chat_wait = self._next_for_chat.get(conversation, 0.0) - now
                if chat_wait > 0:
                    wait = min(wait, chat_wait)
                    continue
                await self._send(row_id, conversation, payload)
                sent_any = True
                since = self._accepted_since
                if since is not None and self._monotonic() - since >= self.pacing.mark_within:
                    await self._mark_accepted()
        finally:
            await self._mark_accepted()  # every row this step sent, in one transaction
        if capped > 0:
            return capped
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
            await self.queue.retry_at(row_id, self._utcnow() + dt.timedelta(seconds=exc.seconds))
            return
        except Moved as exc:
            self.stats.moved += 1
            log.warning("%s chat moved; queued messages follow it", self.channel)
            self._next_for_chat.pop(conversation, None)
            if self.on_moved is not None:
                await self.on_moved(payload["chat"], exc.new_chat)
            else:
                await self.queue.readdress(self.channel, payload["chat"], exc.new_chat)
            return
        except Refused as exc:
            self.stats.refused += 1
            if payload.get("must_deliver"):
                # A staff alert is never dropped: retry slowly until an operator fixes the cause.
                log.error("OPERATOR: %s refused a staff alert (%s); check STAFF_CHAT_ID and the "
                          "bot's membership; retrying", self.channel, exc)
                await self.queue.retry_at(row_id, self._utcnow() + dt.timedelta(
                    seconds=self.pacing.retry_cap / 5))
                return
            log.warning("%s refused a %s call (%s)", self.channel, payload["method"], exc)
            await self.queue.done(row_id, self._utcnow(), failed=True)
            return
        except Exception as exc:  # unexplained: back off and retry, then give up on it
            self.stats.failed += 1
            await self._unexplained(row_id, payload, exc)
            return
        self.stats.sent += 1
        ledger = conversation if payload.get("ledger") else None
        self._accepted[row_id] = Accepted(row_id, ledger, ids, payload.get("remember"))
        if self._accepted_since is None:
            self._accepted_since = self._monotonic()

    async def _mark_accepted(self) -> None:
        """Mark every accepted row done in one transaction."""
        if not self._accepted:
            return
        rows = list(self._accepted.values())
        try:
            await self.queue.sent(rows, self._utcnow())
        except Exception as exc:
            log.error("%s could not record %d sent message(s) (%s)", self.channel, len(rows),
                      type(exc).__name__)
            return  # still in _accepted: marked on the next step, never sent again
        for row in rows:
            self._accepted.pop(row.row_id, None)
        self._accepted_since = None if not self._accepted else self._accepted_since

    async def _unexplained(self, row_id: int, payload: dict[str, Any], exc: Exception) -> None:
        attempts = await self.queue.attempts(row_id) + 1
        if attempts >= self.pacing.max_attempts and not payload.get("must_deliver"):
            self.stats.dead += 1
            log.error("OPERATOR: %s gave up on a %s call after %d attempts (%s)",
                      self.channel, payload["method"], attempts, type(exc).__name__)
            await self.queue.done(row_id, self._utcnow(), failed=True)
            return
        delay = min(self.pacing.retry_cap, self.pacing.retry_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.5, 1.5)
        log.warning("%s send failed (%s), attempt %d, retry in %.1fs", self.channel,
                    type(exc).__name__, attempts, delay)
        if attempts == self.pacing.max_attempts:
            log.error("OPERATOR: %s keeps failing to deliver a staff alert (%s)",
                      self.channel, type(exc).__name__)
        await self.queue.retry_at(row_id, self._utcnow() + dt.timedelta(seconds=delay))

    @staticmethod
    def _utcnow() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

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
                with contextlib.suppress(TimeoutError):  # not wait_for: see AlertDispatcher.run
                    async with asyncio.timeout(wait):
                        await self._wake.wait()

    async def drain(self, timeout: float = 30.0) -> None:
        """Send until nothing is pending (tests and shutdown)."""
        deadline = self._monotonic() + timeout
        while await self.queue.count_pending(self.channel):
            if self._monotonic() > deadline:
                raise TimeoutError("outgoing queue not drained")
            wait = await self.step()
            if wait > 0:
                await asyncio.sleep(min(wait, 0.05))
