"""The inbox at the Telegram doors: an acknowledged update is never lost, a processing failure
is retried (not swallowed), a crash leaves it in the inbox for the next start, and an update
python-telegram-bot cannot parse is skipped alone and counted."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from pathlib import Path

import aiohttp
import pytest

from bot.logs import configure_logging
from bot.storage import Inbox
from bot.webhook import WebhookServer, nesting_depth, telegram_route
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import CHAT, RunningBot, until

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")

SECRET_TOKEN = "door-secret"


def text_update(fake: FakeTelegram, text: str, chat: int = CHAT) -> dict:
    fake.chat(chat)
    return {"update_id": fake.next_update_id(), "message": {
        "message_id": fake.next_update_id(), "date": 1,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "Lan"}, "text": text}}


class Flaky:
    """Makes the engine fail the next ``times`` calls, as a locked disk or a bug would."""

    def __init__(self, bot: RunningBot, times: int) -> None:
        self.left = times
        self.real = bot.channel.engine.handle
        bot.channel.engine.handle = self  # type: ignore[method-assign]

    async def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.left > 0:
            self.left -= 1
            raise OSError("disk I/O error")
        return await self.real(*args, **kwargs)


async def test_webhook_answers_200_only_after_storing_and_a_failure_is_retried(
        fake: FakeTelegram, tmp_path: Path) -> None:
    async with RunningBot(fake, tmp_path / "t.db", polling=False) as bot:
        bot.channel.intake.retry_base = 0.05
        bot.channel.intake.poll = 0.05
        flaky = Flaky(bot, times=2)
        server = WebhookServer("127.0.0.1", 0)
        server.add("/t", telegram_route(bot.channel, SECRET_TOKEN))
        await server.start()
        update = text_update(fake, "cuu em voi, ck em dang danh em")
        try:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN}
            async with aiohttp.ClientSession() as http, http.post(
                    f"http://127.0.0.1:{server.port}/t", json=update, headers=headers) as response:
                assert response.status == 200
            await bot.settled(update)  # processed in the end although it failed twice
        finally:
            await server.stop()
        assert flaky.left == 0
        assert "113" in bot.texts()
        assert bot.channel.intake.stats.retried == 2
        assert await Inbox(bot.store).count_pending() == 0


async def test_an_update_stored_before_a_crash_is_processed_on_the_next_start(
        fake: FakeTelegram, tmp_path: Path) -> None:
    update = text_update(fake, "ck dang cam dao doa giet em")
    async with RunningBot(fake, tmp_path / "t.db", polling=False) as bot:
        bot.channel.intake.process = _never  # the process dies before it gets to the update
        await bot.channel.accept_update(update)
        await bot.channel.intake.stop()
        assert await Inbox(bot.store).count_pending("telegram") == 1
    async with RunningBot(fake, tmp_path / "t.db", polling=False) as bot:
        await bot.settled(update)
        assert "113" in bot.texts()
        assert await Inbox(bot.store).count_pending() == 0
        async with bot.store.unit_of_work() as uow:
            assert (await uow.store.db.execute_fetchall(
                "SELECT COUNT(*) FROM inbox WHERE body IS NOT NULL"))[0][0] == 0


async def _never(body: dict) -> None:
    await asyncio.Event().wait()


async def test_polling_skips_an_unparseable_update_alone_and_logs_no_content(
        fake: FakeTelegram, tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    out = io.StringIO()
    configure_logging("DEBUG", out)  # the product's own set-up, at its most talkative
    try:
        await _unparseable_scenario(fake, tmp_path)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    logged = out.getvalue()
    for secret in ("Nguyễn", "0912345678", str(CHAT), "so dien thoai", "xin chao", "lan_private"):
        assert secret not in logged
    assert "unparseable" in logged


async def _unparseable_scenario(fake: FakeTelegram, tmp_path: Path) -> None:
    async with RunningBot(fake, tmp_path / "t.db") as bot:
        fake.chat(CHAT)
        bad = {"update_id": fake.next_update_id(), "message": {
            "message_id": "not-a-number", "date": "yesterday", "chat": {"id": CHAT},
            "from": {"first_name": "Nguyễn Thị Lan", "phone_number": "0912345678"},
            "text": "so dien thoai em 0912345678"}}
        await fake.push(bad)
        after = await fake.user_sends(CHAT, text="xin chao")
        await bot.settled(after)
        assert "nguy hiểm" in bot.texts()
        await until(lambda: bot.channel.intake.stats.unparseable == 1)


async def test_webhook_refuses_deep_or_huge_bodies_before_parsing(
        fake: FakeTelegram, tmp_path: Path) -> None:
    assert nesting_depth(b'{"a": "[[[[", "b": [[1]]}') == 3
    async with RunningBot(fake, tmp_path / "t.db", polling=False) as bot:
        server = WebhookServer("127.0.0.1", 0)
        server.add("/t", telegram_route(bot.channel, SECRET_TOKEN))
        await server.start()
        url = f"http://127.0.0.1:{server.port}/t"
        try:
            async with aiohttp.ClientSession() as http:
                deep = b'{"update_id": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
                async with http.post(url, data=deep, headers={
                        "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN}) as response:
                    assert response.status in (400, 413)
                async with http.post(url, data=deep) as response:  # no secret: not even read
                    assert response.status == 403
        finally:
            await server.stop()
        assert await Inbox(bot.store).count_pending() == 0


async def test_redelivered_update_is_stored_once(fake: FakeTelegram, tmp_path: Path) -> None:
    async with RunningBot(fake, tmp_path / "t.db", polling=False) as bot:
        update = text_update(fake, "xin chao")
        await bot.channel.accept_update(update)
        await bot.channel.accept_update(update)
        await bot.settled(update)
        assert bot.channel.intake.stats.duplicates == 1
        assert len([m for m in fake.bot_messages(CHAT) if "nguy hiểm" in m.get("text", "")]) == 1
        now = dt.datetime.now(dt.UTC)
        assert await Inbox(bot.store).pending("telegram", now) == []
