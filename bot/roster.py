"""The optional weekly on-call schedule, beside the live ``/oncall on|off`` roster.

``ONCALL_SCHEDULE`` lists who is on call when, in Vietnam's time zone (UTC+7, no daylight saving):
``7001=mon-fri@08:00-17:00; 7002=sat,sun@00:00-24:00``. A staff member is on call when they
said ``/oncall on`` or the schedule says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

VIETNAM = dt.timezone(dt.timedelta(hours=7))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Shift:
    user_id: int
    days: frozenset[int]
    start: dt.time
    end_minutes: int  # minutes after midnight; 1440 for "24:00"

    def covers(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(VIETNAM)
        minutes = local.hour * 60 + local.minute
        start = self.start.hour * 60 + self.start.minute
        return local.weekday() in self.days and start <= minutes < self.end_minutes


def _days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip().lower()
        if "-" in part:
            first, last = (DAYS.index(p.strip()) for p in part.split("-", 1))
            span = range(first, last + 1) if first <= last else [*range(first, 7),
                                                                 *range(0, last + 1)]
            days.update(span)
        else:
            days.add(DAYS.index(part))
    return frozenset(days)


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 1440:
        raise ValueError(f"{text} is not a time of day")
    return value


def parse_schedule(text: str | None) -> list[Shift]:
    """Parse ``ONCALL_SCHEDULE``; raises ValueError naming the entry that is wrong."""
    shifts: list[Shift] = []
    for entry in (text or "").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        try:
            who, when = entry.split("=", 1)
            days, hours = when.split("@", 1)
            start, end = hours.split("-", 1)
            start_minutes = _minutes(start)
            shifts.append(Shift(int(who), _days(days),
                                dt.time(start_minutes // 60 % 24, start_minutes % 60),
                                _minutes(end)))
        except ValueError as exc:
            raise ValueError(f"ONCALL_SCHEDULE entry {entry!r}: {exc}") from None
    return shifts


def scheduled_now(shifts: list[Shift], moment: dt.datetime) -> set[int]:
    return {shift.user_id for shift in shifts if shift.covers(moment)}
