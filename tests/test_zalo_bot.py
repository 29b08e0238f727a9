"""The Zalo Bot platform as it really is: protected users' hidden messages, polling that
reports its errors, webhook in production. The project's httpx client against the loopback fake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import aiohttp
import pytest

from bot.alerts import alert_text
from bot.storage import Outbox
from bot.zalo_bot import ZaloBotClient
from handlers.catalogue import default_catalogue
from knowledge.search import default_search
from tests.conversation import Clock
from tests.fake_zalo import BOT_TOKEN
from tests.telegram_harness import until
from tests.test_zalo import ZaloWorld

HIDDEN = "message.unsupported.received"
GOOD = {"X-Bot-Api-Secret-Token": "zbot-secret-123"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def post(z: ZaloWorld, update: dict) -> int:
    async with aiohttp.ClientSession() as http, \
            http.post(z.bot_webhook, json=update, headers=GOOD) as response:
        status = response.status
    await z.settle()
    return status


async def test_a_protected_users_hidden_message_gets_111_113_and_staff_once(tmp_path,
                                                                           clock) -> None:
    """A child's message arrives without content: no "type a few words", but 111 and 113
    first, other ways to reach help, the note that we could not read it; staff are told once."""
    async with ZaloWorld(tmp_path, clock) as z:
        chat = "c0ffee01"
        assert await post(z, z.bot_fake.update(chat, event=HIDDEN)) == 200
        answer = z.bot_fake.texts_to(chat)[0]
        assert len(z.bot_fake.texts_to(chat)) == 1
        assert answer.index("111") < answer.index("113") < answer.index("Zalo đã ẩn")
        assert "người lớn mà bạn tin tưởng" in answer and "chỉ đọc được chữ" not in answer
        alerts = await Outbox(z.store).due(clock.now)
        assert [(a["tier"], a["reasons"]) for _, a, _ in alerts] == [
            ("routine", ["hidden_by_zalo"])]
        catalogue, gazetteer = default_catalogue(), default_search().gazetteer
        assert "message hidden by Zalo (protected user)" in alert_text(
            alerts[0][1], catalogue, gazetteer, "en")
        assert "tin nhắn bị Zalo ẩn (người dùng được bảo vệ)" in alert_text(
            alerts[0][1], catalogue, gazetteer)

        clock.advance(minutes=2)
        for _ in range(2):  # the child keeps writing: answered each time, one case only
            assert await post(z, z.bot_fake.update(chat, event=HIDDEN)) == 200
        assert len(z.bot_fake.texts_to(chat)) == 3
        assert "111" in z.bot_fake.texts_to(chat)[-1]
        assert len(await Outbox(z.store).due(clock.now)) == 1


async def test_a_sticker_is_still_asked_for_words(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        assert await post(z, z.bot_fake.update("s1", event="message.sticker.received")) == 200
        assert "chỉ đọc được chữ" in z.bot_fake.texts_to("s1")[0]
        assert await Outbox(z.store).due(clock.now) == []


class Polling:
    """``poll()`` running against the fake, with its backoff sleeps recorded (and kept short)."""

    def __init__(self, z: ZaloWorld) -> None:
        self.z = z
        self.delays: list[float] = []

        async def sleep(seconds: float) -> None:
            self.delays.append(seconds)
            await asyncio.sleep(0.01)

        z.zbot.sleep = sleep

    async def __aenter__(self) -> Polling:
        self.task = asyncio.create_task(self.z.zbot.poll())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def say(z: ZaloWorld, chat: str, text: str) -> None:
    before = len(z.bot_fake.texts_to(chat))
    z.bot_fake.push(z.bot_fake.update(chat, text))
    await until(lambda: len(z.bot_fake.texts_to(chat)) > before)
    await z.settle()


async def test_polling_deletes_a_leftover_webhook_first(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.bot_fake.webhook = {"url": "https://old.example.org/zalo/bot", "secret_token": "s"}
        async with Polling(z) as polling:
            await say(z, "d1", "chao")
            assert z.bot_fake.calls[0] == "deleteWebhook" and z.bot_fake.webhook == {}
            assert "nguy hiểm" in z.bot_fake.texts_to("d1")[0]
            assert polling.delays == []  # 408 (nothing yet) is normal: no backoff
            # Someone sets a webhook while we poll: delete it again, back off, carry on.
            z.bot_fake.webhook = {"url": "https://other.example.org/", "secret_token": "s"}
            await until(lambda: bool(polling.delays))
            await say(z, "d1", "2")
            assert z.bot_fake.calls.count("deleteWebhook") == 2
            assert "Bạn bao nhiêu tuổi?" in z.bot_fake.texts_to("d1")[-1]


async def test_polling_backs_off_on_429_and_other_errors_and_logs_no_secret(
        tmp_path, clock, caplog) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.bot_fake.poll_answers = [
            {"ok": False, "error_code": 429, "description": "Too many requests"},
            {"ok": False, "error_code": 429, "description": "Too many requests"},
            {"ok": False, "error_code": 429, "description": "Quota",
             "parameters": {"retry_after": 30}},
            {"ok": False, "error_code": 500, "description": "Internal error"},
        ]
        async with Polling(z) as polling:
            await say(z, "e1", "xin chao")  # answered once the errors are over
        assert len(polling.delays) == 4
        assert polling.delays[0] <= 1.0 < polling.delays[1] <= 2.0  # doubling, with jitter
        assert polling.delays[2] >= 30  # retry_after is honoured
        warnings = [r.getMessage() for r in caplog.records if r.name == "bot.zalo_bot"]
        assert sum("rate limited (429)" in w for w in warnings) == 3
        assert any("server error" in w for w in warnings)
        assert not any(BOT_TOKEN in w or "xin chao" in w for w in caplog.messages)


async def test_network_errors_back_off_with_jitter(tmp_path, clock, caplog) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{probe.getsockname()[1]}/bot"
        z.zbot.client = ZaloBotClient(z.http, closed, BOT_TOKEN)  # nothing listens there
        async with Polling(z) as polling:
            await until(lambda: len(polling.delays) >= 4)
        assert all(d > 0 for d in polling.delays)
        assert polling.delays[3] > polling.delays[0]
        assert any("network" in m for m in caplog.messages)
        assert not any(BOT_TOKEN in m for m in caplog.messages)


async def test_a_refused_token_stops_polling_loudly(tmp_path, clock, caplog) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.zbot.client = ZaloBotClient(z.http, z.bot_fake.base_url, "zbot-999:revoked")
        async with Polling(z) as polling:
            await asyncio.wait_for(polling.task, timeout=10)  # returns: the channel stopped
        assert z.bot_fake.calls == ["deleteWebhook"]  # no hammering with a dead token
        stop = [r for r in caplog.records if r.levelno >= logging.CRITICAL]
        assert stop and "ZALO_BOT_TOKEN" in stop[0].getMessage()
        assert not any("revoked" in m for m in caplog.messages)
