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
    VIEW_ROSTER = "view_roster"
    EDIT_ROSTER = "edit_roster"    # shifts are set by supervisors and admins
    INVITE = "invite"              # any staff member, as the Telegram /invite command
    REVOKE = "revoke"              # revoking an invite or a volunteer: a supervisor's call
    VIEW_DIRECTORY = "view_directory"
    EDIT_DIRECTORY = "edit_directory"  # facts people act on: supervisors and admins
    STATISTICS = "statistics"      # the organisation's reports
    PUSH = "push"                  # subscribing one's own phone to Web Push


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
    Action.VIEW_ROSTER: Role.STAFF,
    Action.EDIT_ROSTER: Role.SUPERVISOR,
    Action.INVITE: Role.STAFF,
    Action.REVOKE: Role.SUPERVISOR,
    Action.VIEW_DIRECTORY: Role.STAFF,
    Action.EDIT_DIRECTORY: Role.SUPERVISOR,
    Action.STATISTICS: Role.SUPERVISOR,
    Action.PUSH: Role.STAFF,
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
