"""``make run`` for a newcomer: the terminal chat prints the console's one-time link, and a danger
message typed in the terminal arrives in the logged-in console without a reload."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

from tests.web_console import enrol, login, session


async def test_a_danger_message_in_the_terminal_alerts_the_console(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"),
           "SECRET_KEY_FILE": str(tmp_path / "c.key")}
    env.pop("SECRET_KEY", None)
    env.pop("WEB_LISTEN", None)
    chat = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "console", env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    assert chat.stdin is not None and chat.stdout is not None
    try:
        link = None
        async with asyncio.timeout(60):
            while link is None:
                line = (await chat.stdout.readline()).decode()
                assert line, "the terminal chat ended before printing the console link"
                found = re.search(r"(http://127\.0\.0\.1:\d+)(/setup/\S+)", line)
                if found:
                    base, link = found.group(1), found.group(1) + found.group(2)
        async with session() as http:
            secret = await enrol(http, link, dt.datetime.now(dt.UTC))
            later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
            assert (await login(http, base, "demo", secret, later)).status == 303
            async with http.get(f"{base}/events") as stream:
                await stream.content.readline()  # connected
                chat.stdin.write(b"ck e dang cam dao doa giet e, cuu e voi\n")
                await chat.stdin.drain()
                event = None
                async with asyncio.timeout(30):
                    async for raw in stream.content:
                        if raw.startswith(b"data: "):
                            event = json.loads(raw[6:])
                            break
            assert event is not None and event["tier"] == "urgent"
            assert "dao" not in event["text"]  # categories, never the person's words
            async with http.get(f"{base}/queue") as response:
                assert event["code"] in await response.text()
        chat.stdin.write(b"/quit\n")
        await chat.stdin.drain()
        out = (await asyncio.wait_for(chat.stdout.read(), 30)).decode()
        assert "[STAFF ALERT]" in out  # the terminal shows it too
        assert await asyncio.wait_for(chat.wait(), 30) == 0
    finally:
        if chat.returncode is None:
            chat.kill()
            await chat.wait()
