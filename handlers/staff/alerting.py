"""The one place that decides which case events become staff alerts, and who gets them.

A case opened makes an alert; an open case that became urgent makes one more; nothing else does
(a new province or need updates the case quietly; a claim or a close is staff's own doing). The
decision is here, in the core; the store only keeps the row (``AlertOutbox``), and the staff
channels deliver it (``bot.alerts``, ``bot.staff_channels``).

Urgent alerts also go privately to every on-call staff member, beside the group. A staff chat
takes about one message a second (Telegram), so in a burst the k-th alert would wait k seconds
in any one chat; each alert's first copy therefore goes to a different chat in turn
(``lead_recipient``): the burst is spread over the chats instead of queued in one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from handlers.staff.events import CaseOpened, CaseRaised, DomainEvent
from handlers.staff.model import Alert, AlertKind, StaffMember


class AlertOutbox(Protocol):
    """Where alerts are kept until delivered: in the same transaction as the case."""

    async def add(self, alert: Alert) -> None:
        """Keep the alert; a second alert of the same case and kind changes nothing."""
        ...


def alert_for(event: DomainEvent) -> Alert | None:
    """The alert an event calls for, if any."""
    if isinstance(event, CaseOpened):
        return Alert.of_case(event.case, AlertKind.OPENED, event.at)
    if isinstance(event, CaseRaised):
        return Alert.of_case(event.case, AlertKind.RAISED_URGENT, event.at)
    return None


async def on_event(event: DomainEvent, outbox: AlertOutbox) -> None:
    alert = alert_for(event)
    if alert is not None:
        await outbox.add(alert)


def private_recipients(alert: Alert, on_call: Sequence[StaffMember]) -> list[StaffMember]:
    """Who gets an alert privately, besides the staff channels everyone sees: every on-call
    member for an urgent one (each once, however the roster names them), nobody for routine."""
    if not alert.urgent:
        return []
    seen: set[str] = set()
    people = []
    for member in on_call:
        if member.key not in seen:
            seen.add(member.key)
            people.append(member)
    return people


def lead_recipient(alert: Alert, chats: int) -> int:
    """Which of ``chats`` staff chats (0 the group, then each private recipient in order) gets
    the alert's first copy: alerts in turn, so consecutive alerts of a burst lead in different
    chats and none waits behind the others."""
    return alert.sequence % chats if chats > 0 else 0
