"""Schema migrations: a database made by the first release opens, is upgraded in numbered steps
(PRAGMA user_version), keeps its data and works; a newer schema than this release knows is
refused rather than guessed at."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from bot.crypto import Secrets
from bot.storage import SCHEMA_VERSION, SchemaError, Store
from tests.conversation import SECRET, Chat, Clock, make_engine

FIRST_RELEASE = Path(__file__).parent / "data" / "schema_first_release.sql"


def first_release_database(path: Path) -> None:
    """What the first release left on disk: its schema, one open case and its alert."""
    secrets = Secrets(SECRET)
    db = sqlite3.connect(path)
    db.executescript(FIRST_RELEASE.read_text(encoding="utf-8"))
    details = secrets.encrypt(json.dumps({"contact": {"code_word": "hoa sen"}}).encode())
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp()
    db.execute("INSERT INTO cases (code, tier, province, channel, conversation, needs, reasons,"
               " details, created_at, updated_at) VALUES ('OLD1', 'urgent', 1, 'telegram', "
               "'telegram:abc', '[]', '[\"violence_now\"]', ?, ?, ?)", (details, now, now))
    db.execute("INSERT INTO outbox (case_code, event, payload, created_at, next_attempt_at, "
               "delivered_at) VALUES ('OLD1', 'opened', '{}', ?, ?, ?)", (now, now, now))
    db.commit()
    db.close()


async def test_first_release_database_is_upgraded_and_works(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    first_release_database(path)
    store = await Store(path, Secrets(SECRET)).open()
    async with store.unit_of_work() as uow:
        version = (await uow.store.db.execute_fetchall("PRAGMA user_version"))[0][0]
        old = await uow.cases.get("OLD1")
        queued = await uow.store.db.execute_fetchall("SELECT queued_at FROM outbox")
    assert version == SCHEMA_VERSION
    assert old["details"]["contact"]["code_word"] == "hoa sen"
    assert old["escalation_level"] == 0 and old["claimed_by"] is None
    assert queued[0][0] is not None  # step 2: an alert delivered then was handed over
    # the upgraded database carries a whole conversation, a new case and its alert
    chat = Chat(make_engine(store, Clock()), key="telegram:new-person", channel="telegram")
    await chat.send("cuu em voi, ck em dang danh em o ha noi")
    async with store.unit_of_work() as uow:
        cases = await uow.cases.open_cases()
        assert {c["code"] for c in cases} >= {"OLD1"} and len(cases) == 2
        claimed = await uow.cases.claim("OLD1", "staff:x", dt.datetime.now(dt.UTC))
        await uow.commit()
    assert claimed
    await store.close()
    store = await Store(path, Secrets(SECRET)).open()  # a second open changes nothing
    await store.close()


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = await Store(path, Secrets(SECRET)).open()
    await store.close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(SchemaError, match="newer"):
        await Store(path, Secrets(SECRET)).open()


async def test_fresh_database_starts_at_the_latest_version(tmp_path: Path) -> None:
    store = await Store(tmp_path / "fresh.db", Secrets(SECRET)).open()
    async with store.unit_of_work() as uow:
        assert (await uow.store.db.execute_fetchall("PRAGMA user_version"))[0][0] == (
            SCHEMA_VERSION)
    await store.close()
