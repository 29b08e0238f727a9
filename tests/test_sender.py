"""The sender's scheduling policy: urgent first, per-chat order and pacing, global cap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.sender import PacedSender, Pacing, Refused
from bot.storage import OutgoingQueue
from tests.conversation import open_store

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")


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


class Poisoned(Recorder):
    """A transport that throws something nobody planned for on one message."""

    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        if params.get("poison"):
            raise KeyError("result")
        return await super().call(chat, method, params)


async def test_a_poisoned_row_neither_jams_the_queue_nor_loops(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    await queue(store, 1, 0, "poison", poison=True)
    for chat in range(2, 6):
        await queue(store, chat, 1, f"hello {chat}")
    recorder = Poisoned()
    pacing = Pacing(per_chat_interval=0.0, per_second=100, retry_base=0.0, max_attempts=3)
    sender = PacedSender(OutgoingQueue(store), "test", recorder, pacing)
    await sender.step()
    assert sorted(text for _, text in recorder.calls) == [f"hello {c}" for c in range(2, 6)]
    for _ in range(5):
        await sender.step()
    assert sender.stats.failed == 3 and sender.stats.dead == 1  # tried 3 times, then set aside
    assert await OutgoingQueue(store).count_pending("test") == 0
    async with store.unit_of_work() as uow:
        rows = await uow.store.db.execute_fetchall("SELECT failed FROM outgoing WHERE id = 1")
    assert rows == [(1,)]
    await store.close()


async def test_a_message_the_api_accepted_is_never_sent_again(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    await queue(store, 1, 0, "once")
    outgoing = OutgoingQueue(store)
    real_done = outgoing.done
    failures = [1]

    async def broken_done(*args: Any, **kwargs: Any) -> None:
        if failures[0]:
            failures[0] -= 1
            raise OSError("disk full")  # the bookkeeping after acceptance fails once
        await real_done(*args, **kwargs)

    outgoing.done = broken_done  # type: ignore[method-assign]
    recorder = Recorder()
    sender = PacedSender(outgoing, "test", recorder, Pacing(per_chat_interval=0.0))
    for _ in range(4):
        await sender.step()
    assert recorder.calls == [(1, "once")]
    assert await outgoing.count_pending("test") == 0
    await store.close()


async def test_one_chats_backlog_does_not_delay_anyone_else(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for i in range(300):  # one account sent /cases 300 times: 300 answers queued, top priority
        await queue(store, 666, 0, f"refusal {i}")
    for chat in range(1, 11):
        await queue(store, chat, 1, f"first reply {chat}")
    recorder = Recorder()
    sender = PacedSender(OutgoingQueue(store), "test", recorder,
                         Pacing(per_chat_interval=1.0, per_second=30))
    await sender.step()
    texts = [text for _, text in recorder.calls]
    assert sorted(texts) == sorted(["refusal 0"] + [f"first reply {c}" for c in range(1, 11)])
    await store.close()
