"""Urgent alerts go privately to each on-call staff member as well as to the staff group, each
alert once per recipient, with the burst's first copies spread over the chats; a private copy's
Claim button works for the member it was sent to (through python-telegram-bot against the
loopback fake Bot API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversation import Clock
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import CHAT, RunningBot
from tests.test_staff import BOSS, GROUP, HOA, MINH, STRANGER, register, staff_says

# People in danger, typed as on a phone (no marks, teencode), each in their own chat.
BURST = ("cuu e voi ck dang danh e o bac giang",
         "no cam dao doa giet toi, toi o ha noi",
         "chong em bop co em, em so lam",
         "help, my husband is beating me right now")


@pytest.fixture
async def fake():
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    for user in (HOA, MINH, BOSS, STRANGER):
        fake.chat(user)
    yield fake
    await fake.stop()


def alert_codes(fake: FakeTelegram, chat: int) -> list[str]:
    """The case codes of the alerts in a chat, in the order they arrived."""
    return [m["text"].split("·")[1].split()[0] for m in fake.bot_messages(chat)
            if "KHẨN CẤP" in m.get("text", "") and "·" in m["text"]]


def first_chat_of(fake: FakeTelegram, code: str) -> int:
    """The chat whose copy of the alert Telegram accepted first."""
    for call in fake.calls:
        if call.method == "sendMessage" and call.ok and code in call.params.get("text", "") \
                and "KHẨN CẤP" in call.params.get("text", ""):
            return int(call.params["chat_id"])
    raise AssertionError(f"no alert for {code}")


async def test_a_burst_reaches_each_on_call_member_privately_once(fake, tmp_path: Path) -> None:
    clock = Clock()
    async with RunningBot(fake, tmp_path / "f.db", staff_chat_id=GROUP, clock=clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/oncall on")
        await staff_says(bot, MINH, "/oncall on")  # Lan Anh (supervisor) is not on call
        for i, text in enumerate(BURST):
            await bot.say(text, chat=CHAT + i)
        assert await bot.dispatch() == len(BURST)
        group = alert_codes(fake, GROUP)
        assert len(group) == len(BURST) and len(set(group)) == len(BURST)
        for member in (HOA, MINH):  # every alert, once each, in their private chat
            assert sorted(alert_codes(fake, member)) == sorted(group)
        assert alert_codes(fake, BOSS) == []
        # the burst's first copies went to different chats in turn, not all to the group
        assert {first_chat_of(fake, code) for code in group} == {GROUP, HOA, MINH}
        for private in ("cuu", "danh", "bop co", str(CHAT)):  # nothing personal in any copy
            assert not any(private in m["text"] for member in (GROUP, HOA, MINH)
                           for m in fake.bot_messages(member) if "KHẨN CẤP" in m["text"])
        assert await bot.dispatch() == 0  # delivered once: nothing goes out again
    async with RunningBot(fake, tmp_path / "f.db", staff_chat_id=GROUP, clock=clock) as bot:
        assert await bot.dispatch() == 0  # nor after a restart
    for chat in (GROUP, HOA, MINH):
        assert len(alert_codes(fake, chat)) == len(BURST)


async def test_a_routine_alert_goes_to_the_group_only(fake, tmp_path: Path) -> None:
    clock = Clock()
    async with RunningBot(fake, tmp_path / "r.db", staff_chat_id=GROUP, clock=clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/oncall on")
        await bot.say("/start")
        for option in ("support", "adult", "need:legal"):
            await bot.tap(option)
        await bot.say("nghe an")
        for option in ("talk", "way:chat", "time:any", "skip"):
            await bot.tap(option)
        assert await bot.dispatch() == 1
        assert any("thường" in m["text"] for m in fake.bot_messages(GROUP))
        assert not any("thường" in m.get("text", "") and "·" in m["text"]
                       for m in fake.bot_messages(HOA))


async def test_claiming_from_a_private_alert(fake, tmp_path: Path) -> None:
    clock = Clock()
    async with RunningBot(fake, tmp_path / "c.db", staff_chat_id=GROUP, clock=clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/oncall on")
        await staff_says(bot, MINH, "/oncall on")
        for i, text in enumerate(BURST[:2]):
            await bot.say(text, chat=CHAT + i)
        await bot.dispatch()
        first, second = alert_codes(fake, HOA)
        hoa_copy = next(m for m in fake.bot_messages(HOA) if first in m.get("text", "")
                        and "KHẨN CẤP" in m["text"])
        update = await fake.user_taps(HOA, hoa_copy["message_id"], f"1|claim:{first}",
                                      sender=HOA)
        await bot.settled(update)
        async with bot.store.unit_of_work() as uow:
            case = await uow.cases.get(first)
        assert case["status"] == "claimed"
        assert case["claimed_by"] == bot.secrets.hash_id("staff", HOA)
        assert "Mật khẩu" in fake.bot_messages(HOA)[-1]["text"]  # details, privately
        group_alert = next(m for m in fake.bot_messages(GROUP) if first in m["text"])
        assert "Đã được Hoa nhận" in group_alert["text"]  # the group sees who took it
        # Minh's own copy of the same case: already taken, by whom
        minh_copy = next(m for m in fake.bot_messages(MINH) if first in m.get("text", "")
                         and "KHẨN CẤP" in m["text"])
        update = await fake.user_taps(MINH, minh_copy["message_id"], f"1|claim:{first}",
                                      sender=MINH)
        await bot.settled(update)
        answers = [c.params.get("text", "") for c in fake.calls
                   if c.method == "answerCallbackQuery"]
        assert any("đã được Hoa nhận" in a for a in answers)
        # a button forged onto Minh's copy of the first case cannot claim the second one
        update = await fake.user_taps(MINH, minh_copy["message_id"], f"1|claim:{second}",
                                      sender=MINH)
        await bot.settled(update)
        async with bot.store.unit_of_work() as uow:
            assert (await uow.cases.get(second))["status"] == "new"
            entries = await uow.audit.entries(second)
        assert [(e["action"], e["detail"]) for e in entries] == [
            ("refused", "claim_outside_group")]
