"""A small run of every benchmark, so the suite cannot rot. It reports; it asserts only that each
benchmark ran to the end, produced numbers, and lost nothing."""

from __future__ import annotations

import math
import re
from pathlib import Path

from benchmarks.run import main


def test_benchmark_suite_runs_and_writes_its_report(tmp_path: Path, capsys) -> None:
    out = tmp_path / "benchmarks.md"
    assert main(["--smoke", "--out", str(out)]) == 0
    capsys.readouterr()
    report = out.read_text(encoding="utf-8")
    for heading in ("## 1. Full-stack cost per update", "## 2. Spike with urgent cases",
                    "## 3. Knowledge at national scale", "## 4. Memory", "## Targets"):
        assert heading in report
    assert "nan" not in report.lower()
    rows = [line for line in report.splitlines() if line.startswith("| priority")
            or line.startswith("| FIFO")]
    assert len(rows) == 2 and all(line.rstrip(" |").endswith("| 0") for line in rows)  # lost 0
    numbers = [float(x) for x in re.findall(r"(\d+\.\d+) ms", report)]
    assert numbers and all(math.isfinite(n) and n > 0 for n in numbers)
