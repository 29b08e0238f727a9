"""Staff alerts: a notifier interface and a dispatcher that drains the outbox.

Cases and their alerts are committed together (``bot.storage``); this dispatcher delivers them,
urgent first, retrying with backoff until the notifier confirms, so an alert survives a crash and a
restart. The alert text carries no personal content by construction: the outbox payload holds only
code, tier, province, channel, time and reason categories.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

from bot.storage import Outbox, SqliteUnitOfWork, Store
from handlers.catalogue import Catalogue
from knowledge.gazetteer import Gazetteer

log = logging.getLogger(__name__)


class Notifier(Protocol):
    async def notify(self, uow: SqliteUnitOfWork, alert: dict[str, Any], text: str) -> None:
        """Deliver (or queue, inside ``uow``) one alert; raise on failure so it is retried.

        Whatever it writes through ``uow`` commits together with the alert's "delivered" mark,
        so a queued alert is never queued twice."""
        ...


def reason_text(reason: str, catalogue: Catalogue, lang: str) -> str:
    """A reason category in words where the catalogue has them (``alert-reason-<id>``)."""
    key = f"alert-reason-{reason}"
    return catalogue.text(lang, key) if catalogue.has(lang, key) else reason


def alert_text(alert: dict[str, Any], catalogue: Catalogue, gazetteer: Gazetteer,
               lang: str = "vi") -> str:
    province = gazetteer.provinces.get(alert.get("province") or -1)
    reasons = ", ".join(reason_text(r, catalogue, lang) for r in alert.get("reasons") or []) \
        or catalogue.text(lang, "alert-no-reasons")
    tier = catalogue.text(lang, f"alert-tier-{alert['tier']}")
    title = catalogue.text(lang, "alert-title", tier=tier, code=alert["code"])
    body = catalogue.text(
        lang, "alert-body",
        province=province.short if province else catalogue.text(lang, "alert-no-province"),
        channel=alert["channel"], time=alert["time"][:16].replace("T", " "), reasons=reasons,
    )
    if alert.get("abroad"):
        body += "\n" + catalogue.text(lang, "alert-abroad", country=alert["abroad"])
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
        for alert_id, alert, attempts in await self.outbox.due(self._clock()):
            text = alert_text(alert, self.catalogue, self.gazetteer)
            try:
                async with self.store.unit_of_work() as uow:
                    await self.notifier.notify(uow, alert, text)
                    await uow.outbox.delivered(alert_id, self._clock())
                    await uow.commit()
            except Exception as exc:  # a failed delivery is retried, never lost
                delay = min(300, 2 ** min(attempts + 1, 8))
                log.warning("alert delivery failed (%s), retry in %ss", type(exc).__name__, delay)
                await self.outbox.failed(alert_id, self._clock() + dt.timedelta(seconds=delay))
                continue
            delivered += 1
        return delivered
