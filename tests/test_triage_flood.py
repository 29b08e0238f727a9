"""Urgent is never dropped: a person flooding the bot who then writes an emergency still gets a
case opened and staff alerted (safety.md, "Triage"), through the real Telegram channel."""

from __future__ import annotations

from bot.storage import Outbox
from tests.conversation import Clock
from tests.telegram_harness import RunningBot


async def test_an_urgent_message_inside_a_flood_opens_a_case_and_alerts_staff(fake,
                                                                              tmp_path) -> None:
    group, person = -100777, 6001
    fake.chat(group, "supergroup")
    clock = Clock()
    async with RunningBot(fake, tmp_path / "f.db", staff_chat_id=group, clock=clock,
                          engine_config={"flood_burst": 3, "flood_per_minute": 1}) as bot:
        for i in range(6):  # a burst far beyond the bucket: the flood notice, then drops
            await bot.say(f"alo alo {i}", chat=person)
        assert "113" in bot.texts(person)  # the flood notice carries the emergency numbers
        assert await Outbox(bot.store).due(clock.now) == []  # nothing urgent so far
        before = len(fake.bot_messages(person))

        await bot.say("ck e dang cam dao doa giet e", chat=person)

        alerts = await Outbox(bot.store).due(clock.now)
        assert len(alerts) == 1 and alerts[0][1]["tier"] == "urgent"
        reasons = alerts[0][1]["reasons"]
        assert "weapon" in reasons and "threat_to_kill" in reasons
        replies = "\n".join(m["text"] for m in fake.bot_messages(person)[before:])
        assert "113" in replies
        assert "giet" not in replies  # the person's words are not echoed
        assert await bot.dispatch() == 1
        staff = "\n".join(m.get("text", "") for m in fake.bot_messages(group))
        assert alerts[0][1]["code"] in staff
        assert "giet" not in staff and "dao" not in staff.lower().split()


async def test_a_flood_of_routine_text_is_still_dropped(fake, tmp_path) -> None:
    """The bypass is for emergencies only: ordinary text in a flood stays dropped."""
    person = 6002
    async with RunningBot(fake, tmp_path / "g.db",
                          engine_config={"flood_burst": 2, "flood_per_minute": 1}) as bot:
        for i in range(6):
            await bot.say(f"xin chao {i}", chat=person)
        counts = len(fake.bot_messages(person))
        await bot.say("cho em hỏi địa chỉ hội phụ nữ", chat=person)
        assert len(fake.bot_messages(person)) == counts  # dropped: no reply at all
