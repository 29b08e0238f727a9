"""Runs the real Telegram channel (python-telegram-bot over HTTP) against the loopback fake."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.alerts import AlertDispatcher
from bot.crypto import Secrets
from bot.sender import Pacing
from bot.storage import Store
from bot.telegram_channel import TelegramChannel
from bot.telegram_render import encode_option
from handlers.catalogue import default_catalogue
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search
from tests import backend
from tests.conversation import SCRIPTED, SECRET
from tests.fake_telegram import TOKEN, FakeTelegram

CHAT = 424242


async def until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


class RunningBot:
    def __init__(self, fake: FakeTelegram, db: Path, pacing: Pacing | None = None,
                 polling: bool = True, staff_chat_id: int | None = None,
                 clock: Callable[[], dt.datetime] | None = None,
                 engine_config: dict[str, Any] | None = None) -> None:
        self.engine_config = {**SCRIPTED, **(engine_config or {})}
        self.staff_chat_id = staff_chat_id
        self.clock = clock
        self.fake = fake
        self.db = db
        self.pacing = pacing or Pacing(per_chat_interval=0.0, per_second=1000, idle_poll=0.05)
        self.polling = polling
        self.secrets = Secrets(SECRET)

    async def __aenter__(self) -> RunningBot:
        self.store = await Store(self.db, self.secrets, database_url=backend.URL).open()
        engine = Engine(self.store.unit_of_work, default_search(), default_catalogue(),
                        EngineConfig(**self.engine_config), clock=self.clock)
        self.channel = TelegramChannel(TOKEN, self.fake.url, engine, self.store, self.secrets,
                                       default_catalogue(), self.pacing, polling=self.polling,
                                       staff_chat_id=self.staff_chat_id, clock=self.clock)
        self.dispatcher = AlertDispatcher(self.store, self.channel.desk, default_catalogue(),
                                          default_search().gazetteer, self.clock)
        await self.channel.start()
        self.sender = asyncio.create_task(self.channel.sender.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.sender
        await self.channel.stop()
        await self.store.close()

    async def settled(self, update: dict[str, Any]) -> None:
        """Wait until the update was processed and everything it queued was sent."""
        event_id = f"telegram:{update['update_id']}"

        async def done() -> bool:
            async with self.store.unit_of_work() as uow:
                seen = await uow.processed.seen(event_id)
            pending = await self.channel.sender.queue.count_pending("telegram")
            return seen and pending == 0

        deadline = asyncio.get_running_loop().time() + 20
        while not await done():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"update {event_id} not settled")
            await asyncio.sleep(0.02)

    async def say(self, text: str, chat: int = CHAT) -> dict[str, Any]:
        update = await self.fake.user_sends(chat, text=text)
        await self.settled(update)
        return update

    async def tap(self, option: str, chat: int = CHAT) -> dict[str, Any]:
        data = encode_option(option)
        for message in reversed(self.fake.bot_messages(chat)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            if any(b.get("callback_data") == data for row in rows for b in row):
                update = await self.fake.user_taps(chat, message["message_id"], data)
                await self.settled(update)
                return update
        raise AssertionError(f"no button {option!r} on screen")

    async def dispatch(self) -> int:
        """Deliver due alerts (as the runner's loop does) and wait until they are sent."""
        count = await self.dispatcher.deliver_due()
        self.channel.sender.wake()
        await self.channel.sender.drain()
        return count

    async def escalate(self) -> int:
        count = await self.channel.desk.escalate_due()
        await self.channel.sender.drain()
        return count

    def texts(self, chat: int = CHAT) -> str:
        return "\n".join(m.get("text", "") for m in self.fake.bot_messages(chat))
