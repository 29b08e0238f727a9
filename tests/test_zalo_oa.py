"""Zalo OA as it really is: the v3 message shapes, opaque button payloads, and the errors and
set-up steps of a real Official Account. The project's httpx client against the loopback fake,
which refuses what Zalo refuses (-201 for Messenger's template shape)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.crypto import Secrets
from bot.sender import Refused, RetryLater
from bot.storage import ChannelSecrets, Store
from bot.zalo_oa import TOKENS, payloads
from handlers.catalogue import default_catalogue
from handlers.events import Message, Option, PhoneLink, Text
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search
from tests.conversation import SECRET, Clock
from tests.fake_zalo import OA_APP_ID, OA_APP_SECRET, OA_SECRET_KEY, FakeZaloOA
from tests.telegram_harness import until
from tests.test_zalo import USER, ZaloWorld

DANGER = "cuu toi voi chong toi dang danh toi"
OPTION_WORDS = ("danger", "unsafe", "under18", "adult", "support", "exit", "need", "skip", "no-")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def query_payloads(z: ZaloWorld) -> list[str]:
    return [b["payload"] for b in z.oa_fake.all_buttons_to(USER)
            if b["type"].startswith("oa.query")]


async def test_a_person_in_danger_receives_113_with_call_buttons(tmp_path, clock) -> None:
    """The message that carries 113 has buttons: in the old Messenger shape Zalo refused it."""
    async with ZaloWorld(tmp_path, clock) as z:
        await z.oa_says(DANGER)
        first = z.oa_fake.sent[0][1]
        assert first["text"].startswith("Nếu bạn đang gặp nguy hiểm") and "113" in first["text"]
        calls = [b for b in first["attachment"]["payload"]["buttons"]
                 if b["type"] == "oa.open.phone"]
        assert {"phone_code": "113"} in [b["payload"] for b in calls]
        assert first["attachment"] == {"type": "template", "payload": {
            "buttons": first["attachment"]["payload"]["buttons"]}}  # nothing else in it
        texts = z.oa_fake.texts_to(USER)
        assert any("chia sẻ vị trí" in t for t in texts)  # the question after the numbers
        assert [b["title"] for b in z.oa_fake.buttons_to(USER)] == ["Bỏ qua", "Thoát nhanh"]
        assert z.oa_fake.refused == []


async def test_button_payloads_reveal_nothing_and_taps_still_work(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        await z.oa_says("chao ban")
        await z.tap("Tôi an toàn, cần hỗ trợ")
        assert z.oa_fake.texts_to(USER)[-1].startswith("Bạn bao nhiêu tuổi?")
        await z.tap("Dưới 18 tuổi")
        assert any("111" in t for t in z.oa_fake.texts_to(USER)[-3:])
        kinds = {b["type"] for b in z.oa_fake.all_buttons_to(USER)}
        assert "oa.query.show" not in kinds and "oa.query.hide" in kinds
        for payload in query_payloads(z):
            assert not any(word in payload.lower() for word in OPTION_WORDS), payload
            assert len(payload) <= 1000
        await z.tap("Thoát nhanh")  # the quick exit button is a sealed payload too
        async with z.store.unit_of_work() as uow:
            assert await uow.sessions.load(z.secrets.hash_id("zalo_oa", USER)) is None


async def test_typed_payload_of_another_deployment_is_plain_text(tmp_path, clock) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        await z.oa_says("xin chao")
        await z.oa_says("ba1.gAAAAABnot-a-token-of-ours")
        assert "chưa hiểu" in z.oa_fake.texts_to(USER)[-2]


MANY = (*(Option(f"prov:{n}", f"Tỉnh số {n}") for n in range(1, 36)),
        Option("exit", "Thoát nhanh"))


@pytest.mark.parametrize("message", [
    Message("Bạn chọn tỉnh của mình nhé:", MANY),  # 36 options
    Message("Chọn một:", (Option("a", "x" * 300), Option("exit", "Thoát nhanh"))),
    Message("Dài " + "chữ " * 900, (Option("a", "Một"), Option("exit", "Thoát nhanh"))),
    Message("Gọi ngay:\n113\n115\n111\n1900 969 680\n114\n1800 1768",  # as the core writes
            phones=tuple(PhoneLink(n, f"Số {n}") for n in
                         ("113", "115", "111", "1900 969 680", "114", "1800 1768"))),
    Message("Hỏi 111 113 115", (Option("a", "A"), Option("b", "B"), Option("exit", "Thoát nhanh")),
            phones=(PhoneLink("111", "Trẻ em"), PhoneLink("113", "Công an"),
                    PhoneLink("115", "Cấp cứu"))),
])
async def test_every_shape_we_make_is_accepted_and_keeps_every_option(tmp_path, clock,
                                                                      message) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa_fake.last_from_user[USER] = z.oa_fake.now()
        parts = payloads(message, z.oa.buttons.seal)
        for part in parts:
            await z.oa_client.send(USER, part)
        assert z.oa_fake.refused == [] and len(z.oa_fake.sent) == len(parts)
        sent = [m for _, m in z.oa_fake.sent]
        buttons = [b for m in sent if "attachment" in m
                   for b in m["attachment"]["payload"]["buttons"]]
        assert 0 < len(buttons) <= 5 and all(len(b["title"]) <= 100 for b in buttons)
        text = "\n".join(m["text"] for m in sent)
        opened = [z.oa.buttons.open(b["payload"]) for b in buttons
                  if b["type"] == "oa.query.hide"]
        for n, option in enumerate(message.options, start=1):
            shown = option.id in opened or (f"{n}. {option.label}" in text)
            assert shown, option  # a button, or a numbered line: never dropped
        if message.options:
            assert opened[-1] == "exit"  # the quick exit is always a button
        for phone in message.phones:
            assert phone.number in text  # the numbers stay in the text, buttons or not


async def test_the_fake_refuses_messengers_template_shape(tmp_path, clock) -> None:
    """The old shape (no message.text, template_type and text inside the payload) gets -201."""
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa_fake.last_from_user[USER] = z.oa_fake.now()
        old = {"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": "Gọi ngay: 113",
            "buttons": [{"type": "oa.open.phone", "title": "Công an",
                         "payload": {"phone_code": "113"}}]}}}
        bad = [old,
               {"text": "", "attachment": None},
               {"text": "x" * 2001},
               {"text": "ok", "attachment": {"type": "template", "payload": {"buttons": [
                   {"type": "oa.query.hide", "title": str(n), "payload": "p"}
                   for n in range(6)]}}},
               {"text": "ok", "attachment": {"type": "template", "payload": {"buttons": [
                   {"type": "oa.query.hide", "title": "t" * 101, "payload": "p"}]}}}]
        for message in bad:
            with pytest.raises(Refused):
                await z.oa_client.send(USER, message)
        async with httpx.AsyncClient() as http:
            answer = (await http.post(f"{z.oa_fake.url}/v3.0/oa/message/cs",
                                      headers={"access_token": z.oa_fake.access_token},
                                      json={"recipient": {"user_id": USER},
                                            "message": old})).json()
        assert answer["error"] == -201
        assert len(z.oa_fake.refused) == len(bad) + 1 and z.oa_fake.sent == []
        z.oa_fake.refused.clear()


async def test_follow_greets_the_follower(tmp_path, clock) -> None:
    """follow carries the person in follower.id, with no sender: it used to be ignored."""
    async with ZaloWorld(tmp_path, clock) as z:
        assert await z.oa_fake.deliver(z.oa_fake.follow_event(USER)) == 200
        await z.settle()
        assert "nguy hiểm" in z.oa_fake.texts_to(USER)[0]


async def test_unfollow_is_a_quick_exit(tmp_path, clock) -> None:
    """Unfollowing wipes the session and stops whatever was not sent yet."""
    async with ZaloWorld(tmp_path, clock) as z:
        key = z.secrets.hash_id("zalo_oa", USER)
        await z.oa_says("toi can giup do, ck toi hay danh toi")
        z.oa_fake.rate_limit_next = 100  # Zalo slows us down: the next replies wait
        await z.oa_fake.deliver(z.oa_fake.text_event(USER, "ha noi"))
        await z.oa.idle()
        await z.oa.sender.step()
        assert await z.oa.sender.queue.count_pending("zalo_oa") > 0
        async with z.store.unit_of_work() as uow:
            assert await uow.sessions.load(key) is not None
        assert await z.oa_fake.deliver(z.oa_fake.unfollow_event(USER)) == 200
        await z.oa.idle()
        assert await z.oa.sender.queue.count_pending("zalo_oa") == 0
        async with z.store.unit_of_work() as uow:
            assert await uow.sessions.load(key) is None


async def test_the_unsigned_test_post_gets_200_and_does_nothing(tmp_path, clock) -> None:
    """Saving the webhook URL: Zalo posts an unsigned {} and disables a URL that refuses it."""
    async with ZaloWorld(tmp_path, clock) as z:
        for body in (b"{}", b"", b" { } \n"):
            assert await z.oa_fake.save_webhook_url(body) == 200
        unsigned = [b"[]", b"null", b'{"event_name": "user_send_text"}',
                    json.dumps(z.oa_fake.text_event(USER, "xin chao")).encode()]
        for body in unsigned:  # anything else must still be signed
            assert await z.oa_fake.save_webhook_url(body) == 401
        await z.settle()
        assert z.oa_fake.sent == []
        async with z.store.unit_of_work() as uow:
            assert await uow.sessions.load(z.secrets.hash_id("zalo_oa", USER)) is None
        assert await z.oa_says("xin chao") == 200  # and real events still work
        assert len(z.oa_fake.sent) == 1


async def test_an_account_wide_error_alerts_once_and_pauses_without_dropping(tmp_path,
                                                                             clock) -> None:
    """-221 (OA not verified) is the OA's problem, not one message's: one operator alert, all
    sending paused, every reply kept; when it is fixed and the hour has passed, sending resumes."""
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa_fake.account_error = -221
        await z.oa_fake.deliver(z.oa_fake.text_event(USER, DANGER))
        await z.oa_fake.deliver(z.oa_fake.text_event("999", "xin chao"))
        await z.oa.idle()
        queued = await z.oa.sender.queue.count_pending("zalo_oa")
        for _ in range(3):
            await z.oa.sender.step()
        assert z.oa_fake.attempts == 1  # paused after the first refusal: no hammering
        assert z.alerts == ["zalo error -221: OA not verified"]
        # kept (the short danger answer is two messages, the greeting one)
        assert await z.oa.sender.queue.count_pending("zalo_oa") == queued >= 3
        with pytest.raises(RetryLater):
            await z.oa_client.send(USER, {"text": "x"})  # paused: not even attempted
        assert z.oa_fake.attempts == 1
        z.oa_fake.account_error = None  # the operator fixed it
        clock.advance(minutes=61)
        await z.oa_client.send(USER, {"text": "Thử lại"})
        assert z.oa_fake.texts_to(USER) == ["Thử lại"]
        z.oa_fake.account_error = -321  # later, another kind: a new alert
        clock.advance(minutes=1)
        with pytest.raises(RetryLater):
            await z.oa_client.send(USER, {"text": "x"})
        assert z.alerts[-1] == "zalo error -321: Zalo Cloud Account has no balance"


@pytest.mark.parametrize("code", [-224, -223, -219, -320, -321])
async def test_each_account_wide_error_is_one_alert(tmp_path, clock, code) -> None:
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa_fake.last_from_user[USER] = z.oa_fake.now()
        z.oa_fake.account_error = code
        for _ in range(3):
            with pytest.raises(RetryLater):
                await z.oa_client.send(USER, {"text": "Xin chào"})
            clock.advance(minutes=61)
        assert len(z.alerts) == 1 and z.alerts[0].startswith(f"zalo error {code}:")
        assert z.oa_fake.attempts == 3 and z.oa_fake.refreshes == 0


async def test_a_missing_permission_refreshes_once_not_per_message(tmp_path, clock) -> None:
    """-216 may be a missing permission: one refresh, then an alert and a pause; no refresh
    for every message after it."""
    async with ZaloWorld(tmp_path, clock) as z:
        z.oa_fake.last_from_user[USER] = z.oa_fake.now()
        z.oa_fake.permission_missing = True
        for _ in range(3):
            with pytest.raises(RetryLater):
                await z.oa_client.send(USER, {"text": "Xin chào"})
            clock.advance(minutes=61)
        assert z.oa_fake.refreshes == 1
        assert z.alerts == ["zalo error -216: token refused after a refresh (missing permission?)"]
        z.oa_fake.permission_missing = False  # the permission was granted
        await z.oa_client.send(USER, {"text": "Xin chào"})
        assert z.oa_fake.texts_to(USER) == ["Xin chào"] and z.oa_fake.refreshes == 1


async def test_tokens_are_rotated_weekly_even_when_nobody_writes(tmp_path, clock) -> None:
    """The refresh token dies 3 months after its last rotation: the scheduled keep-alive
    rotates it at least weekly, without any message going out."""
    async with ZaloWorld(tmp_path, clock) as z:
        assert await z.oa_client.keep_alive()  # never rotated by us: at once
        assert z.oa_fake.refreshes == 1
        stored = await ChannelSecrets(z.store).get(TOKENS)
        assert stored["refresh_token"] == z.oa_fake.refresh_token
        for _day in range(5):
            clock.advance(days=1)
            assert not await z.oa_client.keep_alive()
        clock.advance(days=1, minutes=1)
        assert await z.oa_client.keep_alive()
        assert z.oa_fake.refreshes == 2 and z.oa_fake.sent == []
        for _week in range(13):  # a quiet quarter: the token chain never breaks
            clock.advance(days=7)
            await z.oa_client.keep_alive()
        assert z.oa_fake.refreshes == 15 and z.alerts == []
        clock.advance(days=91)  # had it stayed quiet for three months, it would have died
        with pytest.raises(RetryLater):
            await z.oa_client.refresh()
        assert z.alerts and z.oa_fake.refreshes == 15


async def expected_replies(folder: Path) -> list[Message]:
    """What the core says to DANGER on a fresh deployment (nobody on call), in process."""
    store = await Store(folder / "expected.db", Secrets(SECRET)).open()
    try:
        engine = Engine(store.unit_of_work, default_search(), default_catalogue(),
                        EngineConfig())
        reply = await engine.handle("zalo_oa:expected", "zalo_oa", Text(DANGER))
    finally:
        await store.close()
    assert reply is not None
    return reply.messages


async def test_binhan_run_delivers_every_reply_to_a_person_in_danger(tmp_path) -> None:
    """Black box: the installed command against an OA fake that refuses Messenger's shape.
    A person writes "cuu toi voi chong toi dang danh toi" and receives every reply the core
    made, with its buttons, the 113 call button first among them."""
    expected = await expected_replies(tmp_path)
    assert len(expected) >= 2 and any(m.phones for m in expected)  # numbers, then a question
    oa_fake = FakeZaloOA()
    await oa_fake.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ZALO_OA_APP_ID": OA_APP_ID, "ZALO_OA_APP_SECRET": OA_APP_SECRET,
           "ZALO_OA_SECRET_KEY": OA_SECRET_KEY, "ZALO_OA_ACCESS_TOKEN": "access-1",
           "ZALO_OA_REFRESH_TOKEN": "refresh-1", "ZALO_OA_API_URL": oa_fake.url,
           "ZALO_OA_KEEP_ALIVE_DELAY_SECONDS": "0",
           "ZALO_OA_OAUTH_URL": oa_fake.url, "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
           "DATABASE_PATH": str(tmp_path / "run.db"), "SECRET_KEY_FILE": str(tmp_path / "k"),
           "LOG_LEVEL": "INFO"}
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    oa_fake.webhook_url = f"http://127.0.0.1:{port}/zalo/oa"
    try:
        for _ in range(150):  # the webhook server may need a moment after start
            with contextlib.suppress(OSError):
                if await oa_fake.save_webhook_url() == 200:  # Zalo's unsigned test post
                    break
            await asyncio.sleep(0.2)
        assert await oa_fake.deliver(oa_fake.text_event(USER, DANGER)) == 200
        await until(lambda: len(oa_fake.sent) >= len(expected), timeout=30)
        await asyncio.sleep(0.5)  # nothing more, nothing refused
    finally:
        process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        await oa_fake.stop()
    assert process.returncode == 0, err.decode()
    assert oa_fake.refused == []
    assert oa_fake.texts_to(USER) == [m.text for m in expected]
    for message, (_, sent) in zip(expected, oa_fake.sent, strict=True):
        buttons = sent.get("attachment", {}).get("payload", {}).get("buttons", [])
        assert bool(buttons) == bool(message.options or message.phones), message.text
        if message.phones:
            assert buttons[0] == {"type": "oa.open.phone", "title": message.phones[0].label,
                                  "payload": {"phone_code": "113"}}
        for button in buttons:
            assert button["type"] in ("oa.open.phone", "oa.query.hide")
    assert oa_fake.refreshes >= 1  # the token keep-alive ran at start, unasked
    log = err.decode()
    assert USER not in log and "danh toi" not in log and "refresh-" not in log
