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
