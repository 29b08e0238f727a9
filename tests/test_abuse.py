"""Abuse limits: per-person flood control that does not starve others, and staff blocks that
never withhold the emergency numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.sender import Pacing
from bot.storage import Outbox
from handlers.flood import FloodGate
from tests.conversation import Clock
from tests.telegram_harness import RunningBot

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")


def test_flood_gate_notices_once_then_drops_then_refills() -> None:
    gate = FloodGate(burst=3, per_minute=60)
    assert [gate.admit("a", 0.0) for _ in range(6)] == ["ok", "ok", "ok", "notice", "drop",
                                                        "drop"]
    assert gate.admit("b", 0.0) == "ok"  # someone else is not affected
    assert gate.admit("a", 1.0) == "ok"  # one token back after a second
    assert gate.admit("a", 1.0) == "drop"  # the same flood: no second notice
    assert gate.admit("a", 1.0, urgent=True) == "ok"  # danger always goes through
    assert gate.admit("a", 10.0) == "ok"  # the bucket is full again: the flood is over
    assert [gate.admit("a", 10.0) for _ in range(3)] == ["ok", "ok", "notice"]
    gate.forget_idle(1000.0)
    assert gate._buckets == {}


async def test_a_flood_does_not_delay_another_persons_reply(fake, tmp_path) -> None:
    # 0.5 s per chat: the flooder's replies are fewer messages since a reply's messages are
    # joined (issue 14), and their pacing must still outlast the other person's turn.
    pacing = Pacing(per_chat_interval=0.5, per_second=30, idle_poll=0.05)
    flooder, other = 5001, 5002
    async with RunningBot(fake, tmp_path / "f.db", pacing,
                          engine_config={"flood_burst": 5, "flood_per_minute": 6}) as bot:
        # Vietnamese text: "spam 0" now reads as English and would be answered in English.
        updates = [await fake.user_sends(flooder, text=f"alo alo {i}") for i in range(40)]
        mine = await fake.user_sends(other, text="xin chao")
        await bot.settled(updates[-1])
        await bot.settled(mine)
        texts = [m["text"] for m in fake.bot_messages(flooder)]
        assert sum("nhiều tin nhắn liên tiếp" in t for t in texts) == 1
        assert len(texts) <= 5 * 2 + 2  # five answered (with a reprompt each), one notice
        assert "113" in "\n".join(texts)
        sends = [c for c in fake.calls if c.method == "sendMessage"]
        other_at = next(i for i, c in enumerate(sends) if int(c.params["chat_id"]) == other)
        flooder_last = max(i for i, c in enumerate(sends) if int(c.params["chat_id"]) == flooder)
        assert other_at < flooder_last  # served while the flooder's replies were still pacing


async def test_blocked_conversation_still_sees_the_emergency_numbers(fake, tmp_path) -> None:
    group, hoa, person = -100555, 7001, 5003
    fake.chat(group, "supergroup")
    fake.chat(hoa)
    clock = Clock()
    async with RunningBot(fake, tmp_path / "b.db", staff_chat_id=group, clock=clock) as bot:
        async with bot.store.unit_of_work() as uow:
            await uow.staff.add(bot.secrets.hash_id("staff", hoa), hoa, "supervisor", "Hoa",
                                clock.now)  # block: claimer or supervisor only (issue 11)
            await uow.commit()
        await bot.say("cuu toi", chat=person)
        code = (await Outbox(bot.store).due(clock.now))[0][1]["code"]
        await bot.dispatch()
        update = await fake.user_sends(hoa, sender=hoa, text=f"/block {code} 2")
        await bot.settled(update)
        assert "quấy rối" in fake.bot_messages(hoa)[-1]["text"]
        before = len(fake.bot_messages(person))
        await bot.say("nó dọa giết tôi", chat=person)
        new = [m["text"] for m in fake.bot_messages(person)[before:]]
        assert len(new) == 1 and "113" in new[0]  # the numbers, nothing else
        assert await Outbox(bot.store).due(clock.now) == []  # no new alert to staff
        clock.advance(hours=2, minutes=1)
        await bot.say("/start", chat=person)
        assert "nguy hiểm" in fake.bot_messages(person)[-1]["text"]  # the block has expired
        async with bot.store.unit_of_work() as uow:
            assert [e["action"] for e in await uow.audit.entries(code)] == ["block"]


async def test_stranger_hammering_staff_commands_costs_others_nothing(fake, tmp_path) -> None:
    """300 /cases from one account: a couple of refusals, not 300 queued at top priority;
    ten other people's first replies are not held up behind them."""
    stranger = 6666
    pacing = Pacing(per_chat_interval=0.0, per_second=1000, idle_poll=0.02)
    async with RunningBot(fake, tmp_path / "h.db", pacing) as bot:
        hammer = [await fake.user_sends(stranger, text="/cases") for _ in range(300)]
        people = [await fake.user_sends(8000 + i, text="chao ban") for i in range(10)]
        for update in people:
            await bot.settled(update)
        await bot.settled(hammer[-1])
        assert len(fake.bot_messages(stranger)) <= 2
        for i in range(10):
            assert "nguy hiểm" in bot.texts(8000 + i)


async def test_urgent_text_in_a_flood_is_answered_and_alerted(fake, tmp_path) -> None:
    flooder = 5101
    async with RunningBot(fake, tmp_path / "u.db",
                          engine_config={"flood_burst": 3, "flood_per_minute": 1}) as bot:
        for i in range(10):
            update = await fake.user_sends(flooder, text=f"alo alo {i}")
        await bot.settled(update)
        before = len(fake.bot_messages(flooder))
        await bot.say("ck em cam dao doa giet em, cuu em", chat=flooder)
        after = "\n".join(m["text"] for m in fake.bot_messages(flooder)[before:])
        assert "113" in after
        due = await Outbox(bot.store).due(dt.datetime.now(dt.UTC))
        assert [a["tier"] for _, a, _ in due] == ["urgent"]


async def test_invite_guessing_is_throttled_per_account(fake, tmp_path) -> None:
    guesser, boss = 5201, 7003
    fake.chat(boss)
    async with RunningBot(fake, tmp_path / "i.db",
                          engine_config={"flood_burst": 50, "flood_per_minute": 600}) as bot:
        async with bot.store.unit_of_work() as uow:
            await uow.staff.add(bot.secrets.hash_id("staff", boss), boss, "supervisor", "Lan",
                                dt.datetime.now(dt.UTC))
            await uow.commit()
        await bot.say("/invite", chat=boss)
        code = fake.bot_messages(boss)[-1]["text"].split("/volunteer ")[1].strip()
        for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
            await bot.say(f"/volunteer {guess}", chat=guesser)
        await bot.say(f"/volunteer {code}", chat=guesser)  # right, but past the limit
        assert "chưa đúng" in fake.bot_messages(guesser)[-1]["text"]
        await bot.say(f"/volunteer {code}", chat=guesser + 1)  # another account: fine
        assert "Cảm ơn" in fake.bot_messages(guesser + 1)[-1]["text"]
