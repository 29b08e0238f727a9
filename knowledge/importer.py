"""Import services from a spreadsheet (CSV) so staff can keep the directory where they work.

One row per service, checked by the same rules as the directory files (an in-person place with
no phone names a ``referral`` line or is ``staff_referral``). List columns (``audiences``,
``offers``, ``phones``, ``languages``) take values separated by ``;``. ``province`` takes a 2025
code or any name the place resolver knows (old or new, with or without diacritics). Rows that
fail are reported with their line number and every reason; the rows that pass are written as a
directory file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge.directory import describe_errors, reachability_problems
from knowledge.models import Service
from knowledge.places import PlaceResolver

COLUMNS = (
    "id",
    "name_vi",
    "name_en",
    "kind",
    "audiences",
    "offers",
    "province",
    "legacy_province",
    "address",
    "disclose_address",
    "phones",
    "hours",
    "open_24_7",
    "lat",
    "lon",
    "precision",
    "languages",
    "note_vi",
    "note_en",
    "referral",
    "staff_referral",
    "referral_point",
    "source",
    "source_url",
    "source_date",
    "confidence",
    "verified_on",
    "verified",
)
REQUIRED = ("id", "name_vi", "kind", "source")
TRUE = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE = {"", "0", "false", "no", "n", "không", "khong"}


@dataclass
class ImportReport:
    accepted: list[Service] = field(default_factory=list)
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _flag(value: str, name: str, problems: list[str], default: bool) -> bool:
    folded = value.strip().lower()
    if not folded:
        return default
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    problems.append(f"{name}: '{value}' is not yes or no")
    return default


def _province(value: str, resolver: PlaceResolver, problems: list[str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        code = int(value)
        if code not in resolver.gz.provinces:
            problems.append(f"province: {code} is not a 2025 province code")
        return code
    place = resolver.resolve(value)
    if place.province is None:
        reason = "names several provinces" if place.ambiguous else "is not a known province"
        problems.append(f"province: '{value}' {reason}")
        return None
    return place.province.code


def row_to_raw(row: dict[str, str], resolver: PlaceResolver, problems: list[str]) -> dict[str, Any]:
    get = {key: (row.get(key) or "").strip() for key in COLUMNS}
    for key in REQUIRED:
        if not get[key]:
            problems.append(f"{key}: required")
    raw: dict[str, Any] = {
        "id": get["id"],
        "name": {"vi": get["name_vi"], "en": get["name_en"] or None},
        "kind": get["kind"],
        "audiences": _split(get["audiences"]),
        "offers": _split(get["offers"]),
        "province": _province(get["province"], resolver, problems),
        "legacy_province": get["legacy_province"] or None,
        "address": get["address"] or None,
        "disclose_address": _flag(get["disclose_address"], "disclose_address", problems, True),
        "phones": _split(get["phones"]),
        "hours": get["hours"] or None,
        "open_24_7": _flag(get["open_24_7"], "open_24_7", problems, False),
        "referral": get["referral"] or None,
        "staff_referral": _flag(get["staff_referral"], "staff_referral", problems, False),
        "referral_point": _flag(get["referral_point"], "referral_point", problems, False),
        "source": get["source"],
        "source_url": get["source_url"] or None,
        "source_date": get["source_date"] or None,
        "confidence": get["confidence"].lower() or None,
        "verified_on": get["verified_on"] or None,
        "verified": _flag(get["verified"], "verified", problems, False),
    }
    if get["languages"]:
        raw["languages"] = _split(get["languages"])
    if get["note_vi"]:
        raw["note"] = {"vi": get["note_vi"], "en": get["note_en"] or None}
    if get["lat"] or get["lon"]:
        raw["location"] = {
            "lat": get["lat"],
            "lon": get["lon"],
            "precision": get["precision"] or "exact",
        }
    return raw


def import_csv(path: Path, resolver: PlaceResolver, known_ids: set[str]) -> ImportReport:
    """Validate every row; ``known_ids`` are ids already in the directory (a clash is refused)."""
    report = ImportReport()
    try:
        _read_rows(path, resolver, known_ids, report)
    except (csv.Error, UnicodeDecodeError) as exc:
        # A file that is not CSV text (NUL bytes, another encoding): refused as a whole, with
        # what was read so far reported, rather than a crash.
        report.rejected.append((0, [f"the file cannot be read as UTF-8 CSV ({exc})"]))
    return report


def _read_rows(path: Path, resolver: PlaceResolver, known_ids: set[str],
               report: ImportReport) -> None:
    seen = set(known_ids)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            report.rejected.append((1, [f"missing column(s): {', '.join(missing)}"]))
            return
        for line, row in enumerate(reader, start=2):
            problems: list[str] = []
            raw = row_to_raw(row, resolver, problems)
            service = None
            try:
                service = Service.model_validate(raw)
            except ValidationError as exc:
                problems.extend(describe_errors(exc))
            if service is not None:
                problems.extend(reachability_problems(service))
            if service is not None and service.id in seen:
                problems.append(f"id: '{service.id}' is already used")
            if problems or service is None:
                report.rejected.append((line, problems))
                continue
            seen.add(service.id)
            report.accepted.append(service)
