"""The terminal channel, run as a person would: the real ``binhan console`` with typed lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_console(tmp_path: Path, lines: list[str]) -> str:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"),
           "SECRET_KEY_FILE": str(tmp_path / "c.key")}
    env.pop("SECRET_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"], input="\n".join(lines) + "\n",
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )
    return done.stdout


def test_console_conversation_with_staff_alert(tmp_path: Path) -> None:
    out = run_console(tmp_path, ["xin chao", "1", "/location 21.03 105.85", "1", "/quit"])
    assert "1. Tôi đang gặp nguy hiểm" in out
    assert "113" in out
    assert "[STAFF ALERT]" in out and "KHẨN CẤP" in out
    assert out.count("[STAFF ALERT]") == 1  # one alert per case event; later details add none
    alert = out.split("[STAFF ALERT]")[1].split("!!!!")[0]
    assert "21.03" not in alert and "xin chao" not in alert  # nothing personal in an alert
    key = tmp_path / "c.key"
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600


def test_console_resumes_after_restart_and_quick_exit(tmp_path: Path) -> None:
    run_console(tmp_path, ["hi", "2", "2"])
    out = run_console(tmp_path, ["1"])  # a new process: continues at "what do you need?"
    assert "Bạn đang ở đâu?" in out
    out = run_console(tmp_path, ["/x", "hi"])
    assert "[conversation cleared]" in out
    assert "1. Tôi đang gặp nguy hiểm" in out
