"""Versioned schema migrations: ``PRAGMA user_version`` and ordered, numbered steps, plus an
additive catch-up to ``SCHEMA`` on every open (new tables, new nullable or defaulted columns).
A database from a newer release is refused.

PostgreSQL runs the same steps (their SQL translated by ``bot.storage.dialect``); its version is
kept in a one-row ``schema_version`` table instead of the PRAGMA."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

from bot.storage import SCHEMA
from bot.storage.dialect import Dialect


class SchemaError(Exception):
    """The database was written by a newer Bình An than this one: refuse rather than guess."""


def _postgres(db: Any) -> bool:
    return getattr(db, "dialect", None) == Dialect.POSTGRESQL


async def _columns(db: aiosqlite.Connection, table: str) -> list[tuple[str, str, int, Any]]:
    if _postgres(db):
        async with db.execute(
            "SELECT column_name, data_type, 0, NULL FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?", (table,)
        ) as cursor:
            return [(r[0], r[1], r[2], r[3]) for r in await cursor.fetchall()]
    async with db.execute(f"PRAGMA table_info({table})") as cursor:
        return [(r[1], r[2], r[3], r[4]) for r in await cursor.fetchall()]


async def _user_version(db: aiosqlite.Connection) -> int:
    if _postgres(db):
        await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        async with db.execute("SELECT version FROM schema_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _set_user_version(db: aiosqlite.Connection, number: int) -> None:
    if _postgres(db):
        await db.execute("DELETE FROM schema_version")
        await db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        return
    await db.execute(f"PRAGMA user_version = {int(number)}")


async def _table_count(db: aiosqlite.Connection) -> int:
    sql = ("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
           " AND table_name != 'schema_version'" if _postgres(db) else
           "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    async with db.execute(sql) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def reconcile(db: aiosqlite.Connection) -> list[str]:
    """Additive catch-up to ``SCHEMA``: create missing tables and indexes, add missing columns
    (every column added since the first release is nullable or has a default). Returns what was
    added. Safe to run on every open, so an additive change to ``SCHEMA`` needs no step of its own;
    a change that moves or rewrites data gets a numbered step in ``MIGRATIONS``."""
    reference = sqlite3.connect(":memory:")
    try:
        reference.executescript(SCHEMA)
        tables = [r[0] for r in reference.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'")]
        wanted = {t: [(r[1], r[2], r[3], r[4]) for r in
                      reference.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        reference.close()
    added: list[str] = []
    for table, columns in wanted.items():
        have = {c[0] for c in await _columns(db, table)}
        if not have:
            continue  # a missing table: the script below creates it whole
        for name, kind, notnull, default in columns:
            if name in have:
                continue
            clause = f"ALTER TABLE {table} ADD COLUMN {name} {kind}"
            if default is not None:
                clause += f" DEFAULT {default}"
            if notnull:
                clause += " NOT NULL"
            await db.execute(clause)
            added.append(f"{table}.{name}")
    for statement in _statements(SCHEMA):  # CREATE ... IF NOT EXISTS: tables and indexes
        await db.execute(statement)  # one by one: executescript would commit a transaction
    return added


def _statements(script: str) -> list[str]:
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]


async def _step_first_release(db: aiosqlite.Connection) -> None:
    """Databases from before versioning: cases gained address, volunteer, claim, handoff and
    escalation columns; staff, invites, audit, outgoing and more tables came later."""
    await reconcile(db)


async def _step_alert_acceptance(db: aiosqlite.Connection) -> None:
    """``outbox.delivered_at`` used to mean "queued for the sender"; now it means the messenger
    accepted the alert, and ``queued_at`` is the hand-over. Old rows were handed over."""
    await reconcile(db)
    await db.execute("UPDATE outbox SET queued_at = delivered_at "
                     "WHERE delivered_at IS NOT NULL AND queued_at IS NULL")


async def _step_console_tables(db: aiosqlite.Connection) -> None:
    """The console's organisation pages (issue 13): directory overrides, on-call shifts set on
    the console, and Web Push subscriptions (``bot.storage.console``). Only new tables."""
    from bot.storage.console import CONSOLE_SCHEMA

    for statement in _statements(CONSOLE_SCHEMA):
        await db.execute(statement)


# Ordered steps: MIGRATIONS[n - 1] brings a database from version n - 1 to n. Append, never edit.
MIGRATIONS: tuple[Callable[[aiosqlite.Connection], Awaitable[None]], ...] = (
    _step_first_release,
    _step_alert_acceptance,
    _step_console_tables,
)
SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(db: aiosqlite.Connection, path: object) -> int:
    """Bring the database to ``SCHEMA_VERSION`` (``PRAGMA user_version``, or the
    ``schema_version`` table on PostgreSQL), one step per
    transaction; a fresh database gets the whole schema at once. Returns the version found."""
    found = await _user_version(db)
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"{path} has schema version {found}, newer than this release knows "
            f"({SCHEMA_VERSION}): run the newer Bình An, or restore a backup")
    if not await _table_count(db):
        await db.executescript(SCHEMA)
        await _step_console_tables(db)  # tables that live beside SCHEMA, added by their step
        await _set_user_version(db, SCHEMA_VERSION)
        return found
    for number in range(found + 1, SCHEMA_VERSION + 1):
        await db.execute("BEGIN IMMEDIATE")
        try:
            await MIGRATIONS[number - 1](db)
            await _set_user_version(db, number)
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
    await reconcile(db)  # additive changes made since the last numbered step
    return found
