"""Triage corrections by staff (issue 17): what ``binhan triage-report`` counts.

When staff mark a case urgent that triage left routine (a miss), or routine that triage made
urgent (a false alarm), only the reason categories, the old and new tier and the time are kept:
no text, no case code, no identifier, so the table says nothing about any person.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from bot.storage import ts

if TYPE_CHECKING:
    from bot.storage import Store

TRIAGE_CORRECTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS triage_corrections (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    old_tier TEXT NOT NULL,
    new_tier TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]'   -- JSON list of triage reason categories only
);
"""


class TriageCorrections:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, old_tier: str, new_tier: str, reasons: list[str],
                     now: dt.datetime) -> None:
        if old_tier == new_tier:
            return
        await self.store.db.execute(
            "INSERT INTO triage_corrections (at, old_tier, new_tier, reasons) VALUES (?, ?, ?, ?)",
            (ts(now), old_tier, new_tier, json.dumps(sorted(set(reasons)))),
        )

    async def lower_to_routine(self, code: str, now: dt.datetime) -> tuple[str, list[str]] | None:
        """Set a case routine (its escalation stops, as escalation only follows urgent cases);
        returns the old tier and the triage reasons, or None for an unknown case."""
        async with self.store.db.execute(
            "SELECT tier, reasons FROM cases WHERE code = ?", (code.upper(),)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        await self.store.db.execute(
            "UPDATE cases SET tier = 'routine', next_escalation_at = NULL, updated_at = ? "
            "WHERE code = ?",
            (ts(now), code.upper()),
        )
        return row[0], json.loads(row[1])

    async def by_week(self) -> list[dict[str, Any]]:
        """Misses (routine→urgent) and false alarms (urgent→routine) per ISO week and reason
        category; a correction with no triage reason counts under "none"."""
        async with self.store.db.execute(
            "SELECT at, new_tier, reasons FROM triage_corrections ORDER BY at"
        ) as cursor:
            rows = await cursor.fetchall()
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for at, new, reasons in rows:
            year, week, _ = dt.datetime.fromtimestamp(at, dt.UTC).isocalendar()
            kind = "misses" if new == "urgent" else "false_alarms"
            for category in json.loads(reasons) or ["none"]:
                slot = counts.setdefault((f"{year}-W{week:02d}", category),
                                         {"misses": 0, "false_alarms": 0})
                slot[kind] += 1
        return [{"week": week, "category": category, **slot}
                for (week, category), slot in sorted(counts.items())]
