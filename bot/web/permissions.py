"""Who may do what on the console: one table, checked by every handler before it acts.

A refusal is recorded in the audit log by the caller (``bot.web.app``), never silently dropped.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.web.accounts import Account, Role


class Action(StrEnum):
    VIEW_QUEUE = "view_queue"
    VIEW_CASE = "view_case"
    VIEW_PRIVATE = "view_private"  # how to reach the person: the claimer and supervisors only
    CLAIM = "claim"
    URGENT = "urgent"
    ROUTINE = "routine"            # lowering a case is a supervisor's judgement
    CLOSE = "close"                # the claimer, or a supervisor
    AUDIT = "audit"
    HANDOFF = "handoff"            # talking with the person: the holder only


MIN_ROLE: dict[Action, Role] = {
    Action.VIEW_QUEUE: Role.STAFF,
    Action.VIEW_CASE: Role.STAFF,
    Action.VIEW_PRIVATE: Role.STAFF,
    Action.CLAIM: Role.STAFF,
    Action.URGENT: Role.STAFF,
    Action.ROUTINE: Role.SUPERVISOR,
    Action.CLOSE: Role.STAFF,
    Action.AUDIT: Role.ADMIN,
    Action.HANDOFF: Role.STAFF,
}
HOLDER_OR_SUPERVISOR = {Action.VIEW_PRIVATE, Action.CLOSE}


def allowed(account: Account, action: Action, case: dict[str, Any] | None = None) -> bool:
    if account.role < MIN_ROLE[action]:
        return False
    if action is Action.HANDOFF:
        return case is not None and case["claimed_by"] == account.staff_key
    if action in HOLDER_OR_SUPERVISOR and case is not None:
        return case["claimed_by"] == account.staff_key or account.role >= Role.SUPERVISOR
    return True
