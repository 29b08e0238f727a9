"""The sender's step as a batch (issue 14): one bookkeeping transaction per step, and a reply's
short messages joined into one."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from bot.sender import PacedSender, Pacing
from bot.storage import OutgoingQueue
from bot.storage.delivery import Accepted
from bot.telegram_render import TEXT_LIMIT, merge_sends
from tests.conversation import open_store


class SlowNetwork:
    """Stands in for the network only (the queue and the store are real): each call takes a
    little while, as a round trip does."""

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.calls: list[tuple[Any, str]] = []

    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        self.calls.append((chat, params["text"]))
        await asyncio.sleep(self.delay)
        return [len(self.calls)]


async def queue(store, chat: int, priority: int, text: str) -> None:
    async with store.unit_of_work() as uow:
        await uow.outgoing.queue("test", f"test:{chat}", priority,
                                 {"chat": chat, "method": "sendMessage", "params": {"text": text},
                                  "ledger": True}, dt.datetime.now(dt.UTC))
        await uow.commit()


class CountingQueue(OutgoingQueue):
    """The real queue, counting how often the sender records sent rows."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.batches: list[int] = []
        self.fail_next = 0

    async def sent(self, rows: list[Accepted], now: dt.datetime) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("disk full")  # the bookkeeping after acceptance fails
        self.batches.append(len(rows))
        await super().sent(rows, now)


async def test_a_step_records_all_its_sends_in_one_transaction(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for chat in range(1, 9):
        await queue(store, chat, 1, f"hello {chat}")
    outgoing = CountingQueue(store)
    network = SlowNetwork()
    sender = PacedSender(outgoing, "test", network, Pacing(per_chat_interval=0.0, mark_within=5))
    await sender.step()
    assert sorted(text for _, text in network.calls) == [f"hello {c}" for c in range(1, 9)]
    assert outgoing.batches == [8]
    assert await outgoing.count_pending("test") == 0
    ledger = await store.db.execute_fetchall("SELECT conversation, message_id FROM ledger")
    assert len(ledger) == 8  # each person's new message id joined their ledger
    await store.close()


async def test_a_sent_row_waits_for_its_record_at_most_mark_within(tmp_path: Path) -> None:
    """A long step records what it sent as it goes (a crash or a quick exit at that moment
    then concerns a few rows, not the whole step)."""
    store = await open_store(tmp_path / "s.db")
    for chat in range(1, 9):
        await queue(store, chat, 1, f"hello {chat}")
    outgoing = CountingQueue(store)
    clock = [0.0]

    class Ticking(SlowNetwork):
        async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
            clock[0] += 0.02  # each round trip takes 20 ms
            return await super().call(chat, method, params)

    sender = PacedSender(outgoing, "test", Ticking(delay=0.0),
                         Pacing(per_chat_interval=0.0, mark_within=0.05),
                         monotonic=lambda: clock[0])
    await sender.step()
    # The first row is on record after the fourth call: once it had waited 50 ms or more
    # (three more round trips of 20 ms), not at the end of the step.
    assert outgoing.batches == [4, 4]
    assert await outgoing.count_pending("test") == 0
    await store.close()


async def test_one_chat_keeps_its_order_across_batched_steps(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for i in range(3):
        for chat in range(1, 6):
            await queue(store, chat, 1, f"{chat}:{i}")
    network = SlowNetwork(delay=0.0)
    sender = PacedSender(OutgoingQueue(store), "test", network, Pacing(per_chat_interval=0.0))
    await sender.drain()
    for chat in range(1, 6):
        assert [t for c, t in network.calls if c == chat] == [f"{chat}:{i}" for i in range(3)]
    await store.close()


async def test_urgent_calls_leave_first_within_a_step(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for chat in range(1, 21):
        await queue(store, chat, 1, f"routine {chat}")
    await queue(store, 99, 0, "urgent")
    network = SlowNetwork()
    sender = PacedSender(OutgoingQueue(store), "test", network,
                         Pacing(per_chat_interval=0.0, per_second=5))
    await sender.step()
    assert network.calls[0] == (99, "urgent")
    assert len(network.calls) == 5  # the global cap holds within a batch
    await store.close()


async def test_failed_bookkeeping_never_sends_a_batch_again(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "s.db")
    for chat in range(1, 5):
        await queue(store, chat, 0, f"once {chat}")
    outgoing = CountingQueue(store)
    outgoing.fail_next = 2
    network = SlowNetwork(delay=0.0)
    sender = PacedSender(outgoing, "test", network, Pacing(per_chat_interval=0.0))
    for _ in range(5):
        await sender.step()
    assert sorted(network.calls) == [(c, f"once {c}") for c in range(1, 5)]
    assert outgoing.batches == [4]  # recorded once the store works again
    assert await outgoing.count_pending("test") == 0
    ledger = await store.db.execute_fetchall("SELECT COUNT(*) FROM ledger")
    assert ledger == [(4,)]
    await store.close()


def test_merge_joins_a_run_and_keeps_the_last_buttons() -> None:
    buttons = {"inline_keyboard": [[{"text": "Tiếp", "callback_data": "1|next"}]]}
    calls = [("sendMessage", {"text": "Những nơi có thể giúp bạn:"}, 1),
             ("sendMessage", {"text": "Ngôi nhà Bình yên"}, 1),
             ("sendMessage", {"text": "Bạn muốn làm gì tiếp?", "reply_markup": buttons}, 1)]
    assert merge_sends(calls) == [(
        "sendMessage", {"text": "Những nơi có thể giúp bạn:\n\nNgôi nhà Bình yên\n\n"
                                "Bạn muốn làm gì tiếp?", "reply_markup": buttons}, 1)]


def test_merge_never_joins_past_buttons_a_venue_or_the_limit() -> None:
    buttons = {"inline_keyboard": [[{"text": "Có", "callback_data": "1|yes"}]]}
    venue = ("sendVenue", {"latitude": 10.0, "longitude": 106.0, "title": "A", "address": "B"},
             1)
    calls = [("sendMessage", {"text": "Bạn có an toàn không?", "reply_markup": buttons}, 1),
             ("sendMessage", {"text": "a"}, 1), venue, ("sendMessage", {"text": "b"}, 1),
             ("sendMessage", {"text": "x" * (TEXT_LIMIT - 2)}, 1)]
    assert merge_sends(calls) == calls  # nothing may join here
    emoji = "🆘" * (TEXT_LIMIT // 2 - 1)  # Telegram counts each as two
    assert len(merge_sends([("sendMessage", {"text": emoji}, 1),
                            ("sendMessage", {"text": "113"}, 1)])) == 2


def test_merge_never_puts_emergency_numbers_behind_routine_text() -> None:
    routine = ("sendMessage", {"text": "Cảm ơn bạn."}, 1)
    numbers = ("sendMessage", {"text": "113: Cảnh sát"}, 0)
    question = ("sendMessage", {"text": "Bạn đang ở đâu?"}, 1)
    # Numbers first: what follows rides along at their priority, nothing waits.
    assert merge_sends([numbers, question]) == [
        ("sendMessage", {"text": "113: Cảnh sát\n\nBạn đang ở đâu?"}, 0)]
    # Routine text first: the numbers keep their own message at their own priority.
    assert merge_sends([routine, numbers, question]) == [
        routine, ("sendMessage", {"text": "113: Cảnh sát\n\nBạn đang ở đâu?"}, 0)]
