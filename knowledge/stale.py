"""Entries whose verification is old or missing (``binhan kb stale``), for whoever keeps the
directory: what to re-check first. Never-verified entries come first, then the oldest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from knowledge.directory import Directory
from knowledge.models import Hotline, Service


@dataclass(frozen=True)
class StaleEntry:
    entry: Service | Hotline
    age_days: int | None  # None: never verified

    def public(self) -> dict[str, object]:
        e = self.entry
        return {
            "id": e.id,
            "type": "service" if isinstance(e, Service) else "hotline",
            "name": e.name.vi,
            "province": e.province,
            "verified": e.verified,
            "verified_on": None if e.verified_on is None else e.verified_on.isoformat(),
            "age_days": self.age_days,
            "source": e.source,
            "source_url": e.source_url,
            "source_date": e.source_date,
        }


def stale_entries(directory: Directory, days: int, today: dt.date) -> list[StaleEntry]:
    """Entries not verified, or verified more than ``days`` days before ``today``."""
    out: list[StaleEntry] = []
    entries: list[Service | Hotline] = [*directory.services, *directory.hotlines]
    for entry in entries:
        if not entry.verified or entry.verified_on is None:
            out.append(StaleEntry(entry, None))
            continue
        age = (today - entry.verified_on).days
        if age > days:
            out.append(StaleEntry(entry, age))
    return sorted(out, key=lambda s: (s.age_days is not None, -(s.age_days or 0), s.entry.id))
