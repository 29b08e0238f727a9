"""The secret key: a wrong one fails loudly; rotation keeps every case readable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.crypto import SecretError, Secrets
from bot.storage import Store, rotate_key
from handlers.ports import CaseDraft
from tests.conversation import SECRET, Chat, Clock, make_engine

OTHER = "another-secret-key-that-is-long-enough-9876543210"


async def make_case(path: Path) -> tuple[str, str]:
    store = await Store(path, Secrets(SECRET)).open()
    chat = Chat(make_engine(store, Clock()), key=store.secrets.hash_id("test", 42))
    await chat.send("cuu toi")
    async with store.unit_of_work() as uow:
        code = await uow.cases.open(CaseDraft(
            "routine", "test", chat.key, details={"contact": {"code_word": "hoa sen"}},
            address={"channel": "test", "chat": 42}), dt.datetime.now(dt.UTC))
        await uow.commit()
    await store.close()
    return code, chat.key


async def test_wrong_key_fails_loudly(tmp_path: Path) -> None:
    await make_case(tmp_path / "k.db")
    with pytest.raises(SecretError, match="does not open"):
        await Store(tmp_path / "k.db", Secrets(OTHER)).open()


async def test_rotation_keeps_every_case_readable_and_pseudonyms_stable(tmp_path: Path) -> None:
    code, key = await make_case(tmp_path / "k.db")
    store = await Store(tmp_path / "k.db", Secrets(SECRET)).open()
    assert await rotate_key(store, Secrets(OTHER)) >= 4
    await store.close()
    with pytest.raises(SecretError):
        await Store(tmp_path / "k.db", Secrets(SECRET)).open()  # the old key no longer opens it
    store = await Store(tmp_path / "k.db", Secrets(OTHER)).open()
    async with store.unit_of_work() as uow:
        case = await uow.cases.get(code)
        assert case["details"]["contact"]["code_word"] == "hoa sen"
        assert case["address"] == {"channel": "test", "chat": 42}
        assert await uow.sessions.load(key) is not None  # the conversation carries on
    assert store.secrets.hash_id("test", 42) == key  # same person, same pseudonym
    await store.close()


def test_rotate_key_command_with_a_key_file(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["staff", "add", "7001", "--name", "Hoa"]) == 0
    old = (tmp_path / "var" / "binhan.key").read_text()
    assert main(["rotate-key"]) == 0
    new = (tmp_path / "var" / "binhan.key").read_text()
    assert new != old and (tmp_path / "var" / "binhan.key").stat().st_mode & 0o777 == 0o600
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    assert '"name": "Hoa"' in capsys.readouterr().out


def test_rotate_key_with_env_key_needs_the_new_one(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.delenv("NEW_SECRET_KEY", raising=False)
    assert main(["rotate-key"]) == 2
    assert "NEW_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("NEW_SECRET_KEY", OTHER)
    assert main(["rotate-key"]) == 0
    monkeypatch.setenv("SECRET_KEY", OTHER)
    assert main(["staff", "list"]) == 0


def test_cli_with_the_wrong_key_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    assert main(["staff", "list"]) == 0
    monkeypatch.setenv("SECRET_KEY", OTHER)
    assert main(["staff", "list"]) == 2
    assert "does not open" in capsys.readouterr().err


def test_rotate_key_refuses_while_the_bot_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    import asyncio

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["staff", "add", "7001", "--name", "Hoa"]) == 0
    key_file = tmp_path / "var" / "binhan.key"
    old = key_file.read_text()

    async def bot_holds_the_lock(at: dt.datetime) -> None:
        from bot.crypto import Secrets as S
        store = await Store(tmp_path / "var" / "binhan.db", S(old.strip())).open()
        await store.locks.take("running", "host:123", at)
        await store.close()

    asyncio.run(bot_holds_the_lock(dt.datetime.now(dt.UTC)))
    capsys.readouterr()
    assert main(["rotate-key"]) == 3
    assert "stop it first" in capsys.readouterr().err
    assert key_file.read_text() == old and not key_file.with_suffix(".new").exists()
    # a bot killed without stopping: its lock goes stale and rotation works again
    asyncio.run(bot_holds_the_lock(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    assert main(["rotate-key"]) == 0
    assert key_file.read_text() != old


def test_a_key_file_others_can_read_is_warned_about_or_refused(tmp_path: Path) -> None:
    import logging

    from bot.config import load_settings
    from bot.crypto import load_secrets

    key_file = tmp_path / "k.key"
    key_file.write_text("x" * 48 + "\n")
    key_file.chmod(0o644)
    settings = load_settings(secret_key_file=key_file, secret_key=None)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("bot.crypto").addHandler(handler)
    try:
        load_secrets(settings)
    finally:
        logging.getLogger("bot.crypto").removeHandler(handler)
    assert any("chmod 600" in r.getMessage() for r in records)
    key_file.chmod(0o600)
    load_secrets(settings)
