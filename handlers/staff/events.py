"""Domain events: what happened to a case, as facts, for handlers to act on.

The store's case repository records them as it changes a case, in the unit of work's list; the
unit of work hands them to their handlers just before it commits (``handlers.staff.bus``), so
whatever a handler writes (an alert row in the outbox) commits with the change that caused it,
exactly once, or not at all (Cosmic Python's "events collected by the unit of work").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.staff.model import CaseView


@dataclass(frozen=True)
class CaseOpened:
    case: CaseView
    at: dt.datetime


@dataclass(frozen=True)
class CaseRaised:
    """An open case became urgent (triage on a later message, or a staff judgement)."""

    case: CaseView
    at: dt.datetime


@dataclass(frozen=True)
class CaseDangerAgain:
    """The person on an urgent case wrote of new danger ("he is back with a knife"): staff are
    paged once more. ``repeat`` numbers these pages; the dialogue caps how many there are."""

    case: CaseView
    at: dt.datetime
    repeat: int


@dataclass(frozen=True)
class CaseUpdated:
    """New facts on an open case (a province, a need): no new alert, ever."""

    code: str
    at: dt.datetime


@dataclass(frozen=True)
class CaseClaimed:
    code: str
    by: str  # staff key
    at: dt.datetime


@dataclass(frozen=True)
class CaseClosed:
    code: str
    outcome: str
    at: dt.datetime


@dataclass(frozen=True)
class HandoffStarted:
    code: str
    at: dt.datetime


@dataclass(frozen=True)
class HandoffEnded:
    code: str
    at: dt.datetime


DomainEvent = (CaseOpened | CaseRaised | CaseDangerAgain | CaseUpdated | CaseClaimed | CaseClosed
               | HandoffStarted | HandoffEnded)
