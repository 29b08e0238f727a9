"""The outbox dispatcher: alerts are delivered once, urgent first, and retried until confirmed."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

import pytest

from bot.alerts import AlertDispatcher, alert_text
from bot.storage import Outbox
from handlers.catalogue import default_catalogue
from handlers.ports import CaseDraft
from handlers.staff import Alert, AlertKind, Tier
from knowledge.gazetteer import default_gazetteer
from tests.conversation import Clock, open_store

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")


class FlakyNotifier:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[Alert, str]] = []

    async def notify(self, uow: object, alert: Alert, text: str) -> None:
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
    tiers = [alert.tier for alert, _ in notifier.sent]
    assert sorted(tiers) == [Tier.ROUTINE, Tier.URGENT]
    urgent_text = next(text for alert, text in notifier.sent if alert.urgent)
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


def test_alert_time_is_vietnam_time_and_says_so() -> None:
    """Staff read the clock in Vietnam (UTC+7): a case opened at 23:30 UTC is 06:30 the next
    morning there, and the alert says whose clock it is, in both languages."""
    alert = Alert(code="K7Q2", tier=Tier.URGENT, kind=AlertKind.OPENED, channel="zalo_oa",
                  at=dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC), province=79,
                  reasons=("weapon",))
    vi = alert_text(alert, default_catalogue(), default_gazetteer())
    assert "06:30 24/11/2026 (giờ VN)" in vi and "23:30" not in vi
    en = alert_text(alert, default_catalogue(), default_gazetteer(), "en")
    assert "06:30 24/11/2026 (Vietnam time)" in en
    # an outbox payload read back as a dict says the same
    assert alert_text(alert.payload(), default_catalogue(), default_gazetteer()) == vi


def test_reasons_are_in_words_with_their_category() -> None:
    """Staff read the reason, and can still search or report by the category id."""
    alert = Alert(code="K7Q2", tier=Tier.URGENT, kind=AlertKind.OPENED, channel="zalo_bot",
                  at=dt.datetime(2026, 11, 23, 13, 0, tzinfo=dt.UTC),
                  reasons=("strangulation", "child_at_risk"))
    assert "bóp cổ (strangulation), trẻ em gặp nguy (child_at_risk)" in alert_text(
        alert, default_catalogue(), default_gazetteer())
    assert "strangulation, child at risk (child_at_risk)" in alert_text(
        alert, default_catalogue(), default_gazetteer(), "en")


def test_a_page_for_new_danger_says_it_is_not_a_duplicate() -> None:
    alert = Alert(code="K7Q2", tier=Tier.URGENT, kind=AlertKind.DANGER_AGAIN, channel="telegram",
                  at=dt.datetime(2026, 11, 23, 13, 0, tzinfo=dt.UTC), repeat=2)
    assert "nguy hiểm mới (lần 2)" in alert_text(alert, default_catalogue(), default_gazetteer())
    assert "new danger (page 2)" in alert_text(alert, default_catalogue(), default_gazetteer(),
                                               "en")
    opened = Alert(code="K7Q2", tier=Tier.URGENT, kind=AlertKind.OPENED, channel="telegram",
                   at=alert.at)
    assert "nguy hiểm mới" not in alert_text(opened, default_catalogue(), default_gazetteer())


async def test_the_dispatcher_sends_as_soon_as_an_alert_is_committed(tmp_path: Path) -> None:
    """No waiting for a poll: the commit that writes an alert wakes the dispatcher (its idle
    period here is a minute, so only the wake-up can deliver in time)."""
    store = await open_store(tmp_path / "w.db")
    notifier = FlakyNotifier(failures=0)
    woken = []
    dispatcher = AlertDispatcher(store, notifier, default_catalogue(), default_gazetteer())
    task = asyncio.create_task(dispatcher.run(idle=60.0, after=lambda: woken.append(1)))
    await asyncio.sleep(0.1)  # the first pass found nothing; now it waits
    async with store.unit_of_work() as uow:
        await uow.cases.open(CaseDraft("urgent", "zalo_bot", "zb:1", reasons=["weapon"]),
                             dt.datetime.now(dt.UTC))
        await uow.commit()
    async with asyncio.timeout(5):
        while not notifier.sent:
            await asyncio.sleep(0.01)
    assert [alert.code for alert, _ in notifier.sent] != [] and woken == [1]
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await store.close()


async def test_two_dispatchers_never_send_an_alert_twice(tmp_path: Path) -> None:
    """Both read the alert as due; the first to take it in a transaction sends it, the other
    leaves it alone (e.g. a terminal chat and a service on the same database)."""
    store = await open_store(tmp_path / "t.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        await uow.cases.open(CaseDraft("urgent", "zalo_oa", "oa:1", reasons=["weapon"]),
                             clock.now)
        await uow.commit()
    first, second = FlakyNotifier(failures=0), FlakyNotifier(failures=0)
    one = AlertDispatcher(store, first, default_catalogue(), default_gazetteer(), clock)
    other = AlertDispatcher(store, second, default_catalogue(), default_gazetteer(), clock)
    # at once: both read the alert as due before either takes it
    assert sorted(await asyncio.gather(one.deliver_due(), other.deliver_due())) == [0, 1]
    assert len(first.sent) + len(second.sent) == 1
    assert await Outbox(store).due(clock.now) == []
    await store.close()
