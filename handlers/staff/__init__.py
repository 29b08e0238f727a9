"""The staff domain, channel-agnostic and without SQL: staff members and their roles, cases as
staff see them, alerts, claims and handoffs (``model``); what happened to a case (``events``);
which events make alerts and who gets them (``alerting``); who may do what (``rules``)."""

from handlers.staff.alerting import AlertOutbox, alert_for, lead_recipient, private_recipients
from handlers.staff.bus import publish
from handlers.staff.events import (
    CaseClaimed,
    CaseClosed,
    CaseOpened,
    CaseRaised,
    CaseUpdated,
    DomainEvent,
    HandoffEnded,
    HandoffStarted,
)
from handlers.staff.model import (
    Alert,
    AlertKind,
    CaseView,
    Claim,
    Handoff,
    Role,
    Roster,
    StaffMember,
    Status,
    Tier,
)
from handlers.staff.rules import CaseAction, escalation_recipients, may, may_claim

__all__ = [
    "Alert",
    "AlertKind",
    "AlertOutbox",
    "CaseAction",
    "CaseClaimed",
    "CaseClosed",
    "CaseOpened",
    "CaseRaised",
    "CaseUpdated",
    "CaseView",
    "Claim",
    "DomainEvent",
    "Handoff",
    "HandoffEnded",
    "HandoffStarted",
    "Role",
    "Roster",
    "StaffMember",
    "Status",
    "Tier",
    "alert_for",
    "escalation_recipients",
    "lead_recipient",
    "may",
    "may_claim",
    "private_recipients",
    "publish",
]
