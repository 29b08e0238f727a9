"""Alerts reach staff whatever channel the person used: a Zalo-only deployment alerts the web
console, and one with no staff channel at all says so loudly instead of staying silent."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from bot.alerts import AlertDispatcher
from bot.config import Settings
from bot.runner import serve
from bot.staff_channels import NO_STAFF_CHANNEL, FanOut, warn_without_staff_channel
from bot.storage import Outbox
from bot.web.accounts import Role, create_account, setup_link
from handlers.catalogue import default_catalogue
from handlers.ports import CaseDraft
from knowledge.gazetteer import default_gazetteer
from tests.conversation import SECRET, Clock, open_store
from tests.fake_zalo import BOT_TOKEN, FakeZaloBot
from tests.web_console import enrol, free_port, login, session


async def test_no_staff_channel_keeps_the_alert_waiting(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "a.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        await uow.cases.open(CaseDraft("urgent", "zalo_bot", "zb:1", reasons=["weapon"]),
                             clock.now)
        await uow.commit()
    dispatcher = AlertDispatcher(store, FanOut([]), default_catalogue(), default_gazetteer(),
                                 clock)
    assert await dispatcher.deliver_due() == 0
    clock.advance(minutes=10)
    [(_, alert, attempts)] = await Outbox(store).due(clock.now)  # still there, never "sent"
    assert alert["tier"] == "urgent" and attempts == 1
    await store.close()


async def test_the_warning_repeats_while_nobody_can_be_told(
        caplog: pytest.LogCaptureFixture) -> None:
    calls = 0

    async def channels() -> list[str]:
        nonlocal calls
        calls += 1
        return [] if calls < 3 else ["web"]

    caplog.set_level(logging.ERROR, logger="bot.staff_channels")
    task = asyncio.create_task(warn_without_staff_channel(channels, every=0.01))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if calls >= 4:
            break
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    warnings = [r for r in caplog.records if r.getMessage() == NO_STAFF_CHANNEL]
    assert len(warnings) == 2  # twice while nothing was configured, then quiet


def _settings(tmp_path: Path, api: str, **extra: object) -> Settings:
    return Settings(_env_file=None, database_path=tmp_path / "binhan.db",  # type: ignore[call-arg]
                    secret_key=SECRET, zalo_bot_token=BOT_TOKEN, zalo_bot_api_url=api,
                    log_level="WARNING", **extra)


async def _until(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_zalo_only_without_staff_channel_says_so_loudly(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeZaloBot()
    api = await fake.start()
    caplog.set_level(logging.ERROR)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(_settings(tmp_path, api), stop))
    fake.push(fake.update("zalo-user-1", "cuu toi, ck cam dao doa giet e"))

    async def answered() -> bool:
        return bool(fake.texts_to("zalo-user-1"))

    await _until(answered)
    stop.set()
    await running
    assert any(r.getMessage() == NO_STAFF_CHANNEL for r in caplog.records)
    for record in caplog.records:  # the loud line names settings, never a token or a person
        assert BOT_TOKEN not in record.getMessage() and "zalo-user-1" not in record.getMessage()
    store = await open_store(tmp_path / "binhan.db")
    pending = await Outbox(store).due(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert [alert["tier"] for _, alert, _ in pending] == ["urgent"]  # waiting, not lost
    await store.close()
    await fake.stop()


async def test_zalo_only_deployment_alerts_the_web_console(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeZaloBot()
    api = await fake.start()
    port = free_port()
    settings = _settings(tmp_path, api, web_listen=f"127.0.0.1:{port}",
                         web_secure_cookies=False)
    store = await open_store(tmp_path / "binhan.db")
    now = dt.datetime.now(dt.UTC)
    async with store.unit_of_work() as uow:
        token = await create_account(uow, store.secrets, "lan", "Lan", Role.STAFF,
                                     dt.timedelta(hours=1), now)
        await uow.commit()
    await store.close()
    caplog.set_level(logging.ERROR)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(settings, stop))
    base = f"http://127.0.0.1:{port}"
    try:
        async with session() as http:
            for _ in range(100):  # the listener comes up with the service
                with contextlib.suppress(OSError):
                    async with http.get(f"{base}/healthz") as response:
                        health = await response.json()
                        break
                await asyncio.sleep(0.05)
            assert health["status"] == "ok"
            secret = await enrol(http, setup_link(base, token), dt.datetime.now(dt.UTC))
            response = await login(http, base, "lan", secret,
                                   dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
            assert response.status == 303
            async with http.get(f"{base}/events") as stream:
                assert stream.headers["Content-Type"].startswith("text/event-stream")
                fake.push(fake.update("zalo-user-2", "cuu e voi, ck dang cam dao doi giet e"))
                event = None
                async with asyncio.timeout(10):
                    async for line in stream.content:
                        if line.startswith(b"data: "):
                            event = json.loads(line[6:])
                            break
        assert event is not None and event["tier"] == "urgent"
        assert "weapon" in event["text"] and "zalo-user-2" not in event["text"]
    finally:
        stop.set()
        await running
        await fake.stop()
    assert not any(r.getMessage() == NO_STAFF_CHANNEL for r in caplog.records)
