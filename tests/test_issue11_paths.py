"""Issue 11 failures that had a test, but not through the path that failed: here through the
real one (``binhan run`` as a process, python-telegram-bot against the loopback fake, a real
SQLite file).

- a valid token behind a wrong API URL (getMe answers 404) must stop ``binhan run`` with one
  clear line, not a traceback that prints the token (only the 401 case was tested);
- a steady flood (messages keep coming while tokens trickle back) gets one notice, not one
  every couple of seconds (only the gate itself and an instant burst were tested);
- ``binhan rotate-key`` refuses while a real ``binhan run`` holds the database, and works once
  it stopped (the test before only wrote the lock row by hand);
- a reply Telegram accepted is not sent again when the bookkeeping after it fails (tested with
  a recording transport, not through python-telegram-bot and the Bot API).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.sender import Pacing
from tests.conversation import SECRET
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.telegram_harness import CHAT, RunningBot
from tests.test_startup import RUN, run_to_exit


def run_env(tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update({"DATABASE_PATH": str(tmp_path / "r.db"), "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": api_url, "LOG_LEVEL": "INFO", **extra})
    return env


async def test_a_valid_token_behind_a_wrong_api_url_stops_with_a_clear_line(
        fake: FakeTelegram, tmp_path: Path) -> None:
    """A proxy path typo: getMe answers 404. Before, the traceback printed the URL, token
    included."""
    wrong = fake.url.replace("/bot", "/proxy/bot")
    returncode, text = await run_to_exit(run_env(tmp_path, wrong, SECRET_KEY=SECRET))
    assert returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in text and "TELEGRAM_API_URL" in text
    assert "Traceback" not in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text


async def test_a_steady_flood_gets_one_notice(fake: FakeTelegram, tmp_path: Path) -> None:
    """Eight messages a second for four seconds against a gate of three that refills two a
    second: tokens keep coming back while the flood goes on. One notice for the whole flood
    (before, the notice came again each time the bucket ran dry after a token came back)."""
    flooder = 5301
    async with RunningBot(fake, tmp_path / "f.db",
                          engine_config={"flood_burst": 3, "flood_per_minute": 120}) as bot:
        sent = []
        for i in range(32):
            sent.append(await fake.user_sends(flooder, text=f"alo alo ad oi {i}"))
            await asyncio.sleep(0.125)
        await bot.settled(sent[-1])
        texts = [m["text"] for m in fake.bot_messages(flooder)]
        notices = [t for t in texts if "nhiều tin nhắn liên tiếp" in t]
        assert len(notices) == 1, texts
        at = texts.index(notices[0])
        assert "113" in "\n".join(texts[at:at + 2])  # the emergency numbers come with it
        answered = len(texts) - len(notices)
        assert 3 < answered < 32 * 2  # tokens came back (answered) and it was a flood (dropped)


async def test_rotate_key_refuses_while_binhan_run_runs(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """Before, rotate-key re-encrypted under a running bot, which could then no longer open
    the sessions it held."""
    fake = FakeTelegram()
    await fake.start()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "r.db"))
    key_file = tmp_path / "var" / "binhan.key"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN, env=run_env(tmp_path, fake.url), cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stderr is not None
        while b"is running" not in await asyncio.wait_for(process.stderr.readline(), 60):
            pass
        old = key_file.read_text()
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["rotate-key"]) == 3
        assert "stop it first" in capsys.readouterr().err
        assert key_file.read_text() == old
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
        await fake.stop()
    assert process.returncode == 0
    assert await asyncio.to_thread(main, ["rotate-key"]) == 0  # stopped cleanly: lock released
    assert key_file.read_text() != old


async def test_a_reply_telegram_accepted_is_not_sent_again_when_bookkeeping_fails(
        fake: FakeTelegram, tmp_path: Path) -> None:
    """Before, an exception after Telegram accepted a message left the row unsent, and the
    person got the same message again every second."""
    async with RunningBot(fake, tmp_path / "a.db",
                          Pacing(per_chat_interval=0.0, per_second=1000, idle_poll=0.02)) as bot:
        queue = bot.channel.sender.queue
        real_sent = queue.sent  # the accepted rows' bookkeeping, once per sender step
        failures = {"left": 2}

        async def sent_fails_twice(*args: Any, **kwargs: Any) -> None:
            if failures["left"]:
                failures["left"] -= 1
                raise OSError("database is locked")  # after Telegram said ok
            await real_sent(*args, **kwargs)

        queue.sent = sent_fails_twice  # type: ignore[method-assign]
        await bot.say("cuu em voi ck em dang danh em")
        deadline = time.monotonic() + 3  # several sender rounds: a repeat would show by now
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        texts = [m["text"] for m in fake.bot_messages(CHAT)]
        assert failures["left"] == 0
        assert texts and len(texts) == len(set(texts)), texts  # each reply exactly once
        assert "113" in "\n".join(texts)
        assert await queue.count_pending("telegram") == 0  # and marked sent in the end
