"""Versioned schema migrations: ``PRAGMA user_version`` and ordered, numbered steps, plus an
additive catch-up to ``SCHEMA`` on every open (new tables, new nullable or defaulted columns).
A database from a newer release is refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

from bot.storage import SCHEMA


class SchemaError(Exception):
    """The database was written by a newer Bình An than this one: refuse rather than guess."""


async def _columns(db: aiosqlite.Connection, table: str) -> list[tuple[str, str, int, Any]]:
    async with db.execute(f"PRAGMA table_info({table})") as cursor:
        return [(r[1], r[2], r[3], r[4]) for r in await cursor.fetchall()]


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
    """Bring the database to ``SCHEMA_VERSION`` (``PRAGMA user_version``), one step per
    transaction; a fresh database gets the whole schema at once. Returns the version found."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    found = int(row[0]) if row else 0
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"{path} has schema version {found}, newer than this release knows "
            f"({SCHEMA_VERSION}): run the newer Bình An, or restore a backup")
    async with db.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cursor:
        row = await cursor.fetchone()
    if not row or not row[0]:
        await db.executescript(SCHEMA)
        await _step_console_tables(db)  # tables that live beside SCHEMA, added by their step
        await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return found
    for number in range(found + 1, SCHEMA_VERSION + 1):
        await db.execute("BEGIN IMMEDIATE")
        try:
            await MIGRATIONS[number - 1](db)
            await db.execute(f"PRAGMA user_version = {number}")
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
    await reconcile(db)  # additive changes made since the last numbered step
    return found
