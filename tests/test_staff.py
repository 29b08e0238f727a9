"""The staff side end to end: alerts in the staff group, claiming, escalation, handoff, volunteers
and the audit log, through python-telegram-bot against the loopback fake Bot API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conversation import Clock
from tests.fake_telegram import FIRST_NAME, USERNAME, FakeTelegram
from tests.telegram_harness import CHAT, RunningBot

GROUP = -1001234
HOA, MINH, BOSS, STRANGER = 7001, 7002, 7003, 7999


@pytest.fixture
async def fake():
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    for user in (HOA, MINH, BOSS):
        fake.chat(user)  # staff have started the bot, so it may write to them
    yield fake
    await fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def register(bot: RunningBot) -> None:
    async with bot.store.unit_of_work() as uow:
        for user, role, name in ((HOA, "staff", "Hoa"), (MINH, "staff", "Minh"),
                                 (BOSS, "supervisor", "Lan Anh")):
            await uow.staff.add(bot.secrets.hash_id("staff", user), user, role, name, bot.clock())
        await uow.commit()


async def staff_says(bot: RunningBot, user: int, text: str, chat: int | None = None) -> None:
    update = await bot.fake.user_sends(chat or user, kind="supergroup" if chat else "private",
                                       sender=user, text=text)
    await bot.settled(update)


def alerts(fake: FakeTelegram) -> list[dict]:
    return [m for m in fake.bot_messages(GROUP) if "·" in m.get("text", "")
            and ("KHẨN CẤP" in m["text"] or "thường" in m["text"])]


async def claim(bot: RunningBot, user: int, code: str) -> None:
    alert = next(m for m in alerts(bot.fake) if code in m["text"])
    update = await bot.fake.user_taps(GROUP, alert["message_id"], f"1|claim:{code}", sender=user)
    await bot.settled(update)


async def urgent_case(bot: RunningBot) -> str:
    await bot.say("cuu toi voi, chong em dang danh em o bac giang")
    await bot.dispatch()
    (alert,) = alerts(bot.fake)
    return alert["text"].split("·")[1].split()[0]


def running(fake, tmp_path: Path, clock: Clock) -> RunningBot:
    return RunningBot(fake, tmp_path / "s.db", staff_chat_id=GROUP, clock=clock)


async def test_urgent_alert_carries_nothing_personal(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        code = await urgent_case(bot)
        (alert,) = alerts(fake)
        text = alert["text"]
        assert "KHẨN CẤP" in text and "Bắc Ninh" in text and "telegram" in text
        for private in ("cuu", "danh", FIRST_NAME, USERNAME, str(CHAT)):
            assert private not in text
        button = alert["reply_markup"]["inline_keyboard"][0][0]
        assert button["callback_data"] == f"1|claim:{code}"
        assert await bot.dispatch() == 0  # delivered once, never again


async def test_routine_contact_request_makes_a_routine_alert(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await bot.say("/start")
        for option in ("support", "adult", "need:legal"):
            await bot.tap(option)
        await bot.say("nghe an")
        for option in ("talk", "way:chat", "time:any", "skip"):
            await bot.tap(option)
        await bot.dispatch()
        (alert,) = alerts(fake)
        assert "thường" in alert["text"] and "Nghệ An" in alert["text"]


async def test_claim_second_claim_and_forged_claim(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        await claim(bot, STRANGER, code)  # a forged claim from someone who is not staff
        async with bot.store.unit_of_work() as uow:
            assert (await uow.cases.get(code))["status"] == "new"
        assert fake.bot_messages(HOA) == []
        await claim(bot, HOA, code)
        await bot.channel.sender.drain()
        (alert,) = alerts(fake)
        assert "Đã được Hoa nhận" in alert["text"] and "reply_markup" not in alert
        details = fake.bot_messages(HOA)[-1]["text"]
        assert code in details and "violence_now" in details
        answers = [c.params.get("text", "") for c in fake.calls
                   if c.method == "answerCallbackQuery"]
        assert any("chỉ dành cho nhân viên" in a for a in answers)
        await claim(bot, MINH, code)
        answers = [c.params.get("text", "") for c in fake.calls
                   if c.method == "answerCallbackQuery"]
        assert any("đã được Hoa nhận" in a for a in answers)
        assert fake.bot_messages(MINH) == []
        async with bot.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
            assert case["status"] == "claimed"
            assert case["claimed_by"] == bot.secrets.hash_id("staff", HOA)


async def test_escalation_fires_stops_when_claimed_and_survives_restart(
        fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/oncall on")
        code = await urgent_case(bot)
        clock.advance(minutes=2)
        assert await bot.escalate() == 0
        clock.advance(minutes=1, seconds=1)
        assert await bot.escalate() == 1
        assert any(code in m["text"] and "Chưa ai nhận" in m["text"]
                   for m in fake.bot_messages(HOA))
        assert not any("Chưa ai nhận" in m["text"] for m in fake.bot_messages(BOSS))
    async with running(fake, tmp_path, clock) as bot:  # restarted: the timer is in the store
        clock.advance(minutes=3, seconds=1)
        assert await bot.escalate() == 1
        assert any("Chưa ai nhận" in m["text"] for m in fake.bot_messages(BOSS))
        await claim(bot, MINH, code)
        clock.advance(minutes=10)
        assert await bot.escalate() == 0


async def test_alert_committed_before_a_crash_is_delivered_once_after_restart(
        fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await bot.say("nó bóp cổ em")  # the case and its alert are committed; nothing sent yet
    assert alerts(fake) == []
    async with running(fake, tmp_path, clock) as bot:
        assert await bot.dispatch() == 1
        assert await bot.dispatch() == 0
    async with running(fake, tmp_path, clock) as bot:
        assert await bot.dispatch() == 0
    assert len(alerts(fake)) == 1


async def test_handoff_both_ways_without_revealing_accounts(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        await claim(bot, HOA, code)
        await staff_says(bot, HOA, f"/reply {code} Chào chị, em là nhân viên trực.")
        await bot.channel.sender.drain()
        assert fake.bot_messages(CHAT)[-1]["text"] == "Nhân viên: Chào chị, em là nhân viên trực."
        assert "Hoa" not in bot.texts()
        await bot.say("em dang o nha hang xom")
        await bot.channel.sender.drain()
        to_hoa = fake.bot_messages(HOA)[-1]
        assert to_hoa["text"] == f"{code} · người đó viết: em dang o nha hang xom"
        assert FIRST_NAME not in to_hoa["text"] and str(CHAT) not in to_hoa["text"]
        # replying to the case's private message also reaches the person
        update = await fake.user_sends(HOA, sender=HOA, text="Chị ở yên đó nhé",
                                       reply_to_message=to_hoa)
        await bot.settled(update)
        assert fake.bot_messages(CHAT)[-1]["text"] == "Nhân viên: Chị ở yên đó nhé"
        await staff_says(bot, MINH, f"/reply {code} xin chào")  # not the claimer
        assert "Chỉ người đã nhận" in fake.bot_messages(MINH)[-1]["text"]
        await staff_says(bot, HOA, f"/end {code}")
        assert "kết thúc" in fake.bot_messages(CHAT)[-1]["text"]
        await bot.say("cảm ơn")  # after the handoff: the conversation again, not staff
        assert not fake.bot_messages(HOA)[-1]["text"].endswith("cảm ơn")
        async with bot.store.unit_of_work() as uow:
            actions = [e["action"] for e in await uow.audit.entries(code)]
        assert actions == ["claim", "handoff_message", "handoff_message", "end_handoff"]


async def test_quick_exit_during_handoff(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        await claim(bot, HOA, code)
        await staff_says(bot, HOA, f"/reply {code} Chị an toàn chưa?")
        await bot.say("/x")
        await bot.channel.sender.drain()
        assert fake.all_messages(CHAT) == []
        assert fake.bot_messages(HOA)[-1]["text"] == f"{code} · người đó đã rời cuộc trò chuyện."
        async with bot.store.unit_of_work() as uow:
            assert not (await uow.cases.get(code))["handoff"]


async def test_volunteer_invites(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/invite", chat=GROUP)
        invite = fake.bot_messages(GROUP)[-1]["text"].split("/volunteer ")[1].strip()
        await staff_says(bot, HOA, "/invite")
        second = fake.bot_messages(HOA)[-1]["text"].split("/volunteer ")[1].strip()
        volunteer, other, late = 8001, 8002, 8003
        await bot.say("/volunteer WRONGCODE", chat=volunteer)
        assert "chưa đúng" in bot.texts(volunteer)
        await bot.say(f"/volunteer {invite.lower()}", chat=volunteer)
        assert "tình nguyện viên đã xác minh" in bot.texts(volunteer)
        await bot.say(f"/volunteer {invite}", chat=other)
        assert "đã được dùng" in bot.texts(other)
        clock.advance(hours=73)
        await bot.say(f"/volunteer {second}", chat=late)
        assert "hết hạn" in bot.texts(late)
        await bot.say("/mycases", chat=other)
        assert "dành cho tình nguyện viên" in bot.texts(other)
        # a relay from the verified volunteer is tagged, and they see status only
        await bot.say("/start", chat=volunteer)
        await bot.tap("other", chat=volunteer)
        await bot.tap("relay:yes", chat=volunteer)
        await bot.dispatch()
        assert "tình nguyện viên đã xác minh" in alerts(fake)[-1]["text"]
        await bot.say("/mycases", chat=volunteer)
        last = fake.bot_messages(volunteer)[-1]["text"]
        assert "chưa ai nhận" in last and "violence_now" not in last


async def test_staff_commands_from_strangers_change_nothing(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        for command in (f"/close {code} done", f"/urgent {code}", "/invite", "/cases",
                        "/oncall on", f"/reply {code} hi"):
            await bot.say(command, chat=STRANGER)
            assert "chỉ dành cho nhân viên" in fake.bot_messages(STRANGER)[-1]["text"]
        async with bot.store.unit_of_work() as uow:
            assert (await uow.cases.get(code))["status"] == "new"
            assert not await uow.oncall.anyone_on_call(clock())
            assert await uow.audit.entries() == []


async def test_case_commands_and_oncall(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        await staff_says(bot, HOA, "/oncall")
        assert "Hiện không ai đang trực" in fake.bot_messages(HOA)[-1]["text"]
        await staff_says(bot, HOA, "/oncall on")
        await staff_says(bot, MINH, "/oncall")
        assert "Đang trực: Hoa" in fake.bot_messages(MINH)[-1]["text"]
        await staff_says(bot, HOA, "/cases", chat=GROUP)
        assert code in fake.bot_messages(GROUP)[-1]["text"]
        await staff_says(bot, HOA, f"/case {code}", chat=GROUP)
        assert "Mật khẩu" in fake.bot_messages(HOA)[-1]["text"]  # details privately only
        assert "Mật khẩu" not in fake.bot_messages(GROUP)[-1]["text"]
        await staff_says(bot, MINH, f"/close {code} referred_to_shelter")
        assert "Đã đóng" in fake.bot_messages(MINH)[-1]["text"]
        await staff_says(bot, MINH, "/cases")
        assert "Không có trường hợp" in fake.bot_messages(MINH)[-1]["text"]
        await bot.say("em vẫn sợ")  # the person on a routine path now: not on-duty lies
        # the person is told truthfully that someone is on duty when they raise danger again
        await bot.say("nó lại đánh em")
        assert "nhân viên trực đã được báo" in bot.texts()


def test_staff_and_audit_commands(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["staff", "add", "7001", "--role", "supervisor", "--name", "Hoa"]) == 0
    assert main(["staff", "add", "7002"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["id"], r["role"]) for r in rows} == {(7001, "supervisor"), (7002, "staff")}
    assert main(["staff", "remove", "7002"]) == 0
    assert main(["staff", "remove", "7002"]) == 1
    capsys.readouterr()
    assert main(["audit"]) == 0
    actions = [json.loads(line)["action"] for line in capsys.readouterr().out.splitlines()]
    assert actions == ["staff_add:supervisor", "staff_add:staff", "staff_remove"]
