"""The staff side end to end: alerts in the staff group, claiming, escalation, handoff, volunteers
and the audit log, through python-telegram-bot against the loopback fake Bot API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from tests import backend
from tests.conversation import Clock
from tests.fake_telegram import FIRST_NAME, USERNAME, FakeTelegram
from tests.telegram_harness import CHAT, RunningBot

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")

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
        # Minh's refused /reply is audited too (refusals are part of the record now)
        assert actions == ["claim", "handoff_message", "handoff_message", "refused",
                           "end_handoff"]


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
        # Refusals are rate-limited now: the first two are answered, the rest get silence.
        refusals = [m["text"] for m in fake.bot_messages(STRANGER)]
        assert len(refusals) == 2 and all("chỉ dành cho nhân viên" in t for t in refusals)
        async with bot.store.unit_of_work() as uow:
            assert (await uow.cases.get(code))["status"] == "new"
            assert not await uow.oncall.anyone_on_call(clock())
            entries = await uow.audit.entries()
        # each answered refusal is audited, by pseudonym, and changed nothing
        assert [e["action"] for e in entries] == ["refused", "refused"]
        assert all(e["actor"].startswith("unregistered (staff:") for e in entries)
        assert str(STRANGER) not in repr(entries)


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
        # Details, close, block and urgent belong to the claimer or a supervisor (issue 11).
        await staff_says(bot, HOA, f"/case {code}", chat=GROUP)
        assert "Mật khẩu" not in bot.texts(HOA) and "giám sát viên" in bot.texts(GROUP)
        await staff_says(bot, BOSS, f"/case {code}")
        assert "Mật khẩu" in fake.bot_messages(BOSS)[-1]["text"]  # a supervisor may look
        await claim(bot, HOA, code)
        await staff_says(bot, HOA, f"/case {code}", chat=GROUP)
        assert "Mật khẩu" in fake.bot_messages(HOA)[-1]["text"]  # details privately only
        assert "Mật khẩu" not in fake.bot_messages(GROUP)[-1]["text"]
        for command in (f"/close {code} referred_to_shelter", f"/block {code} 2",
                        f"/urgent {code}", f"/case {code}"):
            await staff_says(bot, MINH, command)  # Minh does not hold the case
            assert "giám sát viên" in fake.bot_messages(MINH)[-1]["text"]
        await staff_says(bot, HOA, f"/close {code} referred_to_shelter")
        assert "Đã đóng" in fake.bot_messages(HOA)[-1]["text"]
        async with bot.store.unit_of_work() as uow:
            entries = [(e["actor"], e["action"], e["detail"])
                       for e in await uow.audit.entries(code)]
        assert [d for a, act, d in entries if act == "refused" and a.startswith("Minh")] == [
            "close", "block", "urgent", "view"]
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


async def test_staff_group_upgraded_to_supergroup_alerts_follow_it(fake, tmp_path, clock) -> None:
    """Telegram answers 400 with migrate_to_chat_id: the alerts go to the new id, the outbox
    counts an alert delivered only once Telegram accepted it, and a restart keeps the new id."""
    new_group = -1009999
    fake.chat(new_group, "supergroup")
    fake.migrated[GROUP] = new_group
    async with running(fake, tmp_path, clock) as bot:
        for text in ("cuu em voi ck dang danh em", "no bop co em, cuu"):
            await bot.say(text, chat=CHAT)
        await bot.say("chong toi cam dao doa giet toi", chat=CHAT + 1)
        await bot.dispatch()
        assert alerts(fake) == []  # the old id holds nothing
        new_alerts = [m for m in fake.bot_messages(new_group) if "KHẨN CẤP" in m["text"]]
        # one case per person; the first person's strangulation, written after the case was
        # urgent, pages staff once more (issue 16: a new danger on an urgent case is not silent)
        codes = {re.search(r"· (\w+)", m["text"]).group(1) for m in new_alerts}
        assert len(codes) == 2 and len(new_alerts) == 3
        assert bot.channel.staff_chat_id == new_group
        async with bot.store.unit_of_work() as uow:
            rows = await uow.store.db.execute_fetchall(
                "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
        assert rows[0][0] == 0
    async with running(fake, tmp_path, clock) as bot:  # STAFF_CHAT_ID still says the old one
        assert bot.channel.staff_chat_id == new_group


async def test_alert_refused_by_telegram_is_not_counted_delivered(fake, tmp_path, clock) -> None:
    async with RunningBot(fake, tmp_path / "s.db", staff_chat_id=-100555, clock=clock) as bot:
        await bot.say("cuu em voi ck dang danh em")  # the bot was never added to -100555
        assert await bot.dispatcher.deliver_due() == 1  # handed to the sender once
        bot.channel.sender.wake()
        for _ in range(5):
            await bot.channel.sender.step()
        async with bot.store.unit_of_work() as uow:
            rows = await uow.store.db.execute_fetchall(
                "SELECT queued_at IS NOT NULL, delivered_at FROM outbox")
        assert rows == [(1, None)]
        assert await bot.channel.sender.queue.count_pending("telegram") == 1  # kept, retried
        assert bot.channel.sender.stats.refused == 1


async def test_a_claim_from_a_private_chat_is_refused_and_audited(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        await staff_says(bot, HOA, "/oncall")  # any message of Hoa's private chat will do
        private = fake.bot_messages(HOA)[-1]
        update = await fake.user_taps(HOA, private["message_id"], f"1|claim:{code}",
                                      sender=HOA)
        await bot.settled(update)
        async with bot.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
            entries = await uow.audit.entries(code)
        assert case["status"] == "new" and case["claimed_by"] is None
        assert [(e["action"], e["detail"]) for e in entries] == [
            ("refused", "claim_outside_group")]
        await claim(bot, HOA, code)  # from the alert in the group: fine
        async with bot.store.unit_of_work() as uow:
            assert (await uow.cases.get(code))["status"] == "claimed"


async def test_forget_erases_rows_addressed_to_staff_too(fake, tmp_path, clock) -> None:
    """The person's words reach the claimer in outgoing rows keyed by the staff chat, not by
    the person: forget must find and remove them as well (checked on the database file)."""
    from bot.storage import SEALED, Purger, Store

    words = "em o so 12 ngo 5 pho Hue, sdt 0987654321"
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        code = await urgent_case(bot)
        await claim(bot, HOA, code)
        await staff_says(bot, HOA, f"/reply {code} Chi o dau?")
        await bot.say(words)
        await bot.channel.sender.drain()
        assert words in bot.texts(HOA)
        await bot.say("khong sao", chat=CHAT + 1)  # someone else, who must stay
    store = await Store(tmp_path / "s.db", bot.secrets, database_url=backend.URL).open()
    purger = Purger(store)
    assert await purger.forget(code, clock())
    await purger.vacuum()
    opened = []
    async with store.unit_of_work() as uow:
        for table, _key, column in SEALED:
            for (blob,) in await uow.store.db.execute_fetchall(
                    f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"):
                opened.append(store.secrets.decrypt(blob).decode("utf-8", "replace"))
        remaining = await uow.store.db.execute_fetchall(
            "SELECT COUNT(*) FROM staff_messages")
        other = await uow.sessions.load(bot.secrets.hash_id("telegram", CHAT + 1))
    await store.close()
    everything = "\n".join(opened)
    for private in (words, "0987654321", code, str(CHAT)):
        assert private not in everything
    assert remaining == [(0,)]
    assert other is not None
    if backend.URL is not None:
        return  # PostgreSQL's files are the server's; the rows above are what it holds
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("s.db"))
    assert b"0987654321" not in raw  # (the audit keeps the code: that it happened, not what)
