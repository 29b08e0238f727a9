"""The inbox at the Zalo doors: Zalo never resends an event it got 200 for, so an acknowledged
event must be stored first and survive a failure or a crash; a signed but stale event (a replay)
is refused; a body too deep or too big is refused before anything parses it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from bot.storage import Inbox
from tests.conversation import Clock
from tests.fake_zalo import FakeZaloOA
from tests.test_inbox import Flaky
from tests.test_zalo import USER, ZaloWorld

DANGER = "cuu em voi, ck em dang cam dao doa giet em"


@pytest.fixture
def clock() -> Clock:
    return Clock()


class _Engine:
    """Lets ``tests.test_inbox.Flaky`` wrap the engine a Zalo channel uses."""

    def __init__(self, channel) -> None:  # type: ignore[no-untyped-def]
        self.channel = channel


async def test_oa_event_acknowledged_then_failing_is_retried_not_lost(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa.intake.retry_base = 0.05
        flaky = Flaky(_Engine(z.oa), times=2)  # type: ignore[arg-type]
        assert await z.oa_fake.deliver(z.oa_fake.text_event(USER, DANGER)) == 200
        for _ in range(100):
            await z.oa.intake.recover()
            await z.settle()
            if "113" in "\n".join(z.oa_fake.texts_to(USER)):
                break
            await asyncio.sleep(0.02)
        assert flaky.left == 0
        assert "113" in "\n".join(z.oa_fake.texts_to(USER))
        assert await Inbox(z.store).count_pending() == 0


async def test_oa_event_stored_before_a_crash_is_processed_on_restart(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        async def never(body: dict) -> None:
            await asyncio.Event().wait()  # the process dies before it gets to the event

        z.oa.intake.process = never
        status = await z.oa_fake.deliver(z.oa_fake.text_event(USER, DANGER))
        await z.oa.intake.stop()
        assert status == 200
        assert await Inbox(z.store).count_pending("zalo_oa") == 1
    async with ZaloWorld(tmp_path, clock) as z:  # the next start, same database
        z.oa_fake.last_from_user[USER] = z.oa_fake.now()  # (a new fake: Zalo saw them write)
        assert await z.oa.intake.recover() == 1
        await z.settle()
        assert "113" in "\n".join(z.oa_fake.texts_to(USER))
        assert await Inbox(z.store).count_pending() == 0


async def test_oa_signed_but_stale_event_is_refused(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        event = z.oa_fake.text_event(USER, DANGER)
        event["timestamp"] = str(int((time.time() - 3 * 3600) * 1000))  # captured, replayed
        assert await z.oa_fake.deliver(event) == 401  # signed correctly for that timestamp
        await z.settle()
        assert z.oa_fake.sent == []
        assert await Inbox(z.store).count_pending() == 0


async def test_deep_bodies_are_refused_before_parsing(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        deep = b'{"app_id": "1", "timestamp": "1", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
        async with aiohttp.ClientSession() as http:
            async with http.post(z.oa_fake.webhook_url, data=deep,
                                 headers={"X-ZEvent-Signature": "mac=00"}) as response:
                assert response.status == 400
            async with http.post(z.bot_webhook, data=deep, headers={
                    "X-Bot-Api-Secret-Token": "zbot-secret-123"}) as response:
                assert response.status == 400
        assert FakeZaloOA.sign(b"{}", {"app_id": 1, "timestamp": 1}).startswith("mac=")


async def test_zalo_bot_webhook_failure_is_kept_and_retried(tmp_path: Path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.zbot.intake.retry_base = 0.05
        flaky = Flaky(_Engine(z.zbot), times=1)  # type: ignore[arg-type]
        update = {"ok": True, "result": z.bot_fake.update("zb-person-1", DANGER)}
        async with aiohttp.ClientSession() as http, http.post(
                z.bot_webhook, json=update,
                headers={"X-Bot-Api-Secret-Token": "zbot-secret-123"}) as response:
            assert response.status == 200  # stored, although the first attempt failed
        assert flaky.left == 0
        for _ in range(100):
            await z.zbot.intake.recover()
            await z.zbot.intake.idle()
            await z.zbot.sender.drain()
            if await Inbox(z.store).count_pending() == 0:
                break
            await asyncio.sleep(0.02)
        assert await Inbox(z.store).count_pending() == 0
        assert any("113" in m for m in z.bot_fake.texts_to("zb-person-1"))
