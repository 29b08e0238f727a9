"""The one place that decides which case events become staff alerts, and who gets them.

A case opened makes an alert; an open case that became urgent makes one more, and so does new
danger written on an urgent case (a few times at most, the dialogue's cap); nothing else does
(a new province or need updates the case quietly; a claim or a close is staff's own doing). The
decision is here, in the core; the store only keeps the row (``AlertOutbox``), and the staff
channels deliver it (``bot.alerts``, ``bot.staff_channels``).

Urgent alerts also go privately to every on-call staff member, beside the group. A staff chat
takes about one message a second (Telegram), so in a burst the k-th alert would wait k seconds
in any one chat. Each alert's first copy (``Copy.LEAD``) therefore goes to a different chat in
turn (``lead_recipient``), ahead of anything else queued for that chat; its other copies
(``Copy.FOLLOW_UP``) follow a few seconds later, so they never hold a chat that the next
alert's first copy needs. The burst is spread over the chats instead of queued in one, and
every recipient still gets every alert, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from handlers.staff.events import CaseDangerAgain, CaseOpened, CaseRaised, DomainEvent
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
    if isinstance(event, CaseDangerAgain):
        return Alert.of_case(event.case, AlertKind.DANGER_AGAIN, event.at, event.repeat)
    return None


async def on_event(event: DomainEvent, outbox: AlertOutbox) -> int:
    """Keep the alert an event calls for; how many (0 or 1)."""
    alert = alert_for(event)
    if alert is None:
        return 0
    await outbox.add(alert)
    return 1


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


# Long enough for a burst's first copies to be out before the follow-ups take the chats
# (a burst of alerts within a few seconds); short enough that every recipient has it soon.
FOLLOW_UP_AFTER = dt.timedelta(seconds=3)


class Copy(StrEnum):
    ONLY = "only"  # the alert's one copy (nobody to tell privately): at once
    LEAD = "lead"  # its first copy: at once, ahead of what else waits for that chat
    FOLLOW_UP = "follow_up"  # its other copies: ``FOLLOW_UP_AFTER`` later


@dataclass(frozen=True)
class FanOut:
    """How one alert goes out: the staff group's copy and each private recipient's."""

    group: Copy
    private: list[tuple[StaffMember, Copy]] = field(default_factory=list)


def lead_recipient(turn: int, chats: int) -> int:
    """Which of ``chats`` staff chats (0 the group, then each private recipient in order) gets
    the ``turn``-th urgent alert's first copy: in turn, so consecutive alerts of a burst lead in
    different chats."""
    return turn % chats if chats > 0 else 0


def fan_out(alert: Alert, reachable: Sequence[StaffMember], turn: int) -> FanOut:
    """The plan for one alert, given the on-call members a channel can reach privately and the
    alert's turn among urgent alerts."""
    people = private_recipients(alert, reachable)
    if not people:
        return FanOut(Copy.ONLY)
    lead = lead_recipient(turn, len(people) + 1)
    return FanOut(Copy.LEAD if lead == 0 else Copy.FOLLOW_UP,
                  [(member, Copy.LEAD if lead == i else Copy.FOLLOW_UP)
                   for i, member in enumerate(people, start=1)])
