"""A test harness: the real engine on a real SQLite file, driven like a channel would drive it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bot.crypto import Secrets
from bot.storage import Store
from handlers.catalogue import default_catalogue
from handlers.events import Choice, Inbound, Message, Reply, Text
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search
from tests import backend

SECRET = "test-secret-key-that-is-long-enough-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Chat:
    """One person talking to the engine; keeps the last options so a test can tap by id."""

    def __init__(self, engine: Engine, key: str = "test:person-1", channel: str = "test") -> None:
        self.engine = engine
        self.key = key
        self.channel = channel
        self.last: Reply = Reply()

    async def send(self, event: Inbound | str) -> Reply:
        if isinstance(event, str):
            event = Text(event)
        reply = await self.engine.handle(self.key, self.channel, event)
        assert reply is not None  # no event id given: never deduplicated
        self.last = reply
        return self.last

    async def tap(self, option: str) -> Reply:
        assert option in self.options(), (option, self.options())
        return await self.send(Choice(option))

    def options(self) -> list[str]:
        for message in reversed(self.last.messages):
            if message.options:
                return [o.id for o in message.options]
        return []

    def text(self) -> str:
        return "\n".join(m.text for m in self.last.messages)

    def messages(self) -> list[Message]:
        return self.last.messages


async def open_store(path: Path) -> Store:
    """The test's store: the SQLite file at ``path``, or PostgreSQL in a backend test."""
    return await Store(path, Secrets(SECRET), database_url=backend.URL).open()


# Scripted tests tap through menus far faster than a person could; flood control has its own tests.
SCRIPTED = {"flood_burst": 1000}


def make_engine(store: Store, clock: Clock, **config: Any) -> Engine:
    return Engine(store.unit_of_work, default_search(), default_catalogue(),
                  EngineConfig(**{**SCRIPTED, **config}), clock=clock)
