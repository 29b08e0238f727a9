"""§7 of ``make bench``: the crash test at 100 kills per door (``tests/test_crash.py`` runs 20).

The same machinery as the test (a pre-loaded parent forks ``binhan run``; each child is killed
with SIGKILL after 0.05-0.65 s while a burst with urgent messages arrives), with more kills and
more people, reported per door rather than asserted. ``python -m benchmarks.run --only crash``
runs this section alone and puts it into an existing report in place of the old one.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.test_crash import DOORS, CrashReport, Zygote, crash_door

HEADING = "## 7. Crash safety"


async def crash_reports(kills: int, people: int) -> list[CrashReport]:
    async with Zygote() as zygote:
        reports = []
        with tempfile.TemporaryDirectory() as folder:
            for seed, door in enumerate(DOORS, start=101):
                reports.append(await crash_door(zygote, door, Path(folder) / door.__name__,
                                                seed, kills, people))
    return reports


async def crash_section(kills: int, people: int) -> list[str]:
    start = time.monotonic()
    reports = await crash_reports(kills, people)
    lines = [HEADING, "",
             f"`binhan run` killed with SIGKILL {kills} times per door, each child after "
             "0.05-0.65 s (during start-up, recovery of what the last one left, processing or "
             f"sending), while {people} people write once each (every fifth in danger), spread "
             "over the kills; then one clean start finishes everything. Alerts go to the Telegram "
             "staff group at every door. Acknowledged: webhook 200, Telegram's getUpdates offset, "
             "or (Zalo Bot polling, which has no acknowledgement) an update handed out by "
             "getUpdates. Lost: acknowledged and never processed. Repeats are the at-least-once "
             "boundary: a kill between the platform accepting a message and the database noting "
             "it sends that one message again.", "",
             "| door | kills | events | acknowledged | lost | in danger | urgent cases | "
             "unalerted | alerts doubled | person-reply repeats | most copies | unanswered | "
             "wall time |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in reports:
        lines.append(f"| {r.door} | {r.kills} | {r.events} | {r.acknowledged} | {r.lost} | "
                     f"{r.urgent_written} | {r.urgent_cases} | {r.unalerted} | "
                     f"{r.alerts_doubled} | {r.reply_repeats} | {r.most_copies} | "
                     f"{r.unanswered} | "
                     f"{r.seconds:.1f} s |")
    lines += ["", "In danger: people whose message was urgent; urgent cases: one per such "
              "person whose message was processed (a lost message opens none). Unanswered: "
              "processed but no reply. Most copies: the most times any one alert or reply was "
              "sent (1 = nothing repeated). Total "
              f"{time.monotonic() - start:.0f} s, including loading the parent once.", ""]
    return lines


def splice(report: str, section: list[str]) -> str:
    """Put the section (its first line is its "## " heading) into a report: in place of an
    earlier one, else before the targets, else at the end. Other sections are left exactly as
    they were."""
    lines = report.splitlines()
    heading = section[0]
    if heading in lines:
        first = lines.index(heading)
        end = next((i for i in range(first + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines[first:end] = section
    elif "## Targets" in lines:
        at = lines.index("## Targets")
        lines[at:at] = section
    else:
        lines += ["", *section]
    return "\n".join(lines) + ("\n" if report.endswith("\n") else "")
