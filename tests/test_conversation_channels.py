"""Issue 16 through the real channels: the Zalo Bot platform (numbered menus answered by
typing) and Telegram (python-telegram-bot against the loopback fake), a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import re

from tests.conversation import Clock
from tests.telegram_harness import CHAT, RunningBot, until
from tests.test_zalo import ZaloWorld


async def test_zalo_bot_whole_story_first_then_the_quick_exit_number(tmp_path) -> None:
    async with ZaloWorld(tmp_path, Clock()) as z:
        poller = asyncio.create_task(z.zbot.poll())
        chat = "c4m4u"

        async def say(text: str) -> list[str]:
            before = len(z.bot_fake.texts_to(chat))
            z.bot_fake.push(z.bot_fake.update(chat, text))
            await until(lambda: len(z.bot_fake.texts_to(chat)) > before)
            await asyncio.sleep(0.1)
            await z.settle()
            return z.bot_fake.texts_to(chat)[before:]

        try:
            reply = "\n".join(await say("tôi ở Cà Mau, cần chỗ ở tạm"))
            assert "Cà Mau" in reply and "Những nơi có thể giúp bạn" in reply
            menu = z.bot_fake.texts_to(chat)[-1]
            exit_number = re.search(r"(\d+)\. Thoát nhanh", menu)
            assert exit_number is not None
            sent = len(z.bot_fake.texts_to(chat))
            z.bot_fake.push(z.bot_fake.update(chat, exit_number.group(1)))
            key = z.secrets.hash_id("zalo_bot", chat)

            async def wiped() -> bool:
                async with z.store.unit_of_work() as uow:
                    return await uow.sessions.load(key) is None

            deadline = asyncio.get_running_loop().time() + 10
            while not await wiped():
                assert asyncio.get_running_loop().time() < deadline, "not wiped"
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            assert len(z.bot_fake.texts_to(chat)) == sent  # quiet: nothing more is sent
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller


async def test_telegram_location_at_any_step_gives_places_with_km(fake, tmp_path) -> None:
    async with RunningBot(fake, tmp_path / "t.db") as bot:
        await bot.say("/start")
        await bot.tap("support")  # at the age question, she shares her location instead
        update = await fake.user_sends(CHAT, location={"latitude": 10.0341,
                                                       "longitude": 105.7880})
        await bot.settled(update)
        texts = bot.texts()
        assert re.search(r"cách khoảng \d+(\.\d)? km", texts)
        assert "Cần Thơ" in texts and "chưa hiểu" not in texts
