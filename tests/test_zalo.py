"""Zalo OA and Zalo Bot end to end: the project's httpx clients against loopback fakes of both
APIs, the real engine, a real SQLite file, and the same webhook server as Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

import httpx
import pytest

from bot.crypto import Secrets
from bot.sender import Pacing
from bot.storage import ChannelSecrets, Outbox, Store
from bot.webhook import WebhookServer
from bot.zalo_bot import ZaloBotChannel, ZaloBotClient
from bot.zalo_oa import TOKENS, ZaloOAChannel, ZaloOAClient
from handlers.catalogue import default_catalogue
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search
from tests.conversation import SCRIPTED, SECRET, Clock
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import (
    BOT_TOKEN,
    OA_APP_ID,
    OA_APP_SECRET,
    OA_SECRET_KEY,
    FakeZaloBot,
    FakeZaloOA,
)
from tests.telegram_harness import RunningBot, until

USER = "8417230984512"
FAST = Pacing(per_chat_interval=0.0, per_second=1000, idle_poll=0.05)


class ZaloWorld:
    """Both Zalo channels wired as ``binhan run`` wires them, over one store."""

    def __init__(self, tmp: Path, clock: Clock, engine_store: Store | None = None) -> None:
        self.tmp = tmp
        self.clock = clock
        self.oa_fake = FakeZaloOA(now=lambda: clock.now.timestamp())
        self.bot_fake = FakeZaloBot()
        self.alerts: list[str] = []

    async def __aenter__(self) -> ZaloWorld:
        await self.oa_fake.start()
        bot_url = await self.bot_fake.start()
        self.secrets = Secrets(SECRET)
        self.store = await Store(self.tmp / "z.db", self.secrets).open()
        self.engine = Engine(self.store.unit_of_work, default_search(), default_catalogue(),
                             EngineConfig(**SCRIPTED), clock=self.clock)
        self.http = httpx.AsyncClient(timeout=10)

        async def operator_alert(reason: str) -> None:
            self.alerts.append(reason)

        self.oa_client = ZaloOAClient(self.http, self.store, self.oa_fake.url, self.oa_fake.url,
                                      OA_APP_ID, OA_APP_SECRET, "access-1", "refresh-1",
                                      operator_alert, clock=self.clock)
        self.oa = ZaloOAChannel(self.oa_client, self.engine, self.store, self.secrets,
                                OA_SECRET_KEY, dt.timedelta(hours=167), pacing=FAST,
                                clock=self.clock)
        self.zbot = ZaloBotChannel(ZaloBotClient(self.http, bot_url, BOT_TOKEN), self.engine,
                                   self.store, self.secrets, webhook_secret="zbot-secret-123",
                                   pacing=FAST, clock=self.clock)
        self.server = WebhookServer("127.0.0.1", 0)
        self.server.add("/zalo/oa", self.oa.webhook)
        self.server.add("/zalo/bot", self.zbot.webhook)
        await self.server.start()
        self.oa_fake.webhook_url = f"http://127.0.0.1:{self.server.port}/zalo/oa"
        self.bot_webhook = f"http://127.0.0.1:{self.server.port}/zalo/bot"
        self.tasks = [asyncio.create_task(self.oa.sender.run()),
                      asyncio.create_task(self.zbot.sender.run())]
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:  # every message we sent had a shape Zalo accepts
            assert self.oa_fake.refused == [], self.oa_fake.refused
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.server.stop()
        await self.http.aclose()
        await self.store.close()
        await self.oa_fake.stop()
        await self.bot_fake.stop()

    async def oa_says(self, text: str, user: str = USER) -> int:
        status = await self.oa_fake.deliver(self.oa_fake.text_event(user, text))
        await self.settle()
        return status

    async def settle(self) -> None:
        await self.oa.idle()
        await self.oa.sender.drain()
        await self.zbot.sender.drain()

    async def tap(self, title: str, user: str = USER) -> None:
        """A tap on a query button comes back as a text message carrying its payload."""
        assert await self.oa_fake.deliver(self.oa_fake.tap_event(user, title)) == 200
        await self.settle()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_oa_whole_conversation_with_location(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        assert await z.oa_fake.deliver(z.oa_fake.follow_event(USER)) == 200
        await z.settle()
        greeting = z.oa_fake.texts_to(USER)[-1]
        assert "nguy hiểm" in greeting and "\n2. Tôi an toàn" in greeting  # 6 options: numbered
        assert [b["title"] for b in z.oa_fake.buttons_to(USER)] == [  # and 4 + quick exit
            "Tôi đang gặp nguy hiểm", "Tôi an toàn, cần hỗ trợ", "Tôi hỏi giúp người khác",
            "Không an toàn để nhắn tin", "Thoát nhanh"]
        await z.oa_says("2")
        await z.tap("Từ 18 tuổi trở lên")  # 4 options: buttons
        await z.oa_says("1")  # needs: 10 options, numbered (typing the number works)
        where_buttons = z.oa_fake.buttons_to(USER)
        assert [b["title"] for b in where_buttons] == ["Không muốn nói", "Thoát nhanh"]
        # Cần Thơ, phường Tân An: the social work centre's public address gives a map link (the
        # Hà Nội office address is withheld since issue 12).
        event = z.oa_fake.location_event(USER, 10.0258, 105.76, shape="message.location")
        assert await z.oa_fake.deliver(event) == 200
        await z.settle()
        texts = "\n".join(z.oa_fake.texts_to(USER))
        assert "Ngôi nhà Bình yên" in texts and "maps.google.com" in texts
        phones = [b for b in z.oa_fake.all_buttons_to(USER) if b["type"] == "oa.open.phone"]
        assert {"phone_code": "113"} in [b["payload"] for b in phones]
        await z.tap("Nói chuyện với nhân viên")  # asking for staff opens the case at once
        await z.tap("Nhắn tin ở đây")
        await z.oa_says("5")  # times: 6 options, numbered
        await z.tap("Bỏ qua")
        assert "Mã trường hợp" in "\n".join(z.oa_fake.texts_to(USER)[-4:])
        alerts = await Outbox(z.store).due(clock.now)
        assert [(a["tier"], a["channel"], a["province"]) for _, a, _ in alerts] == [
            ("routine", "zalo_oa", 92)]


async def test_oa_location_in_attachment_shape(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        await z.oa_says("cuu toi")  # urgent: numbers first, then where are you
        assert "113" in z.oa_fake.texts_to(USER)[0]
        await z.oa_fake.deliver(z.oa_fake.location_event(USER, 10.77, 106.70))
        await z.settle()
        assert any("có đồng ý" in t for t in z.oa_fake.texts_to(USER))


async def test_oa_bad_signature_is_refused(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        event = z.oa_fake.text_event(USER, "xin chao")
        assert await z.oa_fake.deliver(event, signature=None) == 401
        assert await z.oa_fake.deliver(event, signature="mac=" + "0" * 64) == 401
        forged = z.oa_fake.sign(b'{"other": "body"}', event)
        assert await z.oa_fake.deliver(event, signature=forged) == 401
        await z.settle()
        assert z.oa_fake.sent == []
        async with z.store.unit_of_work() as uow:
            assert await uow.sessions.load(z.secrets.hash_id("zalo_oa", USER)) is None


async def test_oa_token_expiry_refreshes_and_stores_rotated_pair(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        await z.oa_says("xin chao")
        z.oa_fake.access_token = "rotated-by-zalo"  # the old access token is now invalid
        z.oa_fake.refresh_token = "refresh-1"
        await z.oa_says("2")
        assert z.oa_fake.refreshes == 1
        assert "Bạn bao nhiêu tuổi?" in z.oa_fake.texts_to(USER)[-1]
        stored = await ChannelSecrets(z.store).get(TOKENS)
        assert stored["access_token"] == z.oa_fake.access_token
        assert stored["refresh_token"] == z.oa_fake.refresh_token != "refresh-1"
        z.oa_fake.expired = True  # -220 also refreshes, with the rotated refresh token
        await z.tap("Từ 18 tuổi trở lên")
        assert z.oa_fake.refreshes == 2 and "hỗ trợ gì" in z.oa_fake.texts_to(USER)[-1]
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("z.db"))
        assert z.oa_fake.refresh_token.encode() not in raw  # stored encrypted
        assert z.alerts == []


async def test_oa_failed_refresh_alerts_the_operator(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa_fake.access_token = "rotated"
        z.oa_fake.refresh_token = "someone-else-spent-ours"
        await z.oa_fake.deliver(z.oa_fake.text_event(USER, "xin chao"))
        await z.oa.idle()
        await z.oa.sender.step()
        assert z.alerts and z.oa_fake.sent == []
        assert await z.oa.sender.queue.count_pending("zalo_oa") == 1  # kept, not lost


async def test_oa_same_event_twice_is_answered_once(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        event = z.oa_fake.text_event(USER, "xin chao")
        assert await z.oa_fake.deliver(event) == 200
        assert await z.oa_fake.deliver(event) == 200
        await z.settle()
        assert len(z.oa_fake.sent) == 1


async def test_oa_echoes_are_ignored_and_media_answered(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        echo = z.oa_fake.text_event(USER, "xin chao")
        echo["event_name"] = "oa_send_text"
        await z.oa_fake.deliver(echo)
        image = z.oa_fake.text_event(USER, "")
        image["event_name"] = "user_send_image"
        await z.oa_fake.deliver(image)
        await z.settle()
        assert len(z.oa_fake.sent) >= 1
        assert "chỉ đọc được chữ" in z.oa_fake.texts_to(USER)[0]


async def test_zalo_bot_whole_conversation_with_numbered_menus(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        poller = asyncio.create_task(z.zbot.poll())
        chat = "a1b2c3"

        async def say(text: str) -> None:
            before = len(z.bot_fake.texts_to(chat))
            z.bot_fake.push(z.bot_fake.update(chat, text))
            await until(lambda: len(z.bot_fake.texts_to(chat)) > before)
            await asyncio.sleep(0.1)
            await z.settle()

        try:
            await say("xin chao")
            assert "\n1. Tôi đang gặp nguy hiểm" in z.bot_fake.texts_to(chat)[-1]
            await say("2")
            await say("Từ 18 tuổi trở lên")  # the words work as well as the number
            await say("1")
            await say("ha noi")
            assert "Ngôi nhà Bình yên" in "\n".join(z.bot_fake.texts_to(chat))
            # after a short answer "1. Xem thêm" (more) leads the menu: 2 is talk (the case
            # opens), then chat, any time, skip
            for answer in ("2", "1", "5", "1"):
                await say(answer)
            assert "Mã trường hợp" in "\n".join(z.bot_fake.texts_to(chat)[-3:])
            assert all(0 < len(t) <= 2000 for t in z.bot_fake.texts_to(chat))
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller


async def test_zalo_bot_webhook_secret_and_duplicates(tmp_path, clock) -> None:
    import aiohttp

    async with ZaloWorld(tmp_path, clock) as z:
        update = z.bot_fake.update("c9", "xin chao")
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Bot-Api-Secret-Token": "wrong-secret"}):
                async with http.post(z.bot_webhook, json=update, headers=headers) as r:
                    assert r.status == 403
            await z.settle()
            assert z.bot_fake.sent == []
            good = {"X-Bot-Api-Secret-Token": "zbot-secret-123"}
            wrapped = {"ok": True, "result": update}
            for body in (update, wrapped):  # the same message, plain and wrapped
                async with http.post(z.bot_webhook, json=body, headers=good) as r:
                    assert r.status == 200
            async with http.post(z.bot_webhook, data=b"{oops", headers=good) as r:
                assert r.status == 400
        await z.settle()
        assert len(z.bot_fake.texts_to("c9")) == 1


async def test_staff_reply_outside_the_zalo_window_is_not_sent(tmp_path, clock) -> None:
    """A Zalo OA person, a Telegram staff member: within 48 h the reply is free; from 48 h to
    7 days it goes, billed, and the staff member is told; after that nothing is attempted and
    the staff member is told why. (The window used to end at 48 h.)"""
    telegram = FakeTelegram()
    await telegram.start()
    group, hoa = -100777, 7001
    telegram.chat(group, "supergroup")
    telegram.chat(hoa)
    try:
        async with ZaloWorld(tmp_path, clock) as z:
            bot = RunningBot(telegram, tmp_path / "z.db", staff_chat_id=group, clock=clock)
            async with bot:
                bot.channel.person_routes["zalo_oa"] = z.oa.to_person
                z.oa.desk = bot.channel.desk
                async with bot.store.unit_of_work() as uow:
                    await uow.staff.add(bot.secrets.hash_id("staff", hoa), hoa, "staff", "Hoa",
                                        clock.now)
                    await uow.commit()
                await z.oa_says("cuu em voi, no dang danh em")
                assert any("nhắn lại đây bất cứ lúc nào" in t for t in z.oa_fake.texts_to(USER))
                await bot.dispatch()
                alert = telegram.bot_messages(group)[-1]
                code = alert["text"].split("·")[1].split()[0]
                tap = await telegram.user_taps(group, alert["message_id"], f"1|claim:{code}",
                                               sender=hoa)
                await bot.settled(tap)
                sent = await telegram.user_sends(hoa, sender=hoa, text=f"/reply {code} Chị ổn chứ?")
                await bot.settled(sent)
                await z.settle()
                assert z.oa_fake.texts_to(USER)[-1] == "Nhân viên: Chị ổn chứ?"
                await z.oa_says("em on")
                await bot.channel.sender.drain()
                assert telegram.bot_messages(hoa)[-1]["text"].endswith("em on")
                assert z.oa_fake.billed == []
                clock.advance(hours=49)
                late = await telegram.user_sends(hoa, sender=hoa, text=f"/reply {code} Chị ơi?")
                await bot.settled(late)
                await z.settle()
                assert z.oa_fake.texts_to(USER)[-1] == "Nhân viên: Chị ơi?"
                assert [text for _, text in z.oa_fake.billed] == ["Nhân viên: Chị ơi?"]
                staff_saw = [m["text"] for m in telegram.bot_messages(hoa)[-2:]]
                assert "49 giờ trước" in staff_saw[0] and "Zalo Cloud Account" in staff_saw[0]
                assert staff_saw[1] == "Đã gửi cho người đó."
                before = len(z.oa_fake.sent)
                clock.advance(hours=167 - 49, minutes=1)  # 7 days since the person wrote
                later = await telegram.user_sends(hoa, sender=hoa,
                                                  text=f"/reply {code} Chị còn đó không?")
                await bot.settled(later)
                await z.settle()
                assert len(z.oa_fake.sent) == before  # not attempted
                staff_saw = [m["text"] for m in telegram.bot_messages(hoa)[-2:]]
                assert "hơn 167 giờ" in staff_saw[0] and "7 ngày" in staff_saw[0]
                assert "Không thể nhắn" in staff_saw[1]
    finally:
        await telegram.stop()


async def test_binhan_run_serves_zalo_bot_and_oa(tmp_path) -> None:
    """The installed command with only Zalo configured: Bot platform polling, OA webhook."""
    import os
    import signal
    import socket
    import sys

    oa_fake, bot_fake = FakeZaloOA(), FakeZaloBot()
    await oa_fake.start()
    bot_url = await bot_fake.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ZALO_BOT_TOKEN": BOT_TOKEN, "ZALO_BOT_API_URL": bot_url,
           "ZALO_OA_APP_ID": OA_APP_ID, "ZALO_OA_APP_SECRET": OA_APP_SECRET,
           "ZALO_OA_SECRET_KEY": OA_SECRET_KEY, "ZALO_OA_ACCESS_TOKEN": "access-1",
           "ZALO_OA_REFRESH_TOKEN": "refresh-1", "ZALO_OA_API_URL": oa_fake.url,
           "ZALO_OA_OAUTH_URL": oa_fake.url, "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
           "DATABASE_PATH": str(tmp_path / "run.db"), "SECRET_KEY_FILE": str(tmp_path / "k")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    oa_fake.webhook_url = f"http://127.0.0.1:{port}/zalo/oa"
    try:
        bot_fake.push(bot_fake.update("c1", "xin chao"))
        await until(lambda: bool(bot_fake.texts_to("c1")), timeout=60)
        for _ in range(100):  # the webhook server may need a moment after start
            with contextlib.suppress(OSError):
                if await oa_fake.deliver(oa_fake.text_event(USER, "xin chao")) == 200:
                    break
            await asyncio.sleep(0.2)
        await until(lambda: bool(oa_fake.texts_to(USER)), timeout=30)
        assert "nguy hiểm" in bot_fake.texts_to("c1")[0]
        assert "nguy hiểm" in oa_fake.texts_to(USER)[0]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        await oa_fake.stop()
        await bot_fake.stop()
    assert process.returncode == 0, err.decode()
    assert USER not in err.decode() and "Lan" not in err.decode()


async def test_oa_refreshes_ahead_of_expiry(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        await z.oa_fake.deliver(z.oa_fake.text_event(USER, "xin chao"))
        await z.oa.idle()
        await z.oa_client.refresh()  # a known expiry now: 25 hours from the clock
        await z.oa.sender.drain()
        assert z.oa_fake.refreshes == 1
        clock.advance(hours=24, minutes=45)  # within REFRESH_AHEAD of expiry
        old_token = z.oa_fake.access_token
        sent = len(z.oa_fake.sent)
        await z.oa_says("xin chao")  # a day later: a fresh session greets again
        assert z.oa_fake.refreshes == 2  # refreshed before sending, not after a refusal
        assert z.oa_fake.access_token != old_token
        assert len(z.oa_fake.sent) == sent + 1
        stored = await ChannelSecrets(z.store).get(TOKENS)
        assert stored["refresh_token"] == z.oa_fake.refresh_token
