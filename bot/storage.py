"""The embedded store: SQLite through aiosqlite, in WAL mode, behind the repository interfaces
of ``handlers.ports``. The only module with SQL in it.

One connection, and one unit of work at a time (an asyncio lock): SQLite has one writer anyway,
and it keeps each event's session, case and alert in a single transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

import aiosqlite

from bot.crypto import Secrets
from handlers.ports import CaseDraft

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    state BLOB NOT NULL,           -- encrypted JSON
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    code TEXT PRIMARY KEY,
    tier TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    province INTEGER,
    channel TEXT NOT NULL,
    conversation TEXT NOT NULL,    -- keyed hash, never a raw channel id
    needs TEXT NOT NULL DEFAULT '[]',
    reasons TEXT NOT NULL DEFAULT '[]',
    relayed INTEGER NOT NULL DEFAULT 0,
    consent INTEGER NOT NULL DEFAULT 0,
    details BLOB,                  -- encrypted JSON: contact, code word, location, worries
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_code TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,         -- alert content: no personal data by construction
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at REAL,
    UNIQUE (case_code, event)
);
CREATE TABLE IF NOT EXISTS processed_events (
    event_id TEXT PRIMARY KEY,     -- channel + update id: an update handled twice changes nothing
    processed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
    conversation TEXT NOT NULL,    -- keyed hash
    message_id INTEGER NOT NULL,   -- a message in the person's private chat, theirs or ours
    sent_at REAL NOT NULL,
    PRIMARY KEY (conversation, message_id)
);
CREATE TABLE IF NOT EXISTS outgoing (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    conversation TEXT NOT NULL,    -- keyed hash; the raw chat id is inside the encrypted payload
    priority INTEGER NOT NULL,     -- 0 staff alerts and urgent replies, 1 routine
    payload BLOB NOT NULL,         -- encrypted JSON: chat id, API method and parameters
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at REAL,
    failed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outgoing_pending ON outgoing (done_at, priority, id);
CREATE TABLE IF NOT EXISTS oncall (
    staff TEXT PRIMARY KEY,        -- keyed hash of the staff member's id
    since REAL NOT NULL
);
"""

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def ts(moment: dt.datetime) -> float:
    return moment.timestamp()


