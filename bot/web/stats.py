"""Statistics for the organisation's reports: counts and times, never a person.

Cases per ISO week by tier, province (or "abroad"), need and channel; time from a case's
opening to its claim and to the first staff message of its handoff (median and 90th
percentile). Every count below ``MIN_CELL`` (but above zero) is suppressed, on the page, in
the charts and in the CSV, because in a small province a count of 1 or 2 in one week can point
at a person; a time figure is given only over ``MIN_CELL`` cases or more. The CSV holds these
aggregates and nothing else. Charts are SVG drawn here (no script, no build step).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from bot.storage.console import CaseFacts

MIN_CELL = 5
DIMENSIONS = ("tier", "province", "need", "channel")
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def week_of(moment: dt.datetime) -> str:
    year, week, _ = moment.astimezone(VIETNAM).isocalendar()
    return f"{year}-W{week:02d}"


def shown(count: int) -> str:
    """A count as it may be published: below ``MIN_CELL`` it is "<5"."""
    return f"<{MIN_CELL}" if 0 < count < MIN_CELL else str(count)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (what a report reader expects: a value that occurred)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timing:
    name: str  # "claim" or "first-reply"
    count: int
    median_minutes: float | None  # None: fewer than MIN_CELL cases
    p90_minutes: float | None


@dataclass
class Report:
    weeks: list[str]
    # dimension -> value -> week -> count
    counts: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    timings: list[Timing] = field(default_factory=list)
    total: int = 0

    def values(self, dimension: str) -> list[str]:
        by_value = self.counts.get(dimension, {})
        return sorted(by_value, key=lambda v: (-sum(by_value[v].values()), v))

    def cell(self, dimension: str, value: str, week: str) -> int:
        return self.counts.get(dimension, {}).get(value, Counter())[week]

    def value_total(self, dimension: str, value: str) -> int:
        return sum(self.counts.get(dimension, {}).get(value, Counter()).values())

    def week_total(self, week: str) -> int:
        return sum(c[week] for c in self.counts.get("tier", {}).values())

    @property
    def suppressed(self) -> bool:
        return any(0 < n < MIN_CELL for by_value in self.counts.values()
                   for weeks in by_value.values() for n in weeks.values())


def build_report(facts: list[CaseFacts], weeks: list[str],
                 province_name: Callable[[int | None], str]) -> Report:
    report = Report(weeks, {d: {} for d in DIMENSIONS})
    claim: list[float] = []
    reply: list[float] = []
    for case in facts:
        week = week_of(case.created_at)
        if week not in weeks:
            continue
        report.total += 1
        province = "abroad" if case.abroad else province_name(case.province)
        groups = {"tier": [case.tier], "province": [province],
                  "need": list(case.needs) or ["none"], "channel": [case.channel]}
        for dimension, values in groups.items():
            for value in values:
                report.counts[dimension].setdefault(value, Counter())[week] += 1
        if case.claimed_at is not None:
            claim.append((case.claimed_at - case.created_at).total_seconds() / 60)
        if case.first_reply_at is not None:
            reply.append((case.first_reply_at - case.created_at).total_seconds() / 60)
    for name, minutes in (("claim", claim), ("first-reply", reply)):
        enough = len(minutes) >= MIN_CELL
        report.timings.append(Timing(
            name, len(minutes),
            round(percentile(minutes, 0.5), 1) if enough else None,
            round(percentile(minutes, 0.9), 1) if enough else None))
    return report


def last_weeks(today: dt.datetime, count: int) -> list[str]:
    return sorted({week_of(today - dt.timedelta(weeks=n)) for n in range(count)})


def to_csv(report: Report) -> str:
    """Aggregates only: one row per dimension, value and week; suppressed cells say so."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "group", "week", "cases", "note"])
    note = f"suppressed: fewer than {MIN_CELL} cases"
    for dimension in DIMENSIONS:
        for value in report.values(dimension):
            for week in report.weeks:
                n = report.cell(dimension, value, week)
                if n == 0:
                    continue
                if n < MIN_CELL:
                    writer.writerow([dimension, value, week, "", note])
                else:
                    writer.writerow([dimension, value, week, n, ""])
    for timing in report.timings:
        if timing.median_minutes is None:
            writer.writerow([f"minutes-to-{timing.name}", "median", "all", "",
                             f"not given: fewer than {MIN_CELL} cases"])
            continue
        writer.writerow([f"minutes-to-{timing.name}", "median", "all", timing.median_minutes,
                         f"over {timing.count} cases"])
        writer.writerow([f"minutes-to-{timing.name}", "p90", "all", timing.p90_minutes,
                         f"over {timing.count} cases"])
    return out.getvalue()


COLOURS = {"urgent": "#a4161a", "routine": "#23395d"}


def weekly_chart(report: Report, title: str) -> str:
    """Stacked bars of cases per week by tier; a suppressed cell is not drawn."""
    width, height, left, bottom = 640, 220, 36, 40
    tiers = report.values("tier")
    heights = []
    for week in report.weeks:
        shown_total = sum(n for t in tiers if (n := report.cell("tier", t, week)) >= MIN_CELL)
        heights.append(shown_total)
    top = max([*heights, MIN_CELL])
    step = (width - left) / max(1, len(report.weeks))
    scale = (height - bottom - 10) / top
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<text x="2" y="14" font-size="11">{top}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
             'stroke="#888"/>']
    for i, week in enumerate(report.weeks):
        x = left + i * step + 2
        y = float(height - bottom)
        for tier in tiers:
            n = report.cell("tier", tier, week)
            if n < MIN_CELL:
                continue
            h = n * scale
            y -= h
            colour = COLOURS.get(tier, "#6c757d")
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - 4:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(week)} '
                         f'{escape(tier)}: {n}</title></rect>')
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="9">'
                     f'{escape(week[-3:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(report: Report, dimension: str, title: str,
              label: Callable[[str], str] = str, limit: int = 12) -> str:
    """Horizontal bars of the period's total per value; totals below ``MIN_CELL`` are left out."""
    rows = [(v, report.value_total(dimension, v)) for v in report.values(dimension)]
    rows = [(v, n) for v, n in rows if n >= MIN_CELL][:limit]
    width, bar, gap, left = 640, 18, 6, 200
    height = max(1, len(rows)) * (bar + gap) + 10
    top = max([n for _, n in rows] + [1])
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (value, n) in enumerate(rows):
        y = 5 + i * (bar + gap)
        w = (width - left - 50) * n / top
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{escape(label(value))}</text>'
                     f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" '
                     f'fill="#23395d"/><text x="{left + w + 4:.1f}" y="{y + 13}" '
                     f'font-size="12">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
