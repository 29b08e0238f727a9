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
