"""The staff domain, channel-agnostic and without SQL: staff members and their roles, cases as
staff see them, alerts and claims (``model``); what happened to a case (``events``);
which events make alerts and who gets them (``alerting``); who may do what (``rules``)."""

from handlers.staff.alerting import (
    FOLLOW_UP_AFTER,
    AlertOutbox,
    Copy,
    FanOut,
    alert_for,
    fan_out,
    lead_recipient,
    private_recipients,
)
from handlers.staff.bus import publish
from handlers.staff.events import (
    CaseClaimed,
    CaseClosed,
    CaseDangerAgain,
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
    Role,
    StaffMember,
    Status,
    Tier,
)
from handlers.staff.rules import CaseAction, escalation_recipients, may, may_claim

__all__ = [
    "FOLLOW_UP_AFTER",
    "Alert",
    "AlertKind",
    "AlertOutbox",
    "CaseAction",
    "CaseClaimed",
    "CaseClosed",
    "CaseDangerAgain",
    "CaseOpened",
    "CaseRaised",
    "CaseUpdated",
    "CaseView",
    "Claim",
    "Copy",
    "DomainEvent",
    "FanOut",
    "HandoffEnded",
    "HandoffStarted",
    "Role",
    "StaffMember",
    "Status",
    "Tier",
    "alert_for",
    "escalation_recipients",
    "fan_out",
    "lead_recipient",
    "may",
    "may_claim",
    "private_recipients",
    "publish",
]
