"""Web Push to staff phones, for real: a staff member subscribes a phone over the console's HTTP
API, an urgent alert goes through the dispatcher's fan-out, and a loopback push service
(tests/fake_push.py) checks the VAPID JWT against the deployment's key and decrypts the
aes128gcm payload with the phone's private key. The payload is the case code and tier only.
A push service's 410 Gone removes the subscription."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.alerts import AlertDispatcher
from bot.config import Settings
from bot.crypto import Secrets
from bot.runner import serve
from bot.staff_channels import FanOut, StaffChannel, live_staff_channels
from bot.storage import rotate_key
from bot.storage.console import PushSubscriptions
from bot.web.accounts import Role, create_account
from bot.web.push import endpoint_hash, vapid_keys
from handlers.catalogue import default_catalogue
from tests.conversation import SECRET, Chat, make_engine, open_store
from tests.fake_push import FakePushService, FakeSubscription
from tests.fake_zalo import BOT_TOKEN, FakeZaloBot
from tests.test_web_organisation import Staff, log_in
from tests.test_web_security import Desk, start
from tests.web_console import free_port


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    desk = await start(tmp_path, push_allow_http=True)
    yield desk
    await desk.console.stop()
    await desk.store.close()


@pytest.fixture
async def push() -> AsyncIterator[FakePushService]:
    service = FakePushService()
    await service.start()
    yield service
    await service.stop()


async def subscribe(staff: Staff, phone: FakeSubscription) -> tuple[int, str]:
    return await staff.post("/push/subscribe", endpoint=phone.endpoint, **phone.keys())


def dispatcher(desk: Desk) -> AlertDispatcher:
    fanout = FanOut([StaffChannel("web", desk.console.notifier),
                     StaffChannel("webpush", desk.console.push)])
    return AlertDispatcher(desk.store, fanout, default_catalogue(), desk.console.gazetteer,
                           desk.clock)


async def test_an_urgent_alert_reaches_a_subscribed_phone_with_code_and_tier_only(
        desk: Desk, push: FakePushService) -> None:
    lan = await log_in(desk, "lan", Role.STAFF)
    phone = push.subscribe("lan-phone")
    try:
        status, key = await lan.get("/push/key")
        assert status == 200
        public_key = json.loads(key)["publicKey"]
        assert desk.console.push.keys is not None
        assert public_key == desk.console.push.keys.public_key
        status, body = await subscribe(lan, phone)
        assert status == 200 and json.loads(body) == {"ok": True}
        # a second subscription from the same phone replaces the first (one row per browser)
        await subscribe(lan, phone)
        async with desk.store.unit_of_work() as uow:
            [stored] = await PushSubscriptions(uow.store).all()
        assert stored.endpoint == phone.endpoint and stored.login == "lan"

        person = Chat(make_engine(desk.store, desk.clock), key="zalo_bot:person-9",
                      channel="zalo_bot")
        await person.send("ck e dang cam dao doa giet e, e o quan 8 sg, sdt 0912345678")
        assert await dispatcher(desk).deliver_due() == 1
        await desk.console.push.drain()
        async with desk.store.unit_of_work() as uow:
            [case] = await uow.cases.open_cases()
        assert push.refused == []
        [delivery] = push.delivered
        assert json.loads(delivery.payload) == {"code": case["code"], "tier": "urgent"}
        assert delivery.public_key == public_key  # signed with the deployment's VAPID key
        assert delivery.claims["aud"] == push.url
        assert delivery.claims["sub"].startswith("mailto:")
        assert b"0912" not in delivery.payload and b"quan 8" not in delivery.payload
        assert await live_staff_channels(desk.store, FanOut([
            StaffChannel("webpush", desk.console.push)])) == ["webpush"]
    finally:
        await lan.http.close()


async def test_routine_alerts_do_not_wake_phones_and_gone_subscriptions_are_removed(
        desk: Desk, push: FakePushService) -> None:
    lan = await log_in(desk, "lan", Role.STAFF)
    phone, old = push.subscribe("lan-phone"), push.subscribe("old-phone")
    try:
        await subscribe(lan, phone)
        await subscribe(lan, old)
        await desk.case("routine")
        assert await dispatcher(desk).deliver_due() == 1
        await desk.console.push.drain()
        assert push.delivered == []  # a routine case: the console shows it, no phone rings
        old.gone = True  # that phone unsubscribed: its push service answers 410 Gone
        person = Chat(make_engine(desk.store, desk.clock), key="telegram:person-3",
                      channel="telegram")
        await person.send("cuu e voi no dang danh e")
        desk.clock.advance(seconds=1)
        assert await dispatcher(desk).deliver_due() == 1
        await desk.console.push.drain()
        assert [d.name for d in push.delivered] == ["lan-phone"]
        async with desk.store.unit_of_work() as uow:
            left = await PushSubscriptions(uow.store).all()
        assert [s.endpoint for s in left] == [phone.endpoint]
        assert "web_push_gone" in [e["action"] for e in await desk.audit()]
    finally:
        await lan.http.close()


async def test_subscriptions_are_checked_sealed_and_the_keys_survive_a_restart(
        tmp_path: Path, push: FakePushService) -> None:
    desk = await start(tmp_path)  # the default: https push services only
    lan = await log_in(desk, "lan", Role.STAFF)
    phone = push.subscribe("lan-phone")
    try:
        status, _ = await subscribe(lan, phone)  # plain http: refused
        assert status == 400
        status, _ = await lan.post("/push/subscribe", endpoint="https://push.example/x",
                                   p256dh="short", auth="x")
        assert status == 400
        status, _ = await lan.post("/push/subscribe", csrf=False, endpoint=phone.endpoint,
                                   **phone.keys())
        assert status == 403
        status, _ = await lan.post("/push/subscribe",
                                   endpoint="https://fcm.googleapis.com/fcm/send/abc123",
                                   **phone.keys())
        assert status == 200
        status, script = await lan.get("/sw.js")
        assert status == 200 and "showNotification" in script
        async with lan.http.get(lan.base + "/sw.js") as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
        first = desk.console.push.keys
    finally:
        await lan.http.close()
        await desk.console.stop()
        await desk.store.close()
    raw = sqlite3.connect(tmp_path / "web.db")
    dump = "\n".join(raw.iterdump())
    raw.close()
    assert "fcm.googleapis.com" not in dump  # the endpoint is sealed
    assert "PRIVATE KEY" not in dump  # so is the VAPID key
    desk = await start(tmp_path)
    try:
        assert desk.console.push.keys == first  # made once, kept
        # a new secret key (binhan rotate-key): subscriptions and keys are re-encrypted too
        assert await rotate_key(desk.store, Secrets("another-secret-key-long-enough-9876543210"))
        async with desk.store.unit_of_work() as uow:
            [stored] = await PushSubscriptions(uow.store).all()
        assert stored.endpoint == "https://fcm.googleapis.com/fcm/send/abc123"
        assert await vapid_keys(desk.store, desk.clock.now) == first
    finally:
        await desk.console.stop()
        await desk.store.close()


async def test_the_service_worker_is_public_and_push_keys_need_a_login(tmp_path: Path) -> None:
    desk = await start(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(desk.base + "/sw.js") as response:
                assert response.status == 200
            async with http.get(desk.base + "/push/key", allow_redirects=False) as response:
                assert response.status in (303, 401)
    finally:
        await desk.console.stop()
        await desk.store.close()



async def test_a_zalo_only_deployment_wakes_a_staff_phone(
        tmp_path: Path, push: FakePushService) -> None:
    """``binhan run`` with Zalo and the console: Web Push is one of the staff channels the
    dispatcher fans out to, so an urgent message on Zalo rings a subscribed phone."""
    fake = FakeZaloBot()
    api = await fake.start()
    port = free_port()
    settings = Settings(_env_file=None, database_path=tmp_path / "binhan.db",  # type: ignore[call-arg]
                        secret_key=SECRET, zalo_bot_token=BOT_TOKEN, zalo_bot_api_url=api,
                        log_level="WARNING", web_listen=f"127.0.0.1:{port}",
                        web_secure_cookies=False)
    phone = push.subscribe("lan-phone")
    store = await open_store(tmp_path / "binhan.db")
    now = dt.datetime.now(dt.UTC)
    async with store.unit_of_work() as uow:
        await create_account(uow, store.secrets, "lan", "Lan", Role.STAFF,
                             dt.timedelta(hours=1), now)
        # subscribed earlier from the phone (plain http is refused over the API outside tests)
        await PushSubscriptions(uow.store).put("lan", endpoint_hash(store.secrets,
                                                                    phone.endpoint),
                                               phone.endpoint, now=now, **phone.keys())
        await uow.commit()
    await store.close()
    stop = asyncio.Event()
    running = asyncio.create_task(serve(settings, stop))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # the listener comes up with the service
                with contextlib.suppress(OSError):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
        fake.push(fake.update("zalo-user-5", "cuu e voi ck dang cam dao doi giet e o can tho"))
        async with asyncio.timeout(15):
            while not push.delivered:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
        await fake.stop()
    [delivery] = push.delivered
    body = json.loads(delivery.payload)
    assert body["tier"] == "urgent" and set(body) == {"code", "tier"}
    assert push.refused == []
