"""Domain events to their handlers, inside the unit of work that collected them.

The unit of work calls ``publish`` just before it commits: each handler writes through the
unit of work's ports, so the change and its consequences commit together, once.
"""

from __future__ import annotations

from handlers.staff import alerting
from handlers.staff.alerting import AlertOutbox
from handlers.staff.events import DomainEvent


async def publish(events: list[DomainEvent], outbox: AlertOutbox) -> int:
    """Hand every collected event to its handlers, oldest first; the list is emptied (a
    unit of work that commits twice never alerts twice). How many alerts were decided."""
    alerts = 0
    while events:
        alerts += await alerting.on_event(events.pop(0), outbox)
    return alerts
