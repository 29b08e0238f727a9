"""The staff side's typed objects: who staff are, what a case looks like to them, an alert.

Channel-agnostic: a staff member may be reachable on Telegram, on the Zalo Bot platform and on
the web console, or on any one of them; a case view carries what every staff member may see
(never the person's words, contact or exact place: those stay in the store's sealed details and
go to the claimer only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any


class Role(IntEnum):
    """Ordered: each role may do what the ones below it may."""

    STAFF = 1
    SUPERVISOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        return cls[name.strip().upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


class Tier(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


class Status(StrEnum):
    NEW = "new"  # nobody has claimed it
    CLAIMED = "claimed"
    IN_CONTACT = "in_contact"  # the claimer is talking with the person (handoff)
    CLOSED = "closed"


class AlertKind(StrEnum):
    """Why staff are told: a case was opened, or an open case became urgent. One alert per case
    and kind, ever (the outbox keeps them unique)."""

    OPENED = "opened"
    RAISED_URGENT = "raised_urgent"
    DANGER_AGAIN = "danger_again"  # an urgent case's person wrote of new danger (numbered)


@dataclass(frozen=True)
class StaffMember:
    """A staff account. ``key`` is the keyed hash that names them in the store and the audit;
    the ways to reach them privately are optional (none, one or several)."""

    key: str
    name: str
    role: Role
    telegram_id: int | None = None
    zalo_chat: str | None = None
    web_login: str | None = None

    @property
    def supervises(self) -> bool:
        return self.role >= Role.SUPERVISOR

    @property
    def actor(self) -> str:
        """How the audit log names them."""
        return f"{self.name} ({self.role.label})"


@dataclass(frozen=True)
class CaseView:
    """A case as any staff member may see it (the queue, an alert): no personal content."""

    code: str
    tier: Tier
    status: Status
    channel: str
    opened_at: dt.datetime
    province: int | None = None
    reasons: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    relayed: bool = False
    volunteer: bool = False
    abroad: str | None = None
    claimed_by: str | None = None  # the claimer's staff key
    handoff: bool = False

    @property
    def urgent(self) -> bool:
        return self.tier is Tier.URGENT

    @property
    def closed(self) -> bool:
        return self.status is Status.CLOSED

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CaseView:
        """From a store's case record (``CaseRepository.get``)."""
        return cls(
            code=record["code"], tier=Tier(record["tier"]), status=Status(record["status"]),
            channel=record["channel"], opened_at=record["created_at"],
            province=record["province"], reasons=tuple(record["reasons"]),
            needs=tuple(record["needs"]), relayed=bool(record["relayed"]),
            volunteer=bool(record["volunteer"]), abroad=record.get("abroad"),
            claimed_by=record["claimed_by"], handoff=bool(record["handoff"]),
        )


@dataclass(frozen=True)
class Alert:
    """What staff channels are told about a case: code, tier, province, channel, time and the
    triage reason categories. Nothing personal by construction (safety.md, "Alerts and staff").
    ``sequence`` is the outbox row's id once it has one (0 before)."""

    code: str
    tier: Tier
    kind: AlertKind
    channel: str
    at: dt.datetime
    province: int | None = None
    reasons: tuple[str, ...] = ()
    relayed: bool = False
    volunteer: bool = False
    abroad: str | None = None
    sequence: int = 0
    repeat: int = 0  # DANGER_AGAIN: the how-manieth page for new danger on this case (1, 2...)

    @property
    def event(self) -> str:
        """The outbox key beside the case code: one row per case and event, ever."""
        return f"{self.kind.value}:{self.repeat}" if self.repeat else self.kind.value

    @property
    def urgent(self) -> bool:
        return self.tier is Tier.URGENT

    @classmethod
    def of_case(cls, case: CaseView, kind: AlertKind, at: dt.datetime,
                repeat: int = 0) -> Alert:
        return cls(code=case.code, tier=case.tier, kind=kind, channel=case.channel, at=at,
                   province=case.province, reasons=case.reasons, relayed=case.relayed,
                   volunteer=case.volunteer, abroad=case.abroad, repeat=repeat)

    def payload(self) -> dict[str, Any]:
        """The outbox row's JSON (its wire format, read by older code as a dict)."""
        return {"code": self.code, "tier": self.tier.value, "province": self.province,
                "channel": self.channel, "reasons": list(self.reasons),
                "relayed": self.relayed, "volunteer": self.volunteer,
                "time": self.at.isoformat(), "event": self.event, "abroad": self.abroad}

    @classmethod
    def from_payload(cls, payload: dict[str, Any], sequence: int = 0) -> Alert:
        at = dt.datetime.fromisoformat(payload["time"])
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        kind, _, repeat = (payload.get("event") or AlertKind.OPENED.value).partition(":")
        return cls(
            code=payload["code"], tier=Tier(payload["tier"]), kind=AlertKind(kind),
            repeat=int(repeat or 0),
            channel=payload["channel"], at=at, province=payload.get("province"),
            reasons=tuple(payload.get("reasons") or ()),
            relayed=bool(payload.get("relayed")), volunteer=bool(payload.get("volunteer")),
            abroad=payload.get("abroad"), sequence=sequence,
        )


@dataclass(frozen=True)
class Claim:
    """The outcome of pressing Claim: the first claim wins, later ones name the holder."""

    code: str
    won: bool
    holder: str | None = None  # the holder's staff key when ``won`` is False
