"""Directory files: the bundled data is valid and honest; broken files are named entry by entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.directory import DirectoryError, load_directory
from knowledge.models import Audience, ServiceKind


def test_bundled_directory_is_valid(gazetteer) -> None:
    directory = load_directory(province_codes=gazetteer.provinces)
    assert len(directory.services) >= 10
    assert {h.number for h in directory.hotlines} >= {"113", "115", "111", "1900 969 680"}


def test_bundled_directory_invents_nothing(gazetteer) -> None:
    directory = load_directory(province_codes=gazetteer.provinces)
    for entry in [*directory.services, *directory.hotlines]:
        assert entry.source.strip()
        if entry.verified:
            assert entry.verified_on is not None
    for s in directory.services:
        if s.kind is ServiceKind.PEACE_HOUSE:
            assert not s.disclose_address and s.address is None
        if s.location is not None:
            assert s.location.precision.value in ("exact", "commune", "province")
    # The old child line is never shown; the unverified national DV line has no number at all.
    obsolete = [h for h in directory.hotlines if h.number == "1800 1567"]
    assert obsolete and not obsolete[0].show


def test_validate_command_passes_on_bundled_data(capsys) -> None:
    assert main(["kb", "validate"]) == 0
    assert "ok:" in capsys.readouterr().out


BROKEN = """
services:
  - id: good-one
    name: {vi: Tốt}
    kind: shelter
    phones: ["111"]
    source: test
  - id: bad-kind
    name: {vi: Sai}
    kind: castle
    source: test
  - id: bad-phone
    name: {vi: Sai}
    kind: shelter
    phones: ["call me maybe"]
    source: test
  - id: good-one
    name: {vi: Trùng}
    kind: shelter
    source: test
  - id: claims-verified
    name: {vi: Sai}
    kind: shelter
    source: test
    verified: true
  - id: no-such-province
    name: {vi: Sai}
    kind: shelter
    province: 99
    source: test
