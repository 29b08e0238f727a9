"""The CI gate on the evaluation set: every emergency urgent, at most 5% of routine messages
urgent; no gazetteer name on its own is urgent; ``binhan triage --eval`` reports per category."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from handlers.triage import Level, triage
from handlers.triage_eval import EvalFormatError, evaluate_file, parse
from knowledge.gazetteer import Gazetteer
from knowledge.text import fold

DATA = Path(__file__).parent / "data"
SETS = [DATA / "triage_eval.tsv", DATA / "triage_dev.tsv"]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_emergency_is_urgent_and_few_false_alarms(path: Path) -> None:
    report = evaluate_file(path)
    assert report.urgent >= 60 and report.routine >= 60
    missed = [(o.example.line, o.example.text) for o in report.misses]
    assert missed == [], f"{len(missed)} emergencies not urgent"
    alarms = [(o.example.line, o.example.text, [r.value for r in o.result.reasons])
              for o in report.false_alarms]
    assert report.false_alarm_rate <= 0.05, alarms


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_the_labelled_category_is_among_the_reasons(path: Path) -> None:
    """The first answer (111, 115, 113) follows the reasons, so they must be right too."""
    for score in evaluate_file(path).categories():
        assert score.urgent == 0 or score.reason_found / score.urgent >= 0.95, score


def _gazetteer_names(gaz: Gazetteer) -> set[str]:
    names = {p.short for p in gaz.provinces.values()} | {p.name for p in gaz.provinces.values()}
    names |= {c.short for c in gaz.communes.values()} | {c.name for c in gaz.communes.values()}
    names |= {p.short for p in gaz.legacy_provinces.values()}
    names |= {d.name for d in gaz.legacy_districts.values()}
    names |= {c.name for c in gaz.legacy_communes}
    names |= {a.alias for a in gaz.aliases}
    return {n for n in names if n.strip()}


def test_no_place_name_on_its_own_is_urgent(gazetteer: Gazetteer) -> None:
    """Typing one's ward at the location question never pages staff ("Hoàn Kiếm", "Côn Đảo"),
    with or without diacritics, or inside a short answer."""
    names = _gazetteer_names(gazetteer)
    assert len(names) > 10_000
    urgent = sorted(
        form for name in names
        for form in (name, fold(name), f"em ở {name}", f"e o {fold(name)}")
        if triage(form).level is Level.URGENT
    )
    assert urgent == []


def test_place_names_do_not_hide_danger_next_to_them() -> None:
    assert triage("em ở Hoàn Kiếm, chồng em đang cầm dao").urgent
    assert triage("toi o con dao, ck dang danh toi").urgent


def test_cli_eval_prints_each_category_and_the_total(capsys) -> None:
    assert main(["triage", "--eval", str(SETS[0])]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_category = {row["category"]: row for row in rows}
    assert "weapon" in by_category and "child_at_risk" in by_category
    total = by_category["all"]
    assert total["recall"] == 1.0 and total["false_alarm_rate"] <= 0.05
    assert total["urgent"] + total["routine"] == total["messages"]


def test_cli_eval_lists_errors_and_refuses_a_bad_file(tmp_path, capsys) -> None:
    sample = tmp_path / "sample.tsv"
    sample.write_text("# a comment\nurgent\tweapon\txin chào\nroutine\t-\tnó đang bóp cổ em\n",
                      encoding="utf-8")
    assert main(["triage", "--eval", str(sample), "--errors"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = [r for r in rows if "error" in r]
    assert [(e["error"], e["line"]) for e in errors] == [("missed", 2), ("false_alarm", 3)]
    total = next(r for r in rows if r.get("category") == "all")
    assert total["recall"] == 0.0 and total["false_alarm_rate"] == 1.0
    bad = tmp_path / "bad.tsv"
    bad.write_text("urgent only two\tfields\n", encoding="utf-8")
    assert main(["triage", "--eval", str(bad)]) == 1
    assert main(["triage", "--eval", str(tmp_path / "missing.tsv")]) == 1


def test_parse_rejects_unknown_categories() -> None:
    with pytest.raises(EvalFormatError):
        parse(["urgent\tnot_a_reason\tcứu"])


def test_the_same_messages_typed_without_diacritics_or_punctuation() -> None:
    """People type without diacritics and without commas: folding every labelled message (which
    also drops its punctuation) may lose a little, but not much."""
    examples = [e for path in SETS for e in parse(path.read_text(encoding="utf-8").splitlines())
                if fold(e.text)]
    urgent = [e for e in examples if e.urgent]
    routine = [e for e in examples if not e.urgent]
    caught = sum(triage(fold(e.text)).urgent for e in urgent)
    alarms = sum(triage(fold(e.text)).urgent for e in routine)
    assert caught / len(urgent) >= 0.95
    assert alarms / len(routine) <= 0.05
