"""The sender's scheduling policy: urgent first, per-chat order and pacing, global cap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bot.sender import PacedSender, Pacing, Refused
from bot.storage import OutgoingQueue
from tests.conversation import open_store


class Recorder:
    """Stands in for the network only; the queue and the store are real."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, str]] = []

    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        if params.get("refuse"):
            raise Refused("blocked")
        self.calls.append((chat, params["text"]))
        return [len(self.calls)]


async def queue(store, chat: int, priority: int, text: str, **extra: Any) -> None:
    async with store.unit_of_work() as uow:
        await uow.outgoing.queue("test", f"test:{chat}", priority,
                                 {"chat": chat, "method": "sendMessage",
                                  "params": {"text": text, **extra}}, dt.datetime.now(dt.UTC))
        await uow.commit()


async def test_urgent_goes_first_when_the_queue_is_long(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for chat in range(40):
        await queue(store, chat, 1, f"routine {chat}")
    await queue(store, 99, 0, "urgent")
    recorder = Recorder()
    sender = PacedSender(OutgoingQueue(store), "test", recorder,
                         Pacing(per_chat_interval=0.0, per_second=10))
    await sender.step()
    assert recorder.calls[0] == (99, "urgent")
    assert len(recorder.calls) == 10  # the global cap holds the rest for the next second
    await store.close()


async def test_one_chat_keeps_its_order_and_pace(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for i in range(3):
        await queue(store, 1, 1, f"m{i}")
    await queue(store, 1, 1, "blocked", refuse=True)
    recorder = Recorder()
    clock = [0.0]
    sender = PacedSender(OutgoingQueue(store), "test", recorder,
                         Pacing(per_chat_interval=1.0, per_second=30), monotonic=lambda: clock[0])
    await sender.step()
    assert await sender.step() > 0  # the chat must wait before its next message
    assert recorder.calls == [(1, "m0")]
    clock[0] += 1.0
    await sender.step()
    clock[0] += 1.0
    await sender.step()
    clock[0] += 1.0
    await sender.step()
    assert [text for _, text in recorder.calls] == ["m0", "m1", "m2"]
    assert sender.stats.refused == 1
    assert await OutgoingQueue(store).count_pending("test") == 0
    await store.close()