"""


def test_broken_file_names_every_entry(tmp_path: Path, gazetteer) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(path, province_codes=gazetteer.provinces)
    text = "\n".join(caught.value.problems)
    for entry in ("bad-kind", "bad-phone", "claims-verified", "no-such-province"):
        assert f"(id={entry})" in text, entry
    assert "already used" in text
    assert str(path) in text
    assert "good-one" not in text.split("already used")[0].splitlines()[0]


def test_validate_command_fails_naming_the_entry(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["kb", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "(id=bad-kind)" in err and "problem(s) found" in err


def test_unreadable_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("services: [unclosed", encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(path)
    assert "cannot be read as YAML" in caught.value.problems[0]


# -- issue 12: corrections, candidates, every card reachable ---------------------------------

CANDIDATES = Path(__file__).parent.parent / "knowledge/data/sources/directory_candidates.csv"
# Candidates that were already in the directory under another id (merged, sources kept).
MERGED = {
    "oscc-quangninh": "one-stop-quangninh",
    "oscc-thanhhoa": "one-stop-thanhhoa",
    "oscc-danang": "one-stop-danang",
    "oscc-hcm": "one-stop-hcm",
    "tip-nhanhanai-laocai": "nha-nhan-ai-laocai",
    "tip-nhanhanai-longxuyen": "nha-nhan-ai-longxuyen",
    "tip-ctxh-cantho-peacehouse": "peace-house-cantho",
    "btxh-baclieu": "bttxh-baclieu",
    "hl-111": "child-111",
    "hl-18001768": "farmers-union-18001768",
    "hl-02433335599": "csaga-02433335599",
}


def candidates() -> list[dict[str, str]]:
    import csv

    with CANDIDATES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def bundled(gazetteer):
    return load_directory(province_codes=gazetteer.provinces)


def test_every_open_candidate_is_an_entry_and_planned_ones_are_not(bundled) -> None:
    entries = {e.id: e for e in [*bundled.services, *bundled.hotlines]}
    rows = candidates()
    assert len(rows) == 56
    for row in rows:
        entry_id = MERGED.get(row["id"], row["id"])
        planned = "PLANNED" in row["notes"] or "planned" in row["id"]
        assert (entry_id in entries) is not planned, row["id"]
        if planned:
            continue
        entry = entries[entry_id]
        assert entry.source_url == row["source_url"], row["id"]
        if row["source_date"]:
            assert entry.source_date == row["source_date"], row["id"]
        if row["province_code_2025"]:
            assert entry.province == int(row["province_code_2025"]), row["id"]


def test_confidence_is_carried_into_verified_and_may_have_changed(bundled) -> None:
    by_id = {s.id: s for s in bundled.services}
    for row in candidates():
        service = by_id.get(MERGED.get(row["id"], row["id"]))
        if service is None or service.confidence is None:
            continue  # a hotline, a planned centre, or an entry the project checked itself
        assert service.confidence.value in (row["confidence"], "low"), row["id"]
        checked_by_project = service.verified_on == dt.date(2026, 11, 1)  # existence verified
        if row["confidence"] == "high":
            assert service.verified and service.verified_on is not None, row["id"]
        elif not checked_by_project:
            assert not service.verified, row["id"]
        old = not row["source_date"] or row["source_date"] < "2025-07"
        if old or row["confidence"] == "low":
            assert service.may_have_changed, row["id"]
    # A recent medium source: no "may have changed"; a high one from 2023: still may have.
    assert not by_id["ctxh-nghean"].may_have_changed
    assert by_id["btctxh-binhduong"].verified and by_id["btctxh-binhduong"].may_have_changed


def test_confidential_addresses_are_withheld(bundled) -> None:
    by_id = {s.id: s for s in bundled.services}
    for row in candidates():
        service = by_id.get(MERGED.get(row["id"], row["id"]))
        if service is not None and row["disclose_address"] == "false":
            assert not service.disclose_address and service.address is None, row["id"]
    for service in bundled.services:
        if not service.disclose_address:
            # not even the commune: a commune position would locate a shelter
            assert service.address is None and service.location is None, service.id


def test_corrections_from_the_research_check(bundled) -> None:
    by_id = {s.id: s for s in bundled.services}
    cwd = by_id["cwd-hanoi"]
    assert cwd.address is None and cwd.location is None and not cwd.disclose_address
    assert cwd.phones == ["1900 969 680"]
    numbers = [p for s in bundled.services for p in s.phones] + [
        h.number for h in bundled.hotlines
    ]
    assert "1800 1744" not in numbers
    for sid in ("one-stop-danang", "one-stop-hcm"):
        centre = by_id[sid]
        assert "CSAGA" in centre.name.vi and centre.phones == ["024 3333 5599"]
        assert centre.source_date == "2022-06-21" and "2022" in (centre.hours or "")
    baclieu = by_id["bttxh-baclieu"]
    assert baclieu.name.vi == "Trung tâm Bảo trợ xã hội Bạc Liêu"
    assert set(baclieu.audiences) == {Audience.ELDERLY, Audience.DISABILITIES, Audience.ORPHANS}
    assert baclieu.referral_point and "Sở Y tế Cà Mau" in baclieu.note.vi
    cantho = by_id["ctxh-cantho"]
    assert cantho.address.startswith("251/1 đường Tầm Vu") and "phường Tân An" in cantho.address
    assert Audience.TRAFFICKING_RETURNEES in cantho.audiences
    for service in bundled.services:
        note = service.note.vi + (service.note.en or "") if service.note else ""
        assert "Ở tối đa" not in note and "Stays of up to" not in note, service.id
    line = next(h for h in bundled.hotlines if h.number == "111")
    assert "162/2025" in line.source and "mua bán người" in line.what.vi


def test_every_in_person_card_is_reachable(bundled) -> None:
    for service in bundled.services:
        if service.in_person and not service.phones:
            assert service.referral or service.staff_referral, service.id


def test_validate_refuses_an_unreachable_place(tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "services:\n"
        "  - {id: no-way-in, name: {vi: Nhà tạm lánh}, kind: shelter, source: test}\n"
        "  - {id: via-111, name: {vi: A}, kind: shelter, referral: '111', source: test}\n"
        "  - {id: via-staff, name: {vi: B}, kind: shelter, staff_referral: true, source: test}\n"
        "  - {id: a-line, name: {vi: C}, kind: hotline, source: test}\n"
        "  - {id: bad-referral, name: {vi: D}, kind: shelter, referral: 'ask around',"
        " source: test}\n",
        encoding="utf-8",
    )
    assert main(["kb", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "(id=no-way-in): an in-person service with no phone" in err
    assert "(id=bad-referral)" in err
    for fine in ("via-111", "via-staff", "a-line"):
        assert f"(id={fine})" not in err
    assert "2 problem(s) found" in err


def test_spreadsheet_import_keeps_sources_and_reachability(tmp_path: Path, resolver) -> None:
    import csv

    from knowledge.importer import COLUMNS, import_csv

    rows = [
        {"id": "ta-referred", "name_vi": "Nhà tạm lánh xã", "kind": "trusted_address",
         "province": "ca mau", "referral": "111", "source": "Hội Phụ nữ xã, 2026",
         "source_url": "https://example.org/list", "source_date": "2026-10", "confidence": "High"},
        {"id": "ta-staff", "name_vi": "Nhà tạm lánh B", "kind": "trusted_address",
         "province": "96", "staff_referral": "có", "source": "Hội Phụ nữ xã"},
        {"id": "ta-no-way-in", "name_vi": "Nhà tạm lánh C", "kind": "trusted_address",
         "province": "96", "source": "Hội Phụ nữ xã"},
        {"id": "ta-bad-date", "name_vi": "D", "kind": "trusted_address", "phones": "111",
         "source": "Hội Phụ nữ xã", "source_date": "tháng 10"},
    ]
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in COLUMNS})
    report = import_csv(source, resolver, known_ids=set())
    accepted = {s.id: s for s in report.accepted}
    assert set(accepted) == {"ta-referred", "ta-staff"}
    referred = accepted["ta-referred"]
    assert referred.referral == "111" and referred.province == 96
    assert referred.source_url == "https://example.org/list" and referred.source_date == "2026-10"
    assert referred.confidence.value == "high" and not referred.may_have_changed
    assert accepted["ta-staff"].staff_referral
    rejected = {line: " ".join(problems) for line, problems in report.rejected}
    assert "referral" in rejected[4] and "source_date" in rejected[5]
