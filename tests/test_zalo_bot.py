"""The Zalo Bot platform as it really is: protected users' hidden messages, polling that
reports its errors, webhook in production. The project's httpx client against the loopback fake."""

from __future__ import annotations

import aiohttp
import pytest

from bot.alerts import alert_text
from bot.storage import Outbox
from handlers.catalogue import default_catalogue
from knowledge.search import default_search
from tests.conversation import Clock
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
