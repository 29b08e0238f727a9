"""Scoring triage against a labelled set (``tests/data/triage_eval.tsv``).

The file format is the evaluation set's: ``label<TAB>categories<TAB>text`` with ``#`` comments.
Recall is the share of urgent messages that triage makes urgent (per labelled category and
overall); the false-alarm rate is the share of routine messages made urgent (overall, and per
reason the alarm carried). "Reason recall" says how often the labelled category is also among
the reasons, which decides the first answer (111, 115 or 113).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from handlers.triage import Level, Reason, TriageResult, triage


class EvalFormatError(ValueError):
    """A line of the evaluation file is not ``label<TAB>categories<TAB>text``."""


@dataclass(frozen=True)
class Example:
    line: int
    urgent: bool
    categories: tuple[Reason, ...]
    text: str


@dataclass(frozen=True)
class Outcome:
    example: Example
    result: TriageResult

    @property
    def missed(self) -> bool:
        return self.example.urgent and self.result.level is not Level.URGENT

    @property
    def false_alarm(self) -> bool:
        return not self.example.urgent and self.result.level is Level.URGENT


@dataclass
class CategoryScore:
    category: str
    urgent: int = 0
    caught: int = 0
    reason_found: int = 0
    false_alarms: int = 0  # routine messages alarmed with this reason

    def public(self, routine: int) -> dict[str, object]:
        return {
            "category": self.category,
            "urgent": self.urgent,
            "recall": _ratio(self.caught, self.urgent),
            "reason_recall": _ratio(self.reason_found, self.urgent),
            "false_alarms": self.false_alarms,
            "false_alarm_rate": _ratio(self.false_alarms, routine),
        }


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def urgent(self) -> int:
        return sum(o.example.urgent for o in self.outcomes)

    @property
    def routine(self) -> int:
        return len(self.outcomes) - self.urgent

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.missed]

    @property
    def false_alarms(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.false_alarm]

    @property
    def recall(self) -> float:
        return _ratio(self.urgent - len(self.misses), self.urgent)

    @property
    def false_alarm_rate(self) -> float:
        return _ratio(len(self.false_alarms), self.routine)

    def categories(self) -> list[CategoryScore]:
        scores = {r: CategoryScore(r.value) for r in Reason}
        for outcome in self.outcomes:
            if outcome.example.urgent:
                for category in outcome.example.categories:
                    score = scores[category]
                    score.urgent += 1
                    score.caught += not outcome.missed
                    score.reason_found += category in outcome.result.reasons
            elif outcome.false_alarm:
                for reason in outcome.result.reasons:
                    scores[reason].false_alarms += 1
        return list(scores.values())

    def rows(self) -> list[dict[str, object]]:
        """One JSON-ready row per category, then the overall row."""
        rows = [score.public(self.routine) for score in self.categories()]
        rows.append({
            "category": "all", "messages": len(self.outcomes), "urgent": self.urgent,
            "routine": self.routine, "recall": self.recall, "missed": len(self.misses),
            "false_alarms": len(self.false_alarms), "false_alarm_rate": self.false_alarm_rate,
        })
        return rows


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def parse(lines: Iterable[str]) -> list[Example]:
    examples = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n").rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in ("urgent", "routine"):
            raise EvalFormatError(f"line {number}: expected label<TAB>categories<TAB>text")
        label, categories, text = parts
        try:
            reasons = tuple(Reason(c.strip()) for c in categories.split(",")
                            if c.strip() and c.strip() != "-")
        except ValueError as exc:
            raise EvalFormatError(f"line {number}: unknown category") from exc
        examples.append(Example(number, label == "urgent", reasons, text))
    return examples


def evaluate(examples: Iterable[Example]) -> Report:
    return Report([Outcome(e, triage(e.text)) for e in examples])


def evaluate_file(path: Path) -> Report:
    with path.open(encoding="utf-8") as handle:
        return evaluate(parse(handle))
