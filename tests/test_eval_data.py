"""The hand-written evaluation data keeps its format and size.

The triage gate and the conversation corpus are only as good as the data they read: a stray tab,
an unknown category or a silently shrunk file would let a regression pass unseen. These checks
read the files exactly as the gate does and fail on the first malformed line.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).parent / "data"
TRIAGE_EVAL = DATA / "triage_eval.tsv"

CATEGORIES = frozenset({
    "violence_now", "weapon", "threat_to_kill", "strangulation", "sexual_violence",
    "confinement_trafficking", "self_harm", "child_at_risk", "injury",
})
MIN_URGENT = 270
MIN_ROUTINE = 380
MIN_PER_CATEGORY = 20


@dataclass(frozen=True)
class EvalLine:
    """One labelled message of the triage evaluation set."""

    lineno: int
    label: str
    categories: tuple[str, ...]
    text: str


def parse_eval(path: Path) -> list[EvalLine]:
    """Parse the TSV, raising ValueError with the line number on any malformed line."""
    lines: list[EvalLine] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split("\t")
        if len(fields) != 3:
            raise ValueError(f"line {lineno}: {len(fields)} fields, expected 3")
        label, cats, text = fields
        if not text.strip():
            raise ValueError(f"line {lineno}: empty text")
        if label == "urgent":
            categories = tuple(cats.split(","))
            unknown = set(categories) - CATEGORIES
            if unknown or not categories:
                raise ValueError(f"line {lineno}: bad categories {sorted(unknown)}")
        elif label == "routine":
            if cats != "-":
                raise ValueError(f"line {lineno}: routine lines take '-' as categories")
            categories = ()
        else:
            raise ValueError(f"line {lineno}: unknown label {label!r}")
        lines.append(EvalLine(lineno, label, categories, text))
    return lines


def test_triage_eval_format_and_counts() -> None:
    lines = parse_eval(TRIAGE_EVAL)
    labels = Counter(line.label for line in lines)
    assert labels["urgent"] >= MIN_URGENT, labels
    assert labels["routine"] >= MIN_ROUTINE, labels
    per_category = Counter(c for line in lines for c in line.categories)
    thin = {c: per_category[c] for c in CATEGORIES if per_category[c] < MIN_PER_CATEGORY}
    assert not thin, f"categories with fewer than {MIN_PER_CATEGORY} urgent lines: {thin}"


def test_triage_eval_has_no_duplicate_texts() -> None:
    seen: dict[str, int] = {}
    for line in parse_eval(TRIAGE_EVAL):
        key = unicodedata.normalize("NFC", line.text).strip().lower()
        assert key not in seen, f"line {line.lineno} repeats line {seen[key]}"
        seen[key] = line.lineno


def test_triage_eval_has_a_header() -> None:
    first = TRIAGE_EVAL.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#")


@pytest.mark.parametrize("bad, message", [
    ("urgent\tviolence_now", "2 fields"),
    ("urgent\tpanic\tcứu", "bad categories"),
    ("routine\tweapon\tdao cạo", "take '-'"),
    ("maybe\t-\tchào", "unknown label"),
    ("urgent\tweapon\tnó\tcó dao", "4 fields"),
])
def test_parser_rejects_malformed_lines(tmp_path: Path, bad: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("# header\nroutine\t-\tchào\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        parse_eval(path)


# --- The conversation corpus -------------------------------------------------------------------

CONVERSATIONS = DATA / "conversations.yaml"
PROVINCES_CSV = Path(__file__).parent.parent / "knowledge" / "data" / "gazetteer" / "provinces.csv"
MIN_CONVERSATIONS = 45
WHO = frozenset({"victim", "child", "relay", "bystander", "professional", "abroad", "returnee",
                 "man", "elderly", "english"})
CHANNELS = frozenset({"telegram", "zalo_bot", "zalo_oa", "terminal"})
TURN_KINDS = frozenset({"say", "location", "tap"})
LIST_KEYS = frozenset({"numbers_first", "contains_any", "contains_all", "not_contains"})
# alert_abroad, alert_relayed, contact: what the staff alert and the call-back details say
# (read by tests/test_conversation_corpus.py)
EXPECT_KEYS = LIST_KEYS | {"alert", "province", "abroad", "km", "exit", "max_messages", "lang",
                           "alert_abroad", "alert_relayed", "contact"}
ALERTS = frozenset({"urgent", "routine", "none"})


def province_codes() -> frozenset[int]:
    rows = PROVINCES_CSV.read_text(encoding="utf-8").splitlines()[1:]
    return frozenset(int(row.split(",", 1)[0]) for row in rows if row.strip())


def conversation_problems(conversations: object, provinces: frozenset[int]) -> list[str]:
    """Every way a conversation breaks the runner's schema, as readable strings."""
    if not isinstance(conversations, list):
        return ["the file must hold a list of conversations"]
    problems: list[str] = []
    ids: set[str] = set()
    for n, conv in enumerate(conversations):
        where = f"conversation {n}"
        if not isinstance(conv, dict):
            problems.append(f"{where}: not a mapping")
            continue
        where = f"conversation {conv.get('id', n)!r}"
        unknown = set(conv) - {"id", "who", "channel", "note", "turns"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        cid = conv.get("id")
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: no id")
        elif cid in ids:
            problems.append(f"{where}: duplicate id")
        else:
            ids.add(cid)
        if conv.get("who") not in WHO:
            problems.append(f"{where}: who must be one of {sorted(WHO)}")
        if "channel" in conv and conv["channel"] not in CHANNELS:
            problems.append(f"{where}: unknown channel {conv['channel']!r}")
        if not isinstance(conv.get("note"), str) or not conv["note"].strip():
            problems.append(f"{where}: a note saying what a good outcome is")
        turns = conv.get("turns")
        if not isinstance(turns, list) or not turns:
            problems.append(f"{where}: no turns")
            continue
        for t, turn in enumerate(turns):
            problems.extend(turn_problems(f"{where} turn {t}", turn, provinces))
    return problems


def turn_problems(where: str, turn: object, provinces: frozenset[int]) -> list[str]:
    if not isinstance(turn, dict):
        return [f"{where}: not a mapping"]
    problems: list[str] = []
    kinds = set(turn) & TURN_KINDS
    if len(kinds) != 1 or set(turn) - TURN_KINDS - {"expect"}:
        return [f"{where}: exactly one of say/location/tap, plus expect"]
    kind = kinds.pop()
    value = turn[kind]
    if kind == "say" and (not isinstance(value, str) or not value.strip()):
        problems.append(f"{where}: say needs text")
    if kind == "tap" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        problems.append(f"{where}: tap needs a menu number")
    if kind == "location":
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, int | float) for v in value)
              and -90 <= value[0] <= 90 and -180 <= value[1] <= 180)
        if not ok:
            problems.append(f"{where}: location needs [lat, lon]")
    expect = turn.get("expect", {})
    if not isinstance(expect, dict):
        return [*problems, f"{where}: expect must be a mapping"]
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        problems.append(f"{where}: unknown expectations {sorted(unknown)}")
    for key in LIST_KEYS & set(expect):
        items = expect[key]
        if not isinstance(items, list) or not items or not all(
                isinstance(i, str) and i for i in items):
            problems.append(f"{where}: {key} needs a list of strings")
    if "alert" in expect and expect["alert"] not in ALERTS:
        problems.append(f"{where}: alert must be urgent, routine or none")
    if "province" in expect and expect["province"] not in provinces:
        problems.append(f"{where}: province {expect['province']!r} is not a 2025 code")
    abroad = expect.get("abroad")
    if "abroad" in expect and not (isinstance(abroad, str) and len(abroad) == 2
                                   and abroad.isupper() and abroad != "VN"):
        problems.append(f"{where}: abroad needs an ISO country code other than VN")
    for flag in ("km", "exit"):
        if flag in expect and expect[flag] is not True:
            problems.append(f"{where}: {flag} is only ever true")
    if "max_messages" in expect and not (isinstance(expect["max_messages"], int)
                                         and expect["max_messages"] >= 1):
        problems.append(f"{where}: max_messages needs a positive number")
    if "lang" in expect and expect["lang"] not in {"en", "vi"}:
        problems.append(f"{where}: lang is en or vi")
    return problems


