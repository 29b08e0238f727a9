"""Learning from staff: /routine beside /urgent, corrections kept as reason categories and tiers
only (no text, no ids), and `binhan triage-report` by week — through the Telegram fake and a real
SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.crypto import load_secrets
from bot.storage import Store
from tests.conversation import Clock
from tests.fake_telegram import FakeTelegram
from tests.test_staff import (
    GROUP,
    HOA,
    MINH,
    alerts,
    claim,
    register,
    running,
    staff_says,
    urgent_case,
)


@pytest.fixture
async def fake():
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    for user in (HOA, MINH):
        fake.chat(user)
    yield fake
    await fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _corrections(bot) -> list[tuple]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(bot.db) as db:
        return db.execute("SELECT * FROM triage_corrections ORDER BY id").fetchall()


async def test_routine_lowers_an_urgent_case_and_records_a_false_alarm(fake, tmp_path,
                                                                       clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/oncall on")
        code = await urgent_case(bot)  # "cuu toi voi, chong em dang danh em o bac giang"
        await staff_says(bot, HOA, f"/routine {code.lower()}", chat=GROUP)
        assert code in fake.bot_messages(GROUP)[-1]["text"]
        assert "hạ xuống thường" in fake.bot_messages(GROUP)[-1]["text"]
        async with bot.store.unit_of_work() as uow:
            assert (await uow.cases.get(code))["tier"] == "routine"
            assert [e["action"] for e in await uow.audit.entries(code)] == ["routine"]
        clock.advance(minutes=10)
        assert await bot.escalate() == 0  # a routine case is not escalated
        rows = _corrections(bot)
        assert len(rows) == 1
        _, _, old, new, reasons = rows[0]
        assert (old, new, json.loads(reasons)) == ("urgent", "routine", ["violence_now"])
        # Only categories and tiers: nothing the person wrote, no code, no id.
        with sqlite3.connect(bot.db) as db:
            columns = [r[1] for r in db.execute("PRAGMA table_info(triage_corrections)")]
        assert columns == ["id", "at", "old_tier", "new_tier", "reasons"]
        assert code not in str(rows) and "danh" not in str(rows)


async def test_urgent_on_a_routine_case_records_a_miss_with_the_named_category(
        fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        await bot.say("/start")
        for option in ("support", "adult", "need:legal"):
            await bot.tap(option)
        await bot.say("nghe an")
        for option in ("talk", "way:chat", "time:any", "skip"):
            await bot.tap(option)
        await bot.dispatch()
        (alert,) = alerts(fake)
        code = alert["text"].split("·")[1].split()[0]
        await claim(bot, HOA, code)  # only the holder (or a supervisor) may change the tier
        await staff_says(bot, HOA, f"/urgent {code} weapon not_a_category", chat=GROUP)
        async with bot.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
        assert case["tier"] == "urgent" and "weapon" in case["reasons"]
        (row,) = _corrections(bot)
        assert row[2:4] == ("routine", "urgent") and json.loads(row[4]) == ["weapon"]


async def test_routine_with_an_unknown_code_changes_nothing(fake, tmp_path, clock) -> None:
    async with running(fake, tmp_path, clock) as bot:
        await register(bot)
        await staff_says(bot, HOA, "/routine ZZZZZZ", chat=GROUP)
        await staff_says(bot, HOA, "/routine", chat=GROUP)
        assert _corrections(bot) == []


def test_triage_report_by_week_and_category(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["triage-report"]) == 0
    assert capsys.readouterr().out == ""  # nothing recorded yet

    async def record() -> None:
        settings = load_settings()
        store = await Store(settings.database_path, load_secrets(settings)).open()
        monday = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)  # ISO week 47
        try:
            async with store.unit_of_work() as uow:
                corrections = uow.triage_corrections
                await corrections.record("urgent", "routine", ["weapon"], monday)
                await corrections.record("urgent", "routine", ["weapon", "violence_now"],
                                         monday + dt.timedelta(days=2))
                await corrections.record("routine", "urgent", [], monday + dt.timedelta(days=7))
                await corrections.record("urgent", "urgent", ["weapon"], monday)  # no change
                await uow.commit()
        finally:
            await store.close()

    asyncio.run(record())
    assert main(["triage-report"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {"week": "2026-W47", "category": "violence_now", "misses": 0, "false_alarms": 1},
        {"week": "2026-W47", "category": "weapon", "misses": 0, "false_alarms": 2},
        {"week": "2026-W48", "category": "none", "misses": 1, "false_alarms": 0},
    ]
