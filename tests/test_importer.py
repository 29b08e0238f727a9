"""CSV import: good rows become a directory file that loads back; bad rows are refused."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.cli import main
from knowledge.directory import load_directory
from knowledge.importer import COLUMNS, import_csv


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in COLUMNS})


GOOD = {
    "id": "ta-bacgiang-1",
    "name_vi": "Địa chỉ tin cậy thôn Đông",
    "kind": "trusted_address",
    "audiences": "women; children",
    "offers": "emergency_shelter",
    "province": "bac giang",  # an old name, typed without diacritics
    "phones": "0204 3855 555",
    "lat": "21.27",
    "lon": "106.19",
    "precision": "commune",
    "source": "Commune People's Committee list, 2026",
    "verified": "no",
}


def test_import_accepts_good_rows_and_rejects_bad_ones(tmp_path: Path, resolver) -> None:
    rows = [
        GOOD,
        {**GOOD, "id": "bad-kind", "kind": "castle"},
        {**GOOD, "id": "bad-province", "province": "Atlantis"},
        {**GOOD, "id": "ambiguous-province", "province": "dn"},
        {**GOOD, "id": "no-source", "source": ""},
        {**GOOD, "id": "bad-phone", "phones": "not a phone"},
        {**GOOD, "id": "bad-lat", "lat": "200"},
        {**GOOD, "id": "bad-flag", "verified": "perhaps"},
        {**GOOD},  # duplicate id
        {**GOOD, "id": "unverified-claim", "verified": "yes"},  # verified without a date
    ]
    source = tmp_path / "in.csv"
    write_csv(source, rows)
    report = import_csv(source, resolver, known_ids=set())
    assert [s.id for s in report.accepted] == ["ta-bacgiang-1"]
    assert report.accepted[0].province == 24  # Bắc Giang is now part of Bắc Ninh
    rejected = dict(report.rejected)
    assert sorted(rejected) == list(range(3, 12))
    assert any("kind" in p for p in rejected[3])
    assert any("not a known province" in p for p in rejected[4])
    assert any("several provinces" in p for p in rejected[5])
    assert any("source" in p for p in rejected[6])
    assert any("phone" in p for p in rejected[7])
    assert any("lat" in p for p in rejected[8])
    assert any("not yes or no" in p for p in rejected[9])
    assert any("already used" in p for p in rejected[10])
    assert any("verified_on" in p for p in rejected[11])


def test_missing_columns_are_reported(tmp_path: Path, resolver) -> None:
    source = tmp_path / "in.csv"
    source.write_text("name\nfoo\n", encoding="utf-8")
    report = import_csv(source, resolver, known_ids=set())
    assert report.accepted == []
    assert "missing column" in report.rejected[0][1][0]


def test_import_command_writes_a_valid_directory_file(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.csv"
    out = tmp_path / "imported.yaml"
    write_csv(source, [GOOD, {**GOOD, "id": "bad", "kind": "castle"}])
    assert main(["kb", "import", str(source), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"{source}:3:" in captured.err
    assert "1 row(s) written" in captured.out
    loaded = load_directory(out)
    assert [s.id for s in loaded.services] == ["ta-bacgiang-1"]
    assert loaded.services[0].location is not None
    assert main(["kb", "validate", str(out)]) == 0
