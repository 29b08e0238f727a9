"""``binhan run`` at start, as an operator meets it: a rejected token gives one clear line (no
traceback, no token), and an unreachable API is retried with backoff until it answers or the
operator stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conversation import SECRET
from tests.fake_telegram import FakeTelegram

WRONG = "987654:REVOKED-token-value-xyz"
RUN = "import sys; from bot.cli import main; sys.exit(main(['run']))"


def env(tmp_path: Path, api_url: str, token: str) -> dict[str, str]:
    return {**os.environ, "SECRET_KEY": SECRET, "DATABASE_PATH": str(tmp_path / "r.db"),
            "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api_url, "LOG_LEVEL": "INFO",
            "TELEGRAM_WEBHOOK_URL": "", "ZALO_OA_APP_ID": "", "ZALO_BOT_TOKEN": ""}


async def run_to_exit(environment: dict[str, str], seconds: float = 60) -> tuple[int | None, str]:
    """``binhan run`` until it exits by itself: its exit code and all it printed. A run that
    never exits is killed, so it cannot outlive the test."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds)
    finally:
        if process.returncode is None:
            process.kill()
    return process.returncode, (out + err).decode()


async def test_rejected_token_exits_with_a_clear_line(fake: FakeTelegram, tmp_path: Path) -> None:
    returncode, text = await run_to_exit(env(tmp_path, fake.url, WRONG))
    assert returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in text
    assert "Traceback" not in text and "REVOKED" not in text and "987654" not in text


async def test_unreachable_api_is_retried_until_stopped(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN, env=env(tmp_path, "http://127.0.0.1:9/bot", WRONG),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    lines = []
    while sum("could not start" in line for line in lines) < 2:
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        assert line, "exited instead of retrying"
        lines.append(line.decode())
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    text = "".join(lines) + (out + err).decode()
    assert process.returncode == 0
    assert "Traceback" not in text and "REVOKED" not in text
