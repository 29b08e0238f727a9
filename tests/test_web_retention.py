"""Retention on the console: handoff words live RETENTION_MESSAGE_DAYS, sessions their lifetime."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.storage import WebHandoffRepository, WebSessionRepository
from bot.web.app import WebConfig, WebConsole
from knowledge.gazetteer import default_gazetteer
from tests.conversation import Clock, open_store


async def test_handoff_words_and_sessions_expire(tmp_path: Path) -> None:
    """Retention: handoff words live RETENTION_MESSAGE_DAYS, sessions their lifetime."""
    store = await open_store(tmp_path / "r.db")
    clock = Clock()
    console = WebConsole(store, store.secrets, default_gazetteer(),
                         WebConfig(message_retention=dt.timedelta(days=7)), clock=clock)
    async with store.unit_of_work() as uow:
        await WebHandoffRepository(uow.store).add("AB12", "person", "e o nha me de", clock.now)
        await WebSessionRepository(uow.store).create("h", "lan", "c",
                                                     clock.now + dt.timedelta(hours=12))
        await uow.commit()
    clock.advance(days=1)
    assert await console.purge() == 1  # the session is over; the words are kept for now
    async with store.unit_of_work() as uow:
        assert [line.text for line in await WebHandoffRepository(uow.store).lines("AB12")] == \
            ["e o nha me de"]
    clock.advance(days=6, seconds=1)
    assert await console.purge() == 1
    async with store.unit_of_work() as uow:
        assert await WebHandoffRepository(uow.store).lines("AB12") == []
    await store.close()
