"""The directory on the console: list, search, edit, and the queue of entries to re-check.

An edit never invents a fact. The edited entry goes through the very checks of
``binhan kb validate`` (``knowledge.directory.entry_problems``) and is refused with their words
when one fails; and a changed phone, address or hours must come with where it was found (a
source, its link or its date changed too), because a fact without a source is not one
(safety.md, "Directory data"). Saved edits are the deployment's overrides (``DirectoryOverrides``),
audited, and the running bot's search is rebuilt with them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.storage import Store
from bot.storage.console import DirectoryOverride, DirectoryOverrides
from knowledge.directory import Directory, entry_problems, with_overrides
from knowledge.models import Hotline, Service
from knowledge.stale import StaleEntry, stale_entries
from knowledge.text import fold

log = logging.getLogger(__name__)

STALE_DAYS = 180  # an entry not re-checked for six months goes to the queue
# Fields that are facts a person acts on: changing one needs its source.
FACTS = ("phones", "number", "address", "hours", "open_24_7", "referral")
SOURCES = ("source", "source_url", "source_date")


@dataclass(frozen=True)
class EntryView:
    """One entry as a row of the list."""

    id: str
    section: str
    name: str
    province: str
    reach: str
    verified_on: str
    overridden: bool


@dataclass
class EditResult:
    saved: bool
    problems: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _optional(text: str) -> str | None:
    return text.strip() or None


def form_to_raw(entry: Service | Hotline, form: dict[str, str]) -> dict[str, Any]:
    """The entry as it would be after the edit: its stored form with the edited fields in place.
    Typed values are parsed as the YAML files are (the model validates them)."""
    raw: dict[str, Any] = entry.model_dump(mode="json", exclude_defaults=True)
    raw["id"] = entry.id
    name = dict(raw.get("name") or {})
    name["vi"] = form.get("name_vi", "").strip()
    if form.get("name_en", "").strip():
        name["en"] = form["name_en"].strip()
    else:
        name.pop("en", None)
    raw["name"] = name
    if isinstance(entry, Service):
        raw["phones"] = _lines(form.get("phones", ""))
        raw["address"] = _optional(form.get("address", ""))
        raw["referral"] = _optional(form.get("referral", ""))
    else:
        raw["number"] = form.get("number", "").strip()
    raw["hours"] = _optional(form.get("hours", ""))
    raw["open_24_7"] = form.get("open_24_7") == "on"
    raw["source"] = form.get("source", "").strip()
    raw["source_url"] = _optional(form.get("source_url", ""))
    raw["source_date"] = _optional(form.get("source_date", ""))
    raw["verified"] = form.get("verified") == "on"
    raw["verified_on"] = _optional(form.get("verified_on", ""))
    return {k: v for k, v in raw.items() if v is not None}


def unsourced_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Facts changed while every source field stayed as it was."""
    changed = [f for f in FACTS if before.get(f) != after.get(f)
               and (before.get(f) or after.get(f))]
    if not changed:
        return []
    if any(before.get(s) != after.get(s) for s in SOURCES):
        return []
    return changed


class DirectoryDesk:
    """The bundled directory with the deployment's overrides, as the console edits it."""

    def __init__(self, store: Store, bundled: Directory, province_codes: Iterable[int],
                 province_name: Callable[[int | None], str]) -> None:
        self.store = store
        self.bundled = bundled
        self.province_codes = set(province_codes)
        self.province_name = province_name
        self.directory = bundled
        self.overrides: dict[str, DirectoryOverride] = {}
        self.on_change: Callable[[Directory], None] | None = None  # the runner's search

    async def load(self) -> Directory:
        async with self.store.unit_of_work() as uow:
            found = await DirectoryOverrides(uow.store).all()
        self.overrides = {o.entry_id: o for o in found}
        self.directory, _ = with_overrides(self.bundled, [(o.section, o.body) for o in found],
                                           self.province_codes)
        return self.directory

    def entries(self) -> list[Service | Hotline]:
        return [*self.directory.hotlines, *self.directory.services]

    def entry(self, entry_id: str) -> Service | Hotline | None:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def view(self, entry: Service | Hotline) -> EntryView:
        if isinstance(entry, Service):
            section, reach = "services", ", ".join(entry.phones) or (entry.referral or "")
        else:
            section, reach = "hotlines", entry.number
        return EntryView(entry.id, section, entry.name.vi, self.province_name(entry.province),
                         reach, entry.verified_on.isoformat() if entry.verified_on else "",
                         entry.id in self.overrides)

    def search(self, query: str, limit: int = 60) -> list[EntryView]:
        """Entries whose id, names or province match every word typed (with or without
        diacritics)."""
        words = fold(query).split()
        out: list[EntryView] = []
        for entry in self.entries():
            view = self.view(entry)
            haystack = fold(" ".join([entry.id, entry.name.vi, entry.name.en or "",
                                      view.province, view.reach]))
            if all(word in haystack for word in words):
                out.append(view)
                if len(out) >= limit:
                    break
        return out

    def stale(self, today: dt.date, days: int = STALE_DAYS) -> list[StaleEntry]:
        return stale_entries(self.directory, days, today)

    async def edit(self, entry: Service | Hotline, form: dict[str, str], actor: str,
                   now: dt.datetime) -> EditResult:
        section = "services" if isinstance(entry, Service) else "hotlines"
        before: dict[str, Any] = entry.model_dump(mode="json")
        raw = form_to_raw(entry, form)
        problems = entry_problems(self.directory, section, raw, self.province_codes)
        unsourced = unsourced_changes(before, {**before, **dict.fromkeys(FACTS), **raw})
        if unsourced:
            problems.append("unsourced:" + ",".join(unsourced))
        if problems:
            async with self.store.unit_of_work() as uow:
                await uow.audit.record(actor, "directory_edit_refused", now,
                                       detail=f"{entry.id}: {len(problems)} problem(s)")
                await uow.commit()
            return EditResult(False, problems, raw)
        async with self.store.unit_of_work() as uow:
            await DirectoryOverrides(uow.store).put(section, raw, actor, now)
            await uow.audit.record(actor, "directory_edit", now, detail=entry.id)
            await uow.commit()
        await self.load()
        if self.on_change is not None:
            self.on_change(self.directory)
        return EditResult(True, [], raw)


async def with_saved_overrides(store: Store, bundled: Directory,
                               province_codes: Iterable[int]) -> Directory:
    """The bundled directory with the overrides saved on the console, for the bot at start.
    An override that no longer passes the checks (the bundled data changed under it) is left
    out and named by its public entry id."""
    async with store.unit_of_work() as uow:
        found = await DirectoryOverrides(uow.store).all()
    if not found:
        return bundled
    directory, skipped = with_overrides(bundled, [(o.section, o.body) for o in found],
                                        province_codes)
    for problem in skipped:
        log.error("directory override not used: %s", problem)
    return directory
