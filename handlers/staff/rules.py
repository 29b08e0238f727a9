"""Who on the staff may do what to a case, whatever the channel they act from.

Details, close, block, unblock and raising urgency belong to the claimer or a supervisor (an
admin is a supervisor too); talking with the person through the bot belongs to the claimer
only; a claim wins only on a case nobody holds. The Telegram desk and the web console ask the
same questions here.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from handlers.staff.model import CaseView, StaffMember, Status


class CaseAction(StrEnum):
    VIEW = "view"  # the private details
    CLOSE = "close"
    BLOCK = "block"
    UNBLOCK = "unblock"
    URGENT = "urgent"
    HANDOFF = "handoff_message"
    END_HANDOFF = "end_handoff"


HOLDER_ONLY = frozenset({CaseAction.HANDOFF, CaseAction.END_HANDOFF})


def holds(member: StaffMember, case: CaseView) -> bool:
    return case.claimed_by is not None and case.claimed_by == member.key


def may(member: StaffMember, action: CaseAction, case: CaseView) -> bool:
    if action in HOLDER_ONLY:
        return holds(member, case)
    return member.supervises or holds(member, case)


def may_claim(case: CaseView) -> bool:
    """The first claim wins: only a new case can be claimed (the store enforces it too, under
    two simultaneous claims)."""
    return case.status is Status.NEW


def escalation_recipients(level: int, on_call: Sequence[StaffMember],
                          everyone: Sequence[StaffMember]) -> list[StaffMember]:
    """An unclaimed urgent case goes to the on-call staff first; from the second round, or at
    once when nobody is on call, to every supervisor and admin as well."""
    people = {m.key: m for m in on_call}
    if level >= 1 or not people:
        for member in everyone:
            if member.supervises:
                people.setdefault(member.key, member)
    return list(people.values())
