"""The inbox every door writes to before acknowledging an event, and advisory locks between
processes sharing the database."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.storage import Store, ts

# How long an event stored or claimed by one worker is left to it (PostgreSQL, several
# workers); its recovery loop renews the lease every second while it processes the event.
INBOX_LEASE = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class InboxRow:
    channel: str
    key: str
    body: dict[str, Any]
    attempts: int


class Inbox:
    """Events as they arrive at a door, kept until processed (``bot.inbound.Intake``).

    ``put`` is its own transaction: a door acknowledges an event only after it returns, so an
    acknowledged event survives any crash. The body is encrypted and emptied once processed; the
    row stays (until the events retention) so a redelivered event is recognised and ignored."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def put(self, channel: str, events: list[tuple[str, dict[str, Any]]],
                  now: dt.datetime) -> list[str]:
        """Store events (key, body) in one commit; returns the keys that were new."""
        fresh: list[str] = []
        # Several workers (PostgreSQL): the worker that stored an event processes it, so the
        # others leave it alone for INBOX_LEASE (it renews the lease while it works on it).
        due = ts(now + INBOX_LEASE) if self.store.dialect == "postgresql" else 0
        async with self.store._lock:
            await self.store.db.execute("BEGIN IMMEDIATE")
            try:
                for key, body in events:
                    cursor = await self.store.db.execute(
                        "INSERT OR IGNORE INTO inbox (channel, event_key, body, received_at, "
                        "next_attempt_at) VALUES (?, ?, ?, ?, ?)",
                        (channel, key, self.store.seal(body), ts(now), due))
                    if cursor.rowcount == 1:
                        fresh.append(key)
                await self.store.db.execute("COMMIT")
            except BaseException:
                await self.store.db.execute("ROLLBACK")
                raise
        return fresh

    async def pending(self, channel: str, now: dt.datetime, limit: int = 500,
                      skip: frozenset[str] | set[str] = frozenset()) -> list[InboxRow]:
        """Unprocessed events whose time has come, oldest first; those in ``skip`` (already
        being processed) are left sealed.

        On PostgreSQL the rows returned are claimed for ``INBOX_LEASE`` (``FOR UPDATE SKIP
        LOCKED``): another worker takes an event over only when its holder stopped renewing."""
        if self.store.dialect == "postgresql":
            return await self._claim(channel, now, limit, skip)
        async with self.store._lock, self.store.db.execute(
            "SELECT event_key, body, attempts FROM inbox WHERE done_at IS NULL AND channel = ? "
            "AND next_attempt_at <= ? ORDER BY received_at, rowid LIMIT ?",
            (channel, ts(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [InboxRow(channel, r[0], self.store.open_sealed(r[1]), r[2])
                for r in rows if r[0] not in skip]

    async def _claim(self, channel: str, now: dt.datetime, limit: int,
                     skip: frozenset[str] | set[str]) -> list[InboxRow]:
        async with self.store._lock, self.store.db.execute(
            "UPDATE inbox SET next_attempt_at = ? WHERE (channel, event_key) IN ("
            "  SELECT channel, event_key FROM inbox WHERE done_at IS NULL AND channel = ? "
            "  AND next_attempt_at <= ? ORDER BY received_at, rowid LIMIT ? "
            "  FOR UPDATE SKIP LOCKED"
            ") AND done_at IS NULL AND next_attempt_at <= ? "
            "RETURNING event_key, body, attempts, received_at, rowid",
            (ts(now + INBOX_LEASE), channel, ts(now), limit, ts(now)),
        ) as cursor:
            rows = sorted(await cursor.fetchall(), key=lambda r: (r[3], r[4]))
        return [InboxRow(channel, r[0], self.store.open_sealed(r[1]), r[2])
                for r in rows if r[0] not in skip]

    async def get(self, channel: str, key: str) -> InboxRow | None:
        async with self.store._lock, self.store.db.execute(
            "SELECT body, attempts FROM inbox WHERE channel = ? AND event_key = ? "
            "AND done_at IS NULL", (channel, key),
        ) as cursor:
            row = await cursor.fetchone()
        return InboxRow(channel, key, self.store.open_sealed(row[0]), row[1]) if row else None

    async def finish(self, channel: str, key: str, now: dt.datetime,
                     failed: bool = False) -> None:
        """Processed (or given up on): the body goes, the key stays for deduplication."""
        await self._write(
            "UPDATE inbox SET done_at = ?, failed = ?, body = NULL, attempts = attempts + 1 "
            "WHERE channel = ? AND event_key = ?", (ts(now), int(failed), channel, key))

    async def retry_at(self, channel: str, key: str, when: dt.datetime) -> None:
        await self._write(
            "UPDATE inbox SET attempts = attempts + 1, next_attempt_at = ? "
            "WHERE channel = ? AND event_key = ?", (ts(when), channel, key))

    async def count_pending(self, channel: str | None = None) -> int:
        query = "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"
        args: tuple[Any, ...] = ()
        if channel is not None:
            query += " AND channel = ?"
            args = (channel,)
        async with self.store._lock, self.store.db.execute(query, args) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        async with self.store._lock:
            await self.store.db.execute(sql, args)  # one statement: its own transaction


RUN_LOCK_STALE = dt.timedelta(seconds=30)


class Locks:
    """Advisory locks between processes sharing the database (``binhan run`` holds "running",
    refreshed every few seconds; ``binhan rotate-key`` refuses while it is fresh)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def fleet(self, name: str) -> FleetLock:
        """A lock one worker of the fleet holds at a time (``FleetLock``)."""
        return FleetLock(self.store, name)

    def mutex(self, name: str) -> FleetMutex:
        """A critical section one worker of the fleet enters at a time (``FleetMutex``)."""
        return FleetMutex(self.store, name)

    async def take(self, name: str, holder: str, now: dt.datetime) -> None:
        async with self.store._lock:
            await self.store.db.execute(
                "INSERT OR REPLACE INTO locks (name, holder, heartbeat) VALUES (?, ?, ?)",
                (name, holder, ts(now)))

    async def release(self, name: str, holder: str) -> None:
        async with self.store._lock:
            await self.store.db.execute("DELETE FROM locks WHERE name = ? AND holder = ?",
                                        (name, holder))

    async def held(self, name: str, now: dt.datetime,
                   stale: dt.timedelta = RUN_LOCK_STALE) -> bool:
        async with self.store._lock, self.store.db.execute(
            "SELECT 1 FROM locks WHERE name = ? AND heartbeat > ?", (name, ts(now - stale))
        ) as cursor:
            return await cursor.fetchone() is not None


class FleetLock:
    """One holder across every worker sharing the database: the poller of a polled channel,
    the escalation timers, the alert dispatcher, the purge, a token refresh.

    PostgreSQL: ``pg_try_advisory_lock`` on a connection of its own (not the pool's: the lock
    lives as long as the session that took it). When the holder dies, even by SIGKILL, the
    server ends its session and frees the lock, and the next ``held()`` of another worker
    takes it (within its polling period: seconds). SQLite: one process uses the file (the
    "running" lock guards ``rotate-key``), so this worker always holds it."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        # A stable 63-bit key from the name (hash() is salted per process).
        digest = hashlib.blake2b(f"binhan:{name}".encode(), digest_size=8).digest()
        self.key = int.from_bytes(digest, "big") >> 1
        self._conn: Any = None

    async def held(self) -> bool:
        """Whether this worker holds the lock now (taking it when it is free)."""
        if self.store.url is None:
            return True
        try:
            if self._conn is not None and not self._conn.is_closed():
                await self._conn.fetchval("SELECT 1")  # still our session: still ours
                return True
            await self._drop()
            self._conn = await asyncpg.connect(self.store.url)
            if await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key):
                return True
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pass
        await self._drop()
        return False

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)


class FleetMutex:
    """``async with``: one holder at a time across every worker, waiting for its turn (Zalo
    OA's single-use refresh token must never be spent by two workers at once).

    In the process, an asyncio lock; on PostgreSQL also a session advisory lock on a leased
    connection, held for the block (freed by the server if the holder dies)."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.key = FleetLock(store, name).key
        self._local = asyncio.Lock()

    async def __aenter__(self) -> FleetMutex:
        await self._local.acquire()
        if self.store.url is None:
            return self
        try:
            await self.store._lock.__aenter__()
            try:
                await self.store.db.execute("SELECT pg_advisory_lock(?)", (self.key,))
            except BaseException:
                await self.store._lock.__aexit__(None, None, None)
                raise
        except BaseException:
            self._local.release()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.store.url is not None:
                try:
                    await self.store.db.execute("SELECT pg_advisory_unlock(?)", (self.key,))
                finally:
                    await self.store._lock.__aexit__(None, None, None)
        finally:
            self._local.release()
