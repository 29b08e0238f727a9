"""The outbox dispatcher: alerts are delivered once, urgent first, and retried until confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.alerts import AlertDispatcher
from bot.storage import Outbox
from handlers.catalogue import default_catalogue
from handlers.ports import CaseDraft
from knowledge.gazetteer import default_gazetteer
from tests.conversation import Clock, open_store

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")


class FlakyNotifier:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[dict, str]] = []

    async def notify(self, uow: object, alert: dict, text: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("network down")
        self.sent.append((alert, text))


async def test_alerts_retry_until_delivered_and_never_twice(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "a.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        await uow.cases.open(CaseDraft("routine", "test", "test:1", province=1), clock.now)
        await uow.cases.open(CaseDraft("urgent", "test", "test:2", province=79,
                                       reasons=["weapon"]), clock.now)
        await uow.commit()
    notifier = FlakyNotifier(failures=1)
    dispatcher = AlertDispatcher(store, notifier, default_catalogue(), default_gazetteer(), clock)
    assert await dispatcher.deliver_due() == 1  # the urgent one failed first, then routine went
    assert await dispatcher.deliver_due() == 0  # the failed one waits for its backoff
    clock.advance(seconds=5)
    assert await dispatcher.deliver_due() == 1
    assert await dispatcher.deliver_due() == 0
    tiers = [alert["tier"] for alert, _ in notifier.sent]
    assert sorted(tiers) == ["routine", "urgent"]
    urgent_text = next(text for alert, text in notifier.sent if alert["tier"] == "urgent")
    assert "KHẨN CẤP" in urgent_text and "Hồ Chí Minh" in urgent_text and "weapon" in urgent_text
    assert await Outbox(store).due(clock.now) == []
    await store.close()


async def test_rolled_back_case_leaves_no_alert(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "b.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        await uow.cases.open(CaseDraft("urgent", "test", "test:1"), clock.now)
        # no commit: the case and its alert go together or not at all
    assert await Outbox(store).due(clock.now) == []
    await store.close()