class Store:
    def __init__(self, path: Path, secrets_: Secrets) -> None:
        self.path = path
        self.secrets = secrets_
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> Store:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.executescript(SCHEMA)
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    def unit_of_work(self) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self)

    # Encryption of JSON blobs, shared by the repositories.
    def seal(self, data: dict[str, Any]) -> bytes:
        return self.secrets.encrypt(json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def open_sealed(self, blob: bytes) -> dict[str, Any]:
        return json.loads(self.secrets.decrypt(blob))


class SqliteUnitOfWork:
    """``async with store.unit_of_work() as uow``: one transaction; ``commit`` or roll back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sessions = SessionRepository(store)
        self.cases = CaseRepository(store)
        self.oncall = OnCallRepository(store)
        self.processed = ProcessedEvents(store)
        self.ledger = Ledger(store)
        self.outgoing = OutgoingRepository(store)
        self._committed = False

    async def __aenter__(self) -> SqliteUnitOfWork:
        await self.store._lock.acquire()
        try:
            await self.store.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.store._lock.release()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                await self.store.db.execute("ROLLBACK")
        finally:
            self.store._lock.release()

    async def commit(self) -> None:
        await self.store.db.execute("COMMIT")
        self._committed = True


class SessionRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def load(self, key: str) -> tuple[dict[str, Any], dt.datetime] | None:
        async with self.store.db.execute(
            "SELECT state, updated_at FROM sessions WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        updated = dt.datetime.fromtimestamp(row[1], dt.UTC)
        return self.store.open_sealed(row[0]), updated

    async def save(self, key: str, state: dict[str, Any], now: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT INTO sessions (key, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET "
            "state = excluded.state, updated_at = excluded.updated_at",
            (key, self.store.seal(state), ts(now)),
        )

    async def delete(self, key: str) -> None:
        await self.store.db.execute("DELETE FROM sessions WHERE key = ?", (key,))

    async def purge_idle(self, before: dt.datetime) -> int:
        cursor = await self.store.db.execute(
            "DELETE FROM sessions WHERE updated_at < ?", (ts(before),)
        )
        return cursor.rowcount


class CaseRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def _new_code(self) -> str:
        for _ in range(50):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
            async with self.store.db.execute("SELECT 1 FROM cases WHERE code = ?", (code,)) as c:
                if await c.fetchone() is None:
                    return code
        raise RuntimeError("could not find a free case code")

    async def open(self, draft: CaseDraft, now: dt.datetime) -> str:
        code = await self._new_code()
        await self.store.db.execute(
            "INSERT INTO cases (code, tier, province, channel, conversation, needs, reasons, "
            "relayed, consent, details, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code, draft.tier, draft.province, draft.channel, draft.conversation,
                json.dumps(draft.needs), json.dumps(draft.reasons), int(draft.relayed),
                int(draft.consent), self.store.seal(draft.details), ts(now), ts(now),
            ),
        )
        await self._alert(code, "opened", now)
        return code

    async def _alert(self, code: str, event: str, now: dt.datetime) -> None:
        """Queue the alert in the same transaction (outbox); one row per case event, ever."""
        async with self.store.db.execute(
            "SELECT tier, province, channel, reasons, relayed FROM cases WHERE code = ?", (code,)
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        payload = {
            "code": code, "tier": row[0], "province": row[1], "channel": row[2],
            "reasons": json.loads(row[3]), "relayed": bool(row[4]), "time": now.isoformat(),
            "event": event,
        }
        await self.store.db.execute(
            "INSERT OR IGNORE INTO outbox (case_code, event, payload, created_at, next_attempt_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code, event, json.dumps(payload), ts(now), ts(now)),
        )

    async def raise_urgent(self, code: str, reasons: list[str], now: dt.datetime) -> None:
        async with self.store.db.execute("SELECT tier FROM cases WHERE code = ?", (code,)) as c:
            row = await c.fetchone()
        await self.store.db.execute(
            "UPDATE cases SET tier = 'urgent', reasons = ?, updated_at = ? WHERE code = ?",
            (json.dumps(sorted(set(reasons))), ts(now), code),
        )
        if row is not None and row[0] != "urgent":
            await self._alert(code, "raised_urgent", now)

    async def update(
        self, code: str, now: dt.datetime, province: int | None = None,
        details: dict[str, Any] | None = None, needs: list[str] | None = None,
    ) -> None:
        async with self.store.db.execute(
            "SELECT details, needs FROM cases WHERE code = ?", (code,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return
        merged = self.store.open_sealed(row[0]) if row[0] else {}
        merged.update(details or {})
        all_needs = sorted(set(json.loads(row[1])) | set(needs or []))
        await self.store.db.execute(
            "UPDATE cases SET province = COALESCE(?, province), details = ?, needs = ?, "
            "updated_at = ? WHERE code = ?",
            (province, self.store.seal(merged), json.dumps(all_needs), ts(now), code),
        )

    async def get(self, code: str) -> dict[str, Any] | None:
        async with self.store.db.execute(
            "SELECT code, tier, status, province, channel, needs, reasons, relayed, consent, "
            "details FROM cases WHERE code = ?", (code,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return {
            "code": row[0], "tier": row[1], "status": row[2], "province": row[3],
            "channel": row[4], "needs": json.loads(row[5]), "reasons": json.loads(row[6]),
            "relayed": bool(row[7]), "consent": bool(row[8]),
            "details": self.store.open_sealed(row[9]) if row[9] else {},
        }


class OnCallRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def anyone_on_call(self, now: dt.datetime) -> bool:
        async with self.store.db.execute("SELECT 1 FROM oncall LIMIT 1") as cursor:
            return await cursor.fetchone() is not None

    async def set(self, staff: str, on: bool, now: dt.datetime) -> None:
        if on:
            await self.store.db.execute(
                "INSERT OR REPLACE INTO oncall (staff, since) VALUES (?, ?)", (staff, ts(now))
            )
        else:
            await self.store.db.execute("DELETE FROM oncall WHERE staff = ?", (staff,))


class ProcessedEvents:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def first_time(self, event_id: str, now: dt.datetime) -> bool:
        """Record an event id; False when it was already processed (a retry or a redelivery)."""
        cursor = await self.store.db.execute(
            "INSERT OR IGNORE INTO processed_events (event_id, processed_at) VALUES (?, ?)",
            (event_id, ts(now)),
        )
        return cursor.rowcount == 1

    async def seen(self, event_id: str) -> bool:
        async with self.store.db.execute(
            "SELECT 1 FROM processed_events WHERE event_id = ?", (event_id,)
        ) as cursor:
            return await cursor.fetchone() is not None


class Ledger:
    """Message ids in a person's private chat, so quick exit can delete both sides."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, conversation: str, message_ids: list[int], now: dt.datetime) -> None:
        await self.store.db.executemany(
            "INSERT OR IGNORE INTO ledger (conversation, message_id, sent_at) VALUES (?, ?, ?)",
            [(conversation, mid, ts(now)) for mid in message_ids],
        )

    async def take(self, conversation: str, since: dt.datetime) -> list[int]:
        """The ids newer than ``since``; the whole ledger of the conversation is forgotten."""
        async with self.store.db.execute(
            "SELECT message_id FROM ledger WHERE conversation = ? AND sent_at >= ? "
            "ORDER BY message_id", (conversation, ts(since)),
        ) as cursor:
            ids = [row[0] for row in await cursor.fetchall()]
        await self.store.db.execute("DELETE FROM ledger WHERE conversation = ?", (conversation,))
        return ids


class OutgoingRepository:
    """Messages to send, queued in the same transaction as the state that produced them."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def queue(
        self, channel: str, conversation: str, priority: int, payload: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        await self.store.db.execute(
            "INSERT INTO outgoing (channel, conversation, priority, payload, created_at, "
            "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
            (channel, conversation, priority, self.store.seal(payload), ts(now), ts(now)),
        )

    async def drop_pending(self, conversation: str) -> None:
        """Quick exit: what was not sent yet is not sent at all."""
        await self.store.db.execute(
            "DELETE FROM outgoing WHERE conversation = ? AND done_at IS NULL", (conversation,)
        )


class OutgoingQueue:
    """The sender's side of ``outgoing``: read what is due, mark what was sent or refused."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def pending(
        self, channel: str, now: dt.datetime, limit: int = 200
    ) -> list[tuple[int, str, int, dict[str, Any]]]:
        """Due rows, highest priority first, then oldest: (id, conversation, priority, payload)."""
        async with self.store._lock, self.store.db.execute(
            "SELECT id, conversation, priority, payload FROM outgoing "
            "WHERE done_at IS NULL AND channel = ? AND next_attempt_at <= ? "
            "ORDER BY priority, id LIMIT ?", (channel, ts(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(r[0], r[1], r[2], self.store.open_sealed(r[3])) for r in rows]

    async def done(
        self, row_id: int, now: dt.datetime, conversation: str | None = None,
        sent_ids: list[int] | None = None, failed: bool = False,
    ) -> None:
        """Mark a row finished; the ids of messages it put in a private chat join the ledger."""
        async with self.store._lock:
            await self.store.db.execute("BEGIN IMMEDIATE")
            await self.store.db.execute(
                "UPDATE outgoing SET done_at = ?, failed = ?, attempts = attempts + 1 "
                "WHERE id = ?", (ts(now), int(failed), row_id),
            )
            if conversation and sent_ids:
                await Ledger(self.store).add(conversation, sent_ids, now)
            await self.store.db.execute("COMMIT")

    async def retry_at(self, row_id: int, when: dt.datetime) -> None:
        async with self.store._lock:
            await self.store.db.execute(
                "UPDATE outgoing SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
                (ts(when), row_id),
            )

    async def count_pending(self, channel: str) -> int:
        async with self.store._lock, self.store.db.execute(
            "SELECT COUNT(*) FROM outgoing WHERE done_at IS NULL AND channel = ?", (channel,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0


class Outbox:
    """Pending alerts, read by the dispatcher (``bot.alerts``) outside any conversation."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def due(
        self, now: dt.datetime, limit: int = 50
    ) -> list[tuple[int, dict[str, Any], int]]:
        """Undelivered alerts whose time has come, urgent first: (id, payload, attempts so far)."""
        async with self.store._lock, self.store.db.execute(
            "SELECT id, payload, attempts FROM outbox "
            "WHERE delivered_at IS NULL AND next_attempt_at <= ? "
            "ORDER BY (json_extract(payload, '$.tier') = 'urgent') DESC, id LIMIT ?",
            (ts(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], json.loads(row[1]), row[2]) for row in rows]

    async def delivered(self, alert_id: int, now: dt.datetime) -> None:
        async with self.store._lock:
            await self.store.db.execute(
                "UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL",
                (ts(now), alert_id),
            )

    async def failed(self, alert_id: int, retry_at: dt.datetime) -> None:
        async with self.store._lock:
            await self.store.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
                (ts(retry_at), alert_id),
            )
