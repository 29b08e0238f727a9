"""Privacy by construction: what a full conversation leaves in the database file (and its WAL)
and in the logs, and what retention and erasure remove."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.logs import configure_logging
from bot.storage import Purger, Retention
from knowledge.text import fold
from tests.conversation import Chat, Clock, make_engine, open_store
from tests.fake_telegram import FIRST_NAME, USERNAME, FakeTelegram
from tests.telegram_harness import RunningBot

MARKER = "Cá Vàng Mười Bảy zebra4711"
WHO = 918273645  # the person's Telegram chat id
GROUP, HOA = -1009999, 7001
LAT, LON = "21.02874", "105.85211"


def variants(secret: str) -> set[bytes]:
    """The ways a text could sit in a file: several encodings, folded, JSON-escaped."""
    forms = {secret, fold(secret), json.dumps(secret)[1:-1], secret.lower()}
    out: set[bytes] = set()
    for form in forms:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le"):
            out.add(form.encode(encoding))
    return out


def stored_bytes(folder: Path, name: str) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(name))


async def test_full_conversation_leaves_no_trace(tmp_path: Path, caplog) -> None:
    configure_logging("DEBUG")  # the most talkative setting an operator could choose
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    fake.chat(HOA)
    clock = Clock()
    try:
        async with RunningBot(fake, tmp_path / "p.db", staff_chat_id=GROUP, clock=clock) as bot:
            async with bot.store.unit_of_work() as uow:
                await uow.staff.add(bot.secrets.hash_id("staff", HOA), HOA, "staff", "Hoa",
                                    clock.now)
                await uow.commit()
            await bot.say("/start", chat=WHO)
            await bot.tap("danger", chat=WHO)
            update = await fake.user_sends(WHO, location={"latitude": float(LAT),
                                                          "longitude": float(LON)})
            await bot.settled(update)
            await bot.tap("yes", chat=WHO)  # share the location with staff
            await bot.tap("talk", chat=WHO)
            await bot.tap("way:chat", chat=WHO)
            await bot.tap("time:now", chat=WHO)
            await bot.say(MARKER, chat=WHO)  # the code word
            await bot.dispatch()
            alert = fake.bot_messages(GROUP)[0]
            code = alert["text"].split("·")[1].split()[0]
            tap = await fake.user_taps(GROUP, alert["message_id"], f"1|claim:{code}", sender=HOA)
            await bot.settled(tap)
            await bot.channel.sender.drain()
            assert MARKER in fake.bot_messages(HOA)[-1]["text"]  # the claimer does see it
            said = await fake.user_sends(HOA, sender=HOA, text=f"/reply {code} {MARKER} ok?")
            await bot.settled(said)
            await bot.say(f"{MARKER} vâng", chat=WHO)  # the handoff, back to staff
            await bot.channel.sender.drain()
    finally:
        await fake.stop()
    data = stored_bytes(tmp_path, "p.db")
    logs = "\n".join(record.getMessage() for record in caplog.records).encode("utf-8")
    for secret in (MARKER, str(WHO), LAT, LON, FIRST_NAME, USERNAME):
        for form in variants(secret):
            assert form not in data, (secret, form)
            assert form not in logs, (secret, form)


async def populated(tmp_path: Path, clock: Clock):
    store = await open_store(tmp_path / "r.db")
    engine = make_engine(store, clock)
    people = {}
    for name in ("old", "recent", "other"):
        chat = Chat(engine, key=f"test:{name}")
        await chat.send("cuu toi")
        await chat.send("/location 21.0 105.8")
        people[name] = chat
    async with store.unit_of_work() as uow:
        codes = {}
        for name in people:
            async with uow.store.db.execute(
                "SELECT code FROM cases WHERE conversation = ?", (f"test:{name}",)
            ) as cursor:
                codes[name] = (await cursor.fetchone())[0]
        await uow.cases.set_status(codes["old"], "closed", clock.now, outcome="referred")
        await uow.outgoing.queue("test", "test:old", 1, {"text": "handoff words"}, clock.now)
        await uow.commit()
    return store, codes


async def test_purge_removes_exactly_what_is_past_its_lifetime(tmp_path, clock=None) -> None:
    clock = Clock()
    store, codes = await populated(tmp_path, clock)
    purger = Purger(store)
    retention = Retention(sessions=dt.timedelta(hours=24), closed_cases=dt.timedelta(days=90))
    later = clock.now + dt.timedelta(hours=1)
    assert (await purger.purge(retention, later))["cases"] == 0
    async with store.unit_of_work() as uow:
        await uow.cases.set_status(codes["recent"], "closed", later, outcome="resolved")
        await uow.commit()
    much_later = clock.now + dt.timedelta(days=90, hours=0.5)
    counts = await purger.purge(retention, much_later)
    assert counts["cases"] == 1 and counts["sessions"] == 3
    async with store.unit_of_work() as uow:
        assert await uow.cases.get(codes["old"]) is None  # closed 90 days + ago
        assert await uow.cases.get(codes["recent"]) is not None  # closed an hour later: kept
        assert await uow.cases.get(codes["other"]) is not None  # open cases are never purged
        assert [e for e in await uow.audit.entries()] == []
    await store.close()


async def test_forget_removes_one_person_and_nothing_else(tmp_path) -> None:
    clock = Clock()
    store, codes = await populated(tmp_path, clock)
    purger = Purger(store)
    assert await purger.forget(codes["recent"].lower(), clock.now)
    async with store.unit_of_work() as uow:
        assert await uow.cases.get(codes["recent"]) is None
        assert await uow.sessions.load("test:recent") is None
        assert await uow.cases.get(codes["old"]) is not None
        assert await uow.cases.get(codes["other"]) is not None
        assert await uow.sessions.load("test:other") is not None
        (entry,) = await uow.audit.entries()
        assert entry["action"] == "forget"
    assert not await purger.forget("ZZZZ", clock.now)
    await store.close()


def test_purge_and_forget_commands(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["purge"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert set(counts) >= {"sessions", "cases", "messages", "audit"}
    assert main(["forget", "ABCD"]) == 1
    assert "no case" in capsys.readouterr().err


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_logs_are_json_and_library_noise_is_held_back(level: str, capsys) -> None:
    configure_logging(level)
    logging.getLogger("bot.test").warning("delivery failed: %s", "ConnectionError")
    logging.getLogger("telegram.ext").info("Processing update with text %s", MARKER)
    err = capsys.readouterr().err.strip().splitlines()
    assert [json.loads(line)["message"] for line in err] == ["delivery failed: ConnectionError"]
