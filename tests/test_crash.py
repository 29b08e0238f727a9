"""Crash test: ``binhan run`` killed with SIGKILL twenty times at random moments while a burst
of people write (some in danger), through Telegram polling, the Telegram webhook and the Zalo
OA webhook (alerts go to the Telegram staff group in every case).

What must hold afterwards (issue 11):
- every event the door acknowledged (webhook 200 / polling offset) was processed;
- every person in danger has a case and their alert reached the staff group;
- nothing is sent twice beyond the documented at-least-once boundary: a kill between Telegram
  accepting a message and the store marking it sent repeats that one message, so at most one
  repeat per kill.

Each ``binhan run`` is forked from a pre-loaded parent (tests/crash_child.py), so a restart costs
a fraction of a second and the whole test stays well under a minute on two cores."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import aiohttp

from tests.conversation import SECRET
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.fake_zalo import OA_APP_ID, OA_APP_SECRET, OA_SECRET_KEY, FakeZaloOA

ROOT = Path(__file__).resolve().parent.parent
GROUP = -100777
KILLS = 20
PEOPLE = 60  # per door; every fifth one in danger
URGENT = ["cuu em voi ck em dang danh em", "no bop co em, em sap chet",
          "chong toi cam dao doa giet toi", "cuu voi bo dang danh me con em",
          "nguoi yeu dang danh em chay mau"]
ROUTINE = ["xin chao", "alo ad oi", "e can tu van", "cho em hoi ntn a", "hello, i need help",
           "chao ban minh muon hoi chut"]


class Zygote:
    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Zygote:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.crash_child", env=env, cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
        assert await self._line() == "ready"
        return self

    async def _line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), 60)).decode().strip()

    async def fork(self, env: dict[str, str]) -> int:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(f"fork {json.dumps(env)}\n".encode())
        await self.process.stdin.drain()
        return int(await self._line())

    async def __aexit__(self, *exc: object) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def with_oa(env: dict[str, str], oa: FakeZaloOA, port: int) -> dict[str, str]:
    """Zalo OA beside Telegram (which carries the staff group), on the shared webhook server."""
    return {**env, "ZALO_OA_APP_ID": OA_APP_ID, "ZALO_OA_APP_SECRET": OA_APP_SECRET,
            "ZALO_OA_SECRET_KEY": OA_SECRET_KEY, "ZALO_OA_ACCESS_TOKEN": "access-1",
            "ZALO_OA_REFRESH_TOKEN": "refresh-1", "ZALO_OA_API_URL": oa.url,
            "ZALO_OA_OAUTH_URL": oa.url, "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}"}


def environment(db: Path, fake: FakeTelegram, webhook_port: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update({"SECRET_KEY": SECRET, "DATABASE_PATH": str(db), "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": fake.url, "STAFF_CHAT_ID": str(GROUP),
                "TELEGRAM_PER_CHAT_INTERVAL": "0", "TELEGRAM_PER_SECOND": "1000",
                "LOG_LEVEL": "ERROR"})
    if webhook_port is not None:
        env.update({"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/tg",
                    "TELEGRAM_WEBHOOK_SECRET": "crash-test-secret",
                    "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{webhook_port}"})
    return env


def burst(fake: FakeTelegram, rng: random.Random) -> tuple[list[dict], set[int]]:
    """``PEOPLE`` people write once each; every fifth is in danger."""
    updates, urgent_people = [], set()
    for person in range(PEOPLE):
        chat_id = 910000 + person
        chat = fake.chat(chat_id)
        danger = person % 5 == 2
        text = rng.choice(URGENT if danger else ROUTINE)
        if danger:
            urgent_people.add(chat_id)
        message = fake._new_message(chat, fake._user(chat_id), text=text)
        updates.append({"update_id": fake.next_update_id(), "message": message})
    return updates, urgent_people


def oa_burst(oa: FakeZaloOA, rng: random.Random) -> tuple[list[dict], set[str]]:
    events, urgent_people = [], set()
    for person in range(PEOPLE):
        user = f"84{person:011d}"
        danger = person % 5 == 2
        if danger:
            urgent_people.add(user)
        events.append(oa.text_event(user, rng.choice(URGENT if danger else ROUTINE)))
    return events, urgent_people


async def deliver_oa(oa: FakeZaloOA, events: list[dict], acknowledged: set[str]) -> None:
    """Zalo posts each event once; a post that got no 200 is posted again here, so that every
    event ends up acknowledged and the check covers all of them."""
    for event in events:
        while True:
            try:
                if await oa.deliver(event) == 200:
                    acknowledged.add(event["message"]["msg_id"])
                    break
            except (aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.03)


async def deliver(fake: FakeTelegram, updates: list[dict], port: int | None,
                  acknowledged: set[int]) -> None:
    """As Telegram does: polling serves the queue; a webhook post is repeated until it gets 200."""
    async with aiohttp.ClientSession() as http:
        for update in updates:
            if port is None:
                await fake.push(update)
                acknowledged.add(update["update_id"])
            while port is not None:
                try:
                    async with http.post(f"http://127.0.0.1:{port}/tg", json=update, headers={
                            "X-Telegram-Bot-Api-Secret-Token": "crash-test-secret"}) as r:
                        if r.status == 200:
                            acknowledged.add(update["update_id"])
                            break
                except (aiohttp.ClientError, OSError):
                    pass
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.03)


def db_state(db: Path, ids: set, channel: str = "telegram") -> tuple[int, int, int]:
    """(acknowledged but unprocessed, outgoing unsent, alerts undelivered)."""
    with sqlite3.connect(db, timeout=10) as con:
        done = {r[0].split(":", 1)[1] for r in con.execute(
            "SELECT event_id FROM processed_events WHERE event_id LIKE ?", (f"{channel}:%",))}
        done = {int(d) for d in done} if channel == "telegram" else done
        unsent = con.execute("SELECT COUNT(*) FROM outgoing WHERE done_at IS NULL").fetchone()[0]
        alerts = con.execute(
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
    return len(ids - done), unsent, alerts


async def crash_burst(zygote: Zygote, tmp_path: Path, webhook: bool, seed: int) -> None:
    rng = random.Random(seed)
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    port = free_port() if webhook else None
    db = tmp_path / "crash.db"
    updates, urgent_people = burst(fake, rng)
    acknowledged: set[int] = set()
    try:
        env = environment(db, fake, port)
        sender = asyncio.create_task(deliver(fake, updates, port, acknowledged))
        await kill_repeatedly(zygote, env, rng)
        pid = await zygote.fork(env)  # the last start: let it finish everything
        await asyncio.wait_for(sender, 60)
        ids = {u["update_id"] for u in updates}
        await settle(db, ids, "telegram")
        await stop(pid, db)
        assert acknowledged == ids
        missing, unsent, undelivered = db_state(db, ids)
        assert (missing, unsent, undelivered) == (0, 0, 0)
        alerts = [m["text"] for m in fake.bot_messages(GROUP)]
        codes = collections.Counter(t.split("·")[1].split()[0] for t in alerts if "·" in t)
        with sqlite3.connect(db) as con:
            urgent_cases = {r[0] for r in con.execute(
                "SELECT code FROM cases WHERE tier = 'urgent'")}
        assert len(urgent_cases) == len(urgent_people)  # one case per person in danger
        assert urgent_cases <= set(codes)  # every one alerted
        repeats = sum(n - 1 for n in codes.values())
        for person in range(910000, 910000 + PEOPLE):
            texts = [m.get("text", "") for m in fake.bot_messages(person)]
            assert texts, person  # everybody got an answer
            repeats += len(texts) - len(set(texts))
        assert repeats <= KILLS  # the at-least-once boundary: one message in flight per kill
    finally:
        await fake.stop()


async def kill_repeatedly(zygote: Zygote, env: dict[str, str], rng: random.Random) -> None:
    for _ in range(KILLS):
        pid = await zygote.fork(env)
        await asyncio.sleep(rng.uniform(0.1, 0.45))
        os.kill(pid, signal.SIGKILL)


async def settle(db: Path, ids: set, channel: str) -> None:
    for _ in range(600):
        await asyncio.sleep(0.1)
        if db.exists() and db_state(db, ids, channel) == (0, 0, 0):
            return


async def stop(pid: int, db: Path) -> None:
    """SIGTERM, then wait until the run let go of its lock (a clean stop)."""
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        with sqlite3.connect(db, timeout=10) as con:
            if not con.execute("SELECT COUNT(*) FROM locks").fetchone()[0]:
                return
        await asyncio.sleep(0.05)


async def test_kill_9_during_bursts_at_every_door(tmp_path: Path) -> None:
    """Telegram polling, Telegram webhook, Zalo OA webhook: one pre-loaded parent for all."""
    async with Zygote() as zygote:
        await crash_burst(zygote, tmp_path / "polling", webhook=False, seed=11)
        await crash_burst(zygote, tmp_path / "webhook", webhook=True, seed=12)
        await crash_oa(zygote, tmp_path / "oa")


async def crash_oa(zygote: Zygote, tmp_path: Path) -> None:
    rng = random.Random(13)
    fake, oa = FakeTelegram(), FakeZaloOA()
    await fake.start()
    await oa.start()
    fake.chat(GROUP, "supergroup")
    port = free_port()
    oa.webhook_url = f"http://127.0.0.1:{port}/zalo/oa"
    db = tmp_path / "crash.db"
    events, urgent_people = oa_burst(oa, rng)
    ids = {e["message"]["msg_id"] for e in events}
    acknowledged: set[str] = set()
    try:
        env = with_oa(environment(db, fake, None), oa, port)
        sender = asyncio.create_task(deliver_oa(oa, events, acknowledged))
        await kill_repeatedly(zygote, env, rng)
        pid = await zygote.fork(env)
        await asyncio.wait_for(sender, 60)
        await settle(db, ids, "zalo_oa")
        await stop(pid, db)
        assert acknowledged == ids
        assert db_state(db, ids, "zalo_oa") == (0, 0, 0)
        alerts = [m["text"] for m in fake.bot_messages(GROUP)]
        codes = collections.Counter(t.split("·")[1].split()[0] for t in alerts if "·" in t)
        with sqlite3.connect(db) as con:
            urgent_cases = {r[0] for r in con.execute(
                "SELECT code FROM cases WHERE tier = 'urgent'")}
        assert len(urgent_cases) == len(urgent_people)
        assert urgent_cases <= set(codes)
        repeats = sum(n - 1 for n in codes.values())
        for event in events:
            texts = oa.texts_to(event["sender"]["id"])
            assert texts
            repeats += len(texts) - len(set(texts))
        assert repeats <= KILLS
        assert oa.refused == []
    finally:
        await oa.stop()
        await fake.stop()
