"""Failover: two ``binhan run`` workers on one PostgreSQL, Telegram polling, a burst of people
writing (every fifth in danger); the worker that polls is killed with SIGKILL mid-burst.

What must hold (issue 14, item 4):
- nothing lost: every update Telegram handed out is processed, every person gets an answer,
  every person in danger has one case and its alert reached the staff group;
- no alert doubled: one alert per urgent case, beyond the documented at-least-once boundary (a
  kill between Telegram accepting a message and the store marking it sent repeats that one
  message: at most one repeat for the one kill);
- polling resumes on the survivor (the second half of the burst arrives after the kill), and
  never two pollers at once (Telegram answers a second concurrent getUpdates with 409).

The workers are forked from the crash test's pre-loaded parent (tests/crash_child.py)."""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import asyncpg

from tests.fake_telegram import FakeTelegram
from tests.test_crash import GROUP, PEOPLE, ROUTINE, URGENT, Zygote, environment


class PollWatch:
    """Wraps the fake's getUpdates to record when each long poll ran."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.spans: list[tuple[float, float]] = []
        real = fake.api_getUpdates

        async def watched(params: dict[str, Any]) -> list[dict[str, Any]]:
            start = time.monotonic()
            try:
                return await real(params)
            finally:
                self.spans.append((start, time.monotonic()))

        fake.api_getUpdates = watched  # type: ignore[method-assign]

    def most_at_once(self, since: float, until: float) -> int:
        spans = [s for s in self.spans if since <= s[0] < until]
        return max((sum(1 for o in spans if o[0] <= s[0] < o[1]) for s in spans), default=0)


async def pg_state(url: str, ids: set[int]) -> tuple[int, int, int]:
    """(handed out but unprocessed, outgoing unsent, alerts undelivered)."""
    conn = await asyncpg.connect(url)
    try:
        done = {int(r[0].split(":", 1)[1]) for r in await conn.fetch(
            "SELECT event_id FROM processed_events WHERE event_id LIKE 'telegram:%'")}
        unsent = await conn.fetchval("SELECT COUNT(*) FROM outgoing WHERE done_at IS NULL")
        alerts = await conn.fetchval("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
    finally:
        await conn.close()
    return len(ids - done), int(unsent), int(alerts)


def burst(fake: FakeTelegram, rng: random.Random) -> tuple[list[dict[str, Any]], set[int]]:
    """``PEOPLE`` people write once each through Telegram polling; every fifth is in danger."""
    updates, urgent_people = [], set()
    for person in range(PEOPLE):
        chat_id = 910000 + person
        chat = fake.chat(chat_id)
        danger = person % 5 == 2
        if danger:
            urgent_people.add(chat_id)
        message = fake._new_message(chat, fake._user(chat_id),
                                    text=rng.choice(URGENT if danger else ROUTINE))
        updates.append({"update_id": fake.next_update_id(), "message": message})
    return updates, urgent_people


async def until(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.1)


async def test_the_poller_killed_mid_burst_loses_and_doubles_nothing(
        tmp_path: Path, pg_url: str) -> None:
    rng = random.Random(14)
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    watch = PollWatch(fake)
    updates, urgent_people = burst(fake, rng)
    ids = {u["update_id"] for u in updates}
    env = {**environment(tmp_path / "unused.db", fake), "DATABASE_URL": pg_url,
           "ESCALATE_AFTER_SECONDS": "3600"}  # only first alerts in this test
    try:
        async with Zygote() as zygote:
            first = await zygote.fork(env)

            async def polling() -> bool:
                return bool(watch.spans)

            await until(polling, 60)  # the first worker holds the poller's lock
            second = await zygote.fork(env)
            await asyncio.sleep(1.5)  # the second is up, waiting for the lock
            half = len(updates) // 2
            for update in updates[:half]:
                await fake.push(update)
                await asyncio.sleep(0.03)
            os.kill(first, signal.SIGKILL)  # mid-burst: some updates taken, not yet processed
            killed_at = time.monotonic()
            for update in updates[half:]:
                await fake.push(update)
                await asyncio.sleep(0.03)

            async def settled() -> bool:
                return await pg_state(pg_url, ids) == (0, 0, 0)

            # the killed worker's claimed rows come back after the send lease (60 s)
            await until(settled, 150)
            os.kill(second, signal.SIGTERM)
            await asyncio.sleep(1.0)
        conn = await asyncpg.connect(pg_url)
        try:
            urgent_cases = {r[0] for r in await conn.fetch(
                "SELECT code FROM cases WHERE tier = 'urgent'")}
        finally:
            await conn.close()
    finally:
        await fake.stop()
    alerts = [m["text"] for m in fake.bot_messages(GROUP)]
    codes = collections.Counter(t.split("·")[1].split()[0] for t in alerts if "·" in t)
    assert len(urgent_cases) == len(urgent_people)  # one case per person in danger
    assert urgent_cases <= set(codes)  # every one alerted
    repeats = sum(n - 1 for n in codes.values())
    for person in range(910000, 910000 + PEOPLE):
        texts = [m.get("text", "") for m in fake.bot_messages(person)]
        assert texts, person  # everybody got an answer
        repeats += len(texts) - len(set(texts))
    assert repeats <= 1  # the at-least-once boundary: one message in flight at the kill
    # polling resumed on the survivor, and there was never more than one poller at a time
    assert watch.most_at_once(0, killed_at) == 1
    assert any(start > killed_at for start, _end in watch.spans)
    assert watch.most_at_once(killed_at + 0.6, float("inf")) == 1
