"""The statistics' arithmetic: weeks in Vietnam's time, nearest-rank median and 90th
percentile, and small counts suppressed everywhere they are published."""

from __future__ import annotations

import csv
import datetime as dt
import io

from bot.storage.console import CaseFacts
from bot.web.stats import bar_chart, build_report, to_csv, week_of, weekly_chart

MONDAY = dt.datetime(2026, 11, 16, 3, 0, tzinfo=dt.UTC)  # Monday 10:00 in Vietnam


def case(opened: dt.datetime, tier: str = "urgent", province: int | None = 1,
         channel: str = "zalo_bot", needs: tuple[str, ...] = ("shelter",),
         claim: float | None = None, reply: float | None = None) -> CaseFacts:
    return CaseFacts(opened, tier, province, None, channel, needs,
                     opened + dt.timedelta(minutes=claim) if claim is not None else None,
                     opened + dt.timedelta(minutes=reply) if reply is not None else None)


def names(code: int | None) -> str:
    return {1: "Hà Nội", 79: "Hồ Chí Minh"}.get(code or -1, "unknown")


def test_weeks_are_counted_in_vietnam_time() -> None:
    sunday_late = dt.datetime(2026, 11, 22, 16, 30, tzinfo=dt.UTC)  # Sunday 23:30 in Vietnam
    monday_early = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)  # Monday 00:30 in Vietnam
    assert week_of(sunday_late) == "2026-W47"
    assert week_of(monday_early) == "2026-W48"


def test_times_are_nearest_rank_median_and_p90_over_enough_cases() -> None:
    facts = [case(MONDAY + dt.timedelta(hours=n), claim=n + 1, reply=2 * (n + 1))
             for n in range(10)]
    report = build_report(facts, ["2026-W47"], names)
    claim, reply = report.timings
    assert (claim.count, claim.median_minutes, claim.p90_minutes) == (10, 5.0, 9.0)
    assert (reply.count, reply.median_minutes, reply.p90_minutes) == (10, 10.0, 18.0)
    few = build_report(facts[:4], ["2026-W47"], names)
    assert few.timings[0].median_minutes is None and few.timings[0].count == 4


def test_small_cells_are_suppressed_in_the_csv_and_left_out_of_charts() -> None:
    facts = [case(MONDAY + dt.timedelta(minutes=n)) for n in range(6)]
    facts += [case(MONDAY, tier="routine", province=79, channel="telegram", needs=())]
    report = build_report(facts, ["2026-W47"], names)
    rows = {(r["table"], r["group"]): r for r in csv.DictReader(io.StringIO(to_csv(report)))}
    assert rows[("tier", "urgent")]["cases"] == "6"
    assert rows[("province", "Hồ Chí Minh")]["cases"] == ""
    assert "fewer than 5" in rows[("province", "Hồ Chí Minh")]["note"]
    assert rows[("need", "none")]["cases"] == ""  # a case with no need counts under "none"
    chart = bar_chart(report, "province", "by province")
    assert "Hà Nội" in chart and "Hồ Chí Minh" not in chart
    weekly = weekly_chart(report, "weekly")
    assert "urgent: 6" in weekly and "routine" not in weekly
    assert report.suppressed
