"""Loading and validating the directory of services and hotlines from human-edited YAML files.

Staff edit these files (or a spreadsheet imported by ``knowledge.importer``), so every problem is
reported with the file and the entry it concerns, and all problems are reported at once: a person
fixing the data should not have to run the validator once per mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.models import CommuneBody, Hotline, Service, UnitWords

SECTIONS: dict[str, type[Service | Hotline | CommuneBody]] = {
    "services": Service,
    "hotlines": Hotline,
    "commune_bodies": CommuneBody,
}
SINGLE = {"unit_words": UnitWords}


class DirectoryError(Exception):
    """The directory could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Directory:
    services: list[Service] = field(default_factory=list)
    hotlines: list[Hotline] = field(default_factory=list)
    # Bodies every commune has by law, generated per commune by knowledge.fallback.
    commune_bodies: list[CommuneBody] = field(default_factory=list)
    unit_words: UnitWords | None = None

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)


def bundled_folder() -> Path:
    return Path(str(resources.files("knowledge") / "data"))


def describe_errors(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "entry"
        out.append(f"{where}: {item['msg']}")
    return out


def _yaml_files(path: Path) -> list[Path]:
    """The directory files at a path; none when the path cannot even be looked at (a name too
    long for the file system raises rather than answering False on Python 3.11)."""
    try:
        if path.is_file():
            return [path]
        return sorted(p for p in path.glob("*.yaml") if p.is_file())
    except OSError:
        return []


def _parse(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot be read as YAML: {exc}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict) or not set(data) <= set(SECTIONS) | set(SINGLE):
        problems.append(f"{path}: expected a mapping with 'services' and/or 'hotlines' lists")
        return {}
    return data


def load_directory(
    path: Path | None = None, province_codes: Iterable[int] | None = None
) -> Directory:
    """Load every ``*.yaml`` under ``path`` (the bundled data by default).

    ``province_codes``, when given, are the valid 2025 codes: an entry naming another is refused.
    Raises ``DirectoryError`` with every problem found.
    """
    folder = path or bundled_folder()
    files = _yaml_files(folder)
    problems: list[str] = []
    if not files:
        problems.append(f"{folder}: no directory files (*.yaml) found")
    valid_provinces = set(province_codes) if province_codes is not None else None
    directory = Directory()
    seen: dict[str, str] = {}
    for file in files:
        data = _parse(file, problems)
        for section, model in SECTIONS.items():
            entries = data.get(section) or []
            if not isinstance(entries, list):
                problems.append(f"{file}: '{section}' must be a list")
                continue
            for position, raw in enumerate(entries):
                label = f"{file}: {section}[{position}]"
                if isinstance(raw, dict) and raw.get("id"):
                    label += f" (id={raw['id']})"
                entry, found = check_entry(model, raw, seen, valid_provinces)
                problems.extend(f"{label}: {msg}" for msg in found)
                if entry is None:
                    continue
                seen[entry.id] = str(file)
                getattr(directory, section).append(entry)
        for section, single in SINGLE.items():
            if data.get(section) is None:
                continue
            try:
                setattr(directory, section, single.model_validate(data[section]))
            except ValidationError as exc:
                problems.extend(f"{file}: {section}: {msg}" for msg in describe_errors(exc))
    if problems:
        raise DirectoryError(problems)
    return directory


def check_entry(
    model: type[Service | Hotline | CommuneBody], raw: object, seen: dict[str, str],
    valid_provinces: set[int] | None,
) -> tuple[Service | Hotline | CommuneBody | None, list[str]]:
    """One entry checked as ``binhan kb validate`` checks it: the model (formats, sources,
    "verified needs verified_on"), an id not used elsewhere (``seen``: id -> where), a 2025
    province code, and for a place that a card can reach it. Returns the entry (None when it
    must not be used) and every problem found. The console's directory edits use this too."""
    try:
        entry = model.model_validate(raw)
    except ValidationError as exc:
        return None, describe_errors(exc)
    if entry.id in seen:
        return None, [f"id already used in {seen[entry.id]}"]
    province = getattr(entry, "province", None)
    if valid_provinces is not None and province is not None and province not in valid_provinces:
        return None, [f"province {province} is not a 2025 code"]
    if isinstance(entry, Service):
        return entry, reachability_problems(entry)
    return entry, []


def entry_problems(
    directory: Directory, section: str, raw: dict[str, Any],
    province_codes: Iterable[int] | None = None,
) -> list[str]:
    """What is wrong with ``raw`` as the new version of an entry of ``directory``: the same
    checks as loading the directory files, against every other entry's id."""
    model = SECTIONS[section]
    entries: list[Service | Hotline] = [*directory.services, *directory.hotlines]
    seen = {e.id: "the directory" for e in entries if e.id != raw.get("id")}
    valid = set(province_codes) if province_codes is not None else None
    return check_entry(model, raw, seen, valid)[1]


def with_overrides(
    directory: Directory, overrides: Iterable[tuple[str, dict[str, Any]]],
    province_codes: Iterable[int] | None = None,
) -> tuple[Directory, list[str]]:
    """The directory with a deployment's own corrections (section, whole entry) in place of
    the bundled entries of the same id, or added. Each is checked again: one that no longer
    passes (say the bundled data changed) is left out and named, never used half-valid."""
    services = {s.id: s for s in directory.services}
    hotlines = {h.id: h for h in directory.hotlines}
    skipped: list[str] = []
    for section, raw in overrides:
        if section not in ("services", "hotlines"):
            skipped.append(f"{raw.get('id')}: unknown section {section}")
            continue
        problems = entry_problems(directory, section, raw, province_codes)
        if problems:
            skipped.append(f"{raw.get('id')}: {problems[0]}")
            continue
        if section == "services":
            services[raw["id"]] = Service.model_validate(raw)
        else:
            hotlines[raw["id"]] = Hotline.model_validate(raw)
    return Directory(list(services.values()), list(hotlines.values()),
                     directory.commune_bodies, directory.unit_words), skipped


def reachability_problems(service: Service) -> list[str]:
    """Issue 12, "every card reachable": a place with no phone of its own must name the line
    that refers people to it, or be marked as reached only through staff."""
    if service.in_person and not service.reachable:
        return [
            "an in-person service with no phone needs a 'referral' line or "
            "'staff_referral: true'"
        ]
    return []


def dump_services(services: list[Service], path: Path) -> None:
    """Write services as a directory file that ``load_directory`` reads back unchanged."""
    payload = {"services": [s.model_dump(mode="json", exclude_defaults=True) for s in services]}
    path.write_text(
        yaml.safe_dump(payload, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
