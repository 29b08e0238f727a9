"""Staff alerts: a notifier interface and a dispatcher that drains the outbox.

Which case events make alerts is the core's decision (``handlers.staff.alerting``); the alert
rows are committed with the case (the transactional outbox). This dispatcher delivers them,
urgent first, retrying with backoff until the notifier confirms, so an alert survives a crash and
a restart. The alert text carries no personal content by construction: an ``Alert`` holds only
code, tier, province, channel, time and reason categories.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

from bot.roster import VIETNAM
from bot.storage import Outbox, SqliteUnitOfWork, Store
from handlers.catalogue import Catalogue
from handlers.staff import Alert, AlertKind
from knowledge.gazetteer import Gazetteer

log = logging.getLogger(__name__)


class Notifier(Protocol):
    async def notify(self, uow: SqliteUnitOfWork, alert: Alert, text: str) -> None:
        """Deliver (or queue, inside ``uow``) one alert; raise on failure so it is retried.

        Whatever it writes through ``uow`` commits together with the alert's "delivered" mark,
        so a queued alert is never queued twice."""
        ...


def reason_text(reason: str, catalogue: Catalogue, lang: str) -> str:
    """A reason category in words where the catalogue has them (``alert-reason-<id>``)."""
    key = f"alert-reason-{reason}"
    return catalogue.text(lang, key) if catalogue.has(lang, key) else reason


def local_time(moment: dt.datetime, catalogue: Catalogue, lang: str) -> str:
    """When, as staff in Vietnam read a clock (UTC+7, no daylight saving), marked as such."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(VIETNAM)
    return catalogue.text(lang, "alert-time", time=local.strftime("%H:%M %d/%m/%Y"))


def alert_text(alert: Alert | dict[str, Any], catalogue: Catalogue, gazetteer: Gazetteer,
               lang: str = "vi") -> str:
    """The alert in words. Takes the typed ``Alert``, or an outbox payload as read back."""
    if not isinstance(alert, Alert):
        alert = Alert.from_payload(alert)
    province = gazetteer.provinces.get(alert.province or -1)
    reasons = ", ".join(reason_text(r, catalogue, lang) for r in alert.reasons) \
        or catalogue.text(lang, "alert-no-reasons")
    tier = catalogue.text(lang, f"alert-tier-{alert.tier.value}")
    title = catalogue.text(lang, "alert-title", tier=tier, code=alert.code)
    body = catalogue.text(
        lang, "alert-body",
        province=province.short if province else catalogue.text(lang, "alert-no-province"),
        channel=alert.channel, time=local_time(alert.at, catalogue, lang), reasons=reasons,
    )
    if alert.abroad:
        body += "\n" + catalogue.text(lang, "alert-abroad", country=alert.abroad)
    if alert.kind is AlertKind.DANGER_AGAIN:  # not a duplicate: the person wrote of new danger
        body += "\n" + catalogue.text(lang, "alert-danger-again", repeat=alert.repeat)
    return f"{title}\n{body}"


class AlertDispatcher:
    def __init__(
        self, store: Store, notifier: Notifier, catalogue: Catalogue, gazetteer: Gazetteer,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.outbox = Outbox(store)
        self.notifier = notifier
        self.catalogue = catalogue
        self.gazetteer = gazetteer
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    async def deliver_due(self) -> int:
        """Send every alert that is due; return how many were confirmed."""
        delivered = 0
        for alert_id, payload, attempts in await self.outbox.due(self._clock()):
            alert = Alert.from_payload(payload, sequence=alert_id)
            text = alert_text(alert, self.catalogue, self.gazetteer)
            try:
                async with self.store.unit_of_work() as uow:
                    # Claimed first, in the same transaction as whatever the notifier queues:
                    # an alert another dispatcher already took is left alone (rolled back).
                    if not await uow.outbox.delivered(alert_id, self._clock()):
                        continue
                    await self.notifier.notify(uow, alert, text)
                    await uow.commit()
            except Exception as exc:  # a failed delivery is retried, never lost
                delay = min(300, 2 ** min(attempts + 1, 8))
                log.warning("alert delivery failed (%s), retry in %ss", type(exc).__name__, delay)
                await self.outbox.failed(alert_id, self._clock() + dt.timedelta(seconds=delay))
                continue
            delivered += 1
        return delivered

    async def run(self, idle: float = 0.5, after: Callable[[], None] | None = None) -> None:
        """Deliver forever: at once when a commit wrote a new alert (the store's
        ``alert_waiting``), and every ``idle`` seconds for retries that came due. ``after``
        runs when something was delivered (e.g. wake the sender that holds the queued copies)."""
        waiting = self.store.alert_waiting
        while True:
            waiting.clear()  # before reading: an alert committed meanwhile sets it again
            try:
                if await self.deliver_due() and after is not None:
                    after()
            except Exception as exc:  # the loop outlives any failure; the alert waits
                log.error("alert dispatch failed: %s", type(exc).__name__)
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that lands as the event is set, and this loop would then never stop (a hang seen
            # at shutdown in the test suite).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle):
                    await waiting.wait()
