"""The script-facing commands print one JSON object per line."""

from __future__ import annotations

import io
import json

from bot.cli import main


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_where_arguments(capsys) -> None:
    assert main(["where", "em", "đang", "ở", "bac", "giang"]) == 0
    (row,) = lines(capsys.readouterr().out)
    assert row["input"] == "em đang ở bac giang"
    assert row["province"] == {"code": 24, "name": "Bắc Ninh"}
    assert row["legacy_province"] == "Bắc Giang"


def test_where_stdin(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("sai gon\n\nxin chào\ndn\n"))
    assert main(["where", "-"]) == 0
    rows = lines(capsys.readouterr().out)
    assert [r["input"] for r in rows] == ["sai gon", "xin chào", "dn"]
    assert rows[0]["province"]["code"] == 79
    assert rows[1]["province"] is None and rows[1]["ambiguous"] == []
    assert len(rows[2]["ambiguous"]) == 2


def test_nearest_by_coordinates(capsys) -> None:
    assert main(["nearest", "--lat", "21.03", "--lon", "105.85", "--need", "shelter"]) == 0
    (row,) = lines(capsys.readouterr().out)
    assert row["province"] == 1 and not row["outside_vietnam"]
    distances = [s["distance_km"] for s in row["services"] if s["distance_km"] is not None]
    assert distances == sorted(distances)
    assert row["hotlines"][0]["number"] == "113"


def test_nearest_by_place_and_outside(capsys) -> None:
    assert main(["nearest", "--place", "bac lieu", "--limit", "2"]) == 0
    (row,) = lines(capsys.readouterr().out)
    assert row["province"] == 96
    sourced = [s for s in row["services"] if s["scope"] != "commune"]
    assert 1 <= len(sourced) <= 2  # the limit counts sourced places; the commune's bodies follow
    assert [s["kind"] for s in row["services"][len(sourced):]] == ["police", "commune_committee"]
    assert main(["nearest", "--lat", "13.5", "--lon", "114.9"]) == 0  # the open sea
    (row,) = lines(capsys.readouterr().out)
    assert row["outside_vietnam"] is True and row["services"] == []
    assert row["hotlines"]


def test_nearest_without_origin_is_a_usage_error(capsys) -> None:
    assert main(["nearest"]) == 2
    assert "--lat" in capsys.readouterr().err


def test_kb_coverage_lines_and_map(capsys, tmp_path) -> None:
    png = tmp_path / "coverage.png"
    assert main(["kb", "coverage", "--map", str(png)]) == 0
    captured = capsys.readouterr()
    rows = lines(captured.out)
    assert len(rows) == 34 + 1  # every 2025 province, then the whole country
    provinces = rows[:-1]
    assert len({r["province"] for r in provinces}) == 34
    national = rows[-1]
    assert national["province"] is None and national["communes"] == 3321
    assert sum(r["communes"] for r in provinces) == 3321
    assert sum(r["in_person"] for r in provinces) <= national["in_person"]
    for row in provinces:
        assert set(row["by_need"]) >= {"shelter", "legal", "livelihood", "foreign_marriage"}
        assert row["none_known"] == (row["in_person"] == 0)
        assert 0 <= row["nearest_median_km"] <= row["nearest_worst_km"]
        assert row["nearest_verified_median_km"] <= row["nearest_verified_worst_km"]
        assert row["nearest_median_km"] <= row["nearest_verified_median_km"]  # verified ⊂ sourced
    hanoi = next(r for r in provinces if r["province"] == 1)
    assert hanoi["verified_in_person"] >= 3 and hanoi["nearest_verified_worst_km"] < 60
    assert next(r for r in provinces if r["province"] == 51)["none_known"]  # Quảng Ngãi
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert "map written" in captured.err


def test_kb_coverage_map_into_a_missing_folder_is_a_usage_error(capsys, tmp_path) -> None:
    assert main(["kb", "coverage", "--map", str(tmp_path / "no" / "map.png")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_kb_stale(capsys, tmp_path) -> None:
    assert main(["kb", "stale", "--days", "30", "--today", "2026-11-23"]) == 0
    rows = lines(capsys.readouterr().out)
    ids = [r["id"] for r in rows]
    assert "bttxh-baclieu" in ids and "police-113" not in ids  # checked 2026-11-01: 22 days
    assert all(r["age_days"] is None for r in rows)  # never verified: all of them, first
    assert main(["kb", "stale", "--days", "30", "--today", "2027-01-15"]) == 0
    later = lines(capsys.readouterr().out)
    aged = [r for r in later if r["age_days"] is not None]
    assert {"police-113", "cwd-hanoi", "tgpl-daklak"} <= {r["id"] for r in aged}
    assert [r["age_days"] for r in aged] == sorted((r["age_days"] for r in aged), reverse=True)
    assert later[: len(later) - len(aged)] == rows  # the never-verified come first
    first = aged[0]
    assert first["verified_on"] and first["source"] and first["type"] in ("service", "hotline")


def test_kb_stale_on_a_file_and_bad_days(capsys, tmp_path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "services:\n"
        "  - {id: old-one, name: {vi: A}, kind: hotline, source: test, verified: true,"
        " verified_on: 2025-01-01}\n"
        "  - {id: new-one, name: {vi: B}, kind: hotline, source: test, verified: true,"
        " verified_on: 2026-11-20}\n",
        encoding="utf-8",
    )
    assert main(["kb", "stale", "--days", "90", "--today", "2026-11-23", str(path)]) == 0
    (row,) = lines(capsys.readouterr().out)
    assert row["id"] == "old-one" and row["age_days"] == 691
    try:
        main(["kb", "stale", "--days", "ninety"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "not a whole number" in capsys.readouterr().err