def test_conversations_schema_and_count() -> None:
    conversations = yaml.safe_load(CONVERSATIONS.read_text(encoding="utf-8"))
    assert conversation_problems(conversations, province_codes()) == []
    assert len(conversations) >= MIN_CONVERSATIONS
    kinds = Counter(c["who"] for c in conversations)
    assert set(kinds) == WHO, f"no conversation for {sorted(WHO - set(kinds))}"


@pytest.mark.parametrize("bad, problem", [
    ([{"id": "x", "who": "victim", "turns": [{"say": "hi"}]}], "a note"),
    ([{"id": "x", "who": "alien", "note": "n", "turns": [{"say": "hi"}]}], "who must"),
    ([{"id": "x", "who": "victim", "note": "n", "turns": [{"say": "hi", "tap": 1}]}],
     "exactly one"),
    ([{"id": "x", "who": "victim", "note": "n",
       "turns": [{"say": "hi", "expect": {"province": 63}}]}], "not a 2025 code"),
    ([{"id": "x", "who": "victim", "note": "n",
       "turns": [{"say": "hi", "expect": {"alert": "high"}}]}], "alert must"),
    ([{"id": "x", "who": "victim", "note": "n",
       "turns": [{"location": [200, 1]}]}], "location needs"),
    ([{"id": "x", "who": "victim", "note": "n",
       "turns": [{"say": "hi", "expect": {"reason": "weapon"}}]}], "unknown expectations"),
])
def test_conversation_checker_catches_mistakes(bad: list[object], problem: str) -> None:
    problems = conversation_problems(bad, province_codes())
    assert any(problem in p for p in problems), problems
