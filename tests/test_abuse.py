"""Abuse limits: per-person flood control that does not starve others, and staff blocks that
never withhold the emergency numbers."""

from __future__ import annotations

from bot.sender import Pacing
from bot.storage import Outbox
from handlers.flood import FloodGate
from tests.conversation import Clock
from tests.telegram_harness import RunningBot


def test_flood_gate_notices_once_then_drops_then_refills() -> None:
    gate = FloodGate(burst=3, per_minute=60)
    assert [gate.admit("a", 0.0) for _ in range(6)] == ["ok", "ok", "ok", "notice", "drop",
                                                        "drop"]
    assert gate.admit("b", 0.0) == "ok"  # someone else is not affected
    assert gate.admit("a", 1.0) == "ok"  # one token back after a second
    assert gate.admit("a", 1.0) == "notice"
    gate.forget_idle(1000.0)
    assert gate._buckets == {}


async def test_a_flood_does_not_delay_another_persons_reply(fake, tmp_path) -> None:
    pacing = Pacing(per_chat_interval=0.2, per_second=30, idle_poll=0.05)
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
            await uow.staff.add(bot.secrets.hash_id("staff", hoa), hoa, "staff", "Hoa", clock.now)
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
