"""The small repository interfaces the conversation needs; storage implements them.

The core never sees SQL: it asks a unit of work for sessions, cases and the on-call roster and
commits once, after the whole event is handled, so a case and its alert are written together and
state is saved before any reply leaves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class CaseDraft:
    tier: str  # "urgent" | "routine"
    channel: str
    conversation: str  # the keyed hash of the conversation, never a raw channel id
    province: int | None = None
    needs: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    relayed: bool = False
    consent: bool = False
    details: dict[str, Any] = field(default_factory=dict)  # encrypted at rest
    address: dict[str, Any] | None = None  # how to reach the person; encrypted at rest
    volunteer: bool = False  # relayed by a verified volunteer
    abroad: str | None = None  # ISO code of the country the person is in, when not Vietnam


class Sessions(Protocol):
    async def load(self, key: str) -> tuple[dict[str, Any], dt.datetime] | None: ...
    async def save(self, key: str, state: dict[str, Any], now: dt.datetime) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def purge_idle(self, before: dt.datetime) -> int: ...


class Cases(Protocol):
    async def open(self, draft: CaseDraft, now: dt.datetime) -> str:
        """Write the case in the current transaction and record ``CaseOpened``; its alert is
        decided by ``handlers.staff.alerting`` and written before the same commit. Its code."""
        ...

    async def raise_urgent(self, code: str, reasons: list[str], now: dt.datetime,
                           again: int = 0) -> None:
        """Make the case urgent; ``again`` > 0 pages once more on a case already urgent."""
        ...

    async def update(
        self, code: str, now: dt.datetime, province: int | None = None,
        details: dict[str, Any] | None = None, needs: list[str] | None = None,
        abroad: str | None = None,
    ) -> None: ...

    async def active_handoff(self, conversation: str) -> str | None:
        """The case whose staff member is talking with this conversation, if any."""
        ...

    async def end_handoff(self, code: str, now: dt.datetime) -> None: ...


class Blocks(Protocol):
    async def blocked(self, conversation: str, now: dt.datetime) -> bool: ...


class Volunteers(Protocol):
    async def is_volunteer(self, conversation: str) -> bool: ...


class OnCall(Protocol):
    async def anyone_on_call(self, now: dt.datetime) -> bool: ...


class ProcessedEvents(Protocol):
    async def first_time(self, event_id: str, now: dt.datetime) -> bool: ...


class UnitOfWork(Protocol):
    """The repositories are read-only members (properties), so a store may hold its own
    richer repository classes: a plain attribute in a Protocol must match its type exactly."""

    @property
    def processed(self) -> ProcessedEvents: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def cases(self) -> Cases: ...
    @property
    def oncall(self) -> OnCall: ...
    @property
    def volunteers(self) -> Volunteers: ...
    @property
    def blocks(self) -> Blocks: ...

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
