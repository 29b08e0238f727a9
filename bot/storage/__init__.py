"""The embedded store: SQLite through aiosqlite, in WAL mode, behind the repository interfaces
of ``handlers.ports``. The only package with SQL in it.

Here: the schema, the store and its unit of work, and the repositories a conversation or a staff
action uses inside it (sessions, cases, staff, volunteers, audit, ...). By aggregate, beside it:
``migrations`` (schema versions), ``intake`` (the inbox at every door, process locks),
``delivery`` (what the senders and the alert dispatcher read and mark) and ``retention`` (purge,
forget, rotate-key). Everything is re-exported here: ``from bot.storage import X`` keeps working.

One connection, and one unit of work at a time (an asyncio lock): SQLite has one writer anyway,
and it keeps each event's session, case and alert in a single transaction.

On PostgreSQL (``database_url``, ``bot.storage.dialect``) the same repositories run through a
connection adapter: a pool, and ``_lock`` becomes a lease of one pooled connection per task, so
a unit of work is one PostgreSQL transaction and several workers share the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

import aiosqlite

from bot.crypto import InvalidToken, SecretError, Secrets
from bot.roster import Shift, scheduled_now
from bot.storage.dialect import Dialect, Lease, PgPool, is_postgres_url
from handlers.ports import CaseDraft
from handlers.staff import (
    Alert,
    CaseClaimed,
    CaseClosed,
    CaseDangerAgain,
    CaseOpened,
    CaseRaised,
    CaseUpdated,
    CaseView,
    DomainEvent,
    HandoffEnded,
    HandoffStarted,
    Status,
    Tier,
    publish,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    blob BLOB NOT NULL             -- encrypted
);
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
    address BLOB,                  -- encrypted JSON: how to reach the person (channel, chat id)
    volunteer INTEGER NOT NULL DEFAULT 0,
    abroad TEXT,                   -- ISO country code when the person is outside Vietnam
    claimed_by TEXT,               -- staff key
    claimed_at REAL,
    outcome TEXT,
    closed_at REAL,
    handoff INTEGER NOT NULL DEFAULT 0,
    alert_message_id INTEGER,
    urgent_since REAL,             -- escalation timers count from here
    escalation_level INTEGER NOT NULL DEFAULT 0,
    next_escalation_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_escalation ON cases (next_escalation_at);
CREATE TABLE IF NOT EXISTS staff (
    key TEXT PRIMARY KEY,          -- keyed hash of the Telegram user id
    user_id BLOB NOT NULL,         -- encrypted: needed to write to them privately
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_messages (
    staff TEXT NOT NULL,
    message_id INTEGER NOT NULL,   -- a case's private message to a staff member
    case_code TEXT NOT NULL,
    PRIMARY KEY (staff, message_id)
);
CREATE TABLE IF NOT EXISTS invites (
    code_hash TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE TABLE IF NOT EXISTS volunteers (
    conversation TEXT PRIMARY KEY,
    since REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,           -- staff name and key, or "system"
    action TEXT NOT NULL,
    case_code TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_code TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,         -- alert content: no personal data by construction
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at REAL,             -- the messenger accepted the alert
    queued_at REAL,                -- handed to the sender (an outgoing row)
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
    failed INTEGER NOT NULL DEFAULT 0,
    claimed_until REAL,            -- several workers: in flight until then (= next_attempt_at)
    claimed_by TEXT                -- ... at this worker's sender
);
CREATE INDEX IF NOT EXISTS outgoing_pending ON outgoing (done_at, priority, id);
CREATE TABLE IF NOT EXISTS blocks (
    conversation TEXT PRIMARY KEY, -- keyed hash; marked abusive by staff
    until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS channel_secrets (
    name TEXT PRIMARY KEY,         -- e.g. "zalo_oa_tokens"
    blob BLOB NOT NULL,            -- encrypted JSON
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS last_inbound (
    conversation TEXT PRIMARY KEY, -- keyed hash
    at REAL NOT NULL               -- when the person last wrote (Zalo's interaction window)
);
CREATE TABLE IF NOT EXISTS oncall (
    staff TEXT PRIMARY KEY,        -- keyed hash of the staff member's id
    since REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox (
    channel TEXT NOT NULL,
    event_key TEXT NOT NULL,       -- the channel's own event id (update id, event hash)
    body BLOB,                     -- encrypted event; emptied once processed
    received_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at REAL,
    failed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, event_key)
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (done_at, channel);
CREATE TABLE IF NOT EXISTS locks (
    name TEXT PRIMARY KEY,         -- e.g. "running": binhan run holds it, rotate-key refuses
    holder TEXT NOT NULL,          -- host and process id
    heartbeat REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS intake_counts (
    conversation TEXT NOT NULL,    -- keyed hash
    kind TEXT NOT NULL,            -- e.g. "invite": attempts at a guessable secret
    window_start REAL NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (conversation, kind)
);
"""

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def ts(moment: dt.datetime) -> float:
    return moment.timestamp()


# One number for every worker's migration lock (pg_advisory_lock): "binhan" in ASCII.
MIGRATION_LOCK = 0x62696E68616E


class Store:
    def __init__(self, path: Path, secrets_: Secrets, schedule: list[Shift] | None = None,
                 database_url: str | None = None) -> None:
        self.path = path
        self.secrets = secrets_
        self.schedule = schedule or []  # the weekly on-call schedule (bot.roster)
        self.url = database_url if is_postgres_url(database_url) else None
        self.dialect = Dialect.POSTGRESQL if self.url else Dialect.SQLITE
        self._db: aiosqlite.Connection | None = None
        self._pg: PgPool | None = None
        self._lock: Any = asyncio.Lock()  # asyncio.Lock, or a Lease on PostgreSQL
        self.alert_waiting = asyncio.Event()  # set when a commit wrote an alert (bot.alerts)

    @property
    def where(self) -> str:
        """The database, for messages: the file, or the PostgreSQL server without credentials."""
        if self.url:
            return "PostgreSQL " + self.url.rsplit("@", 1)[-1].split("?", 1)[0]
        return str(self.path)

    async def open(self) -> Store:
        if self.url:
            return await self._open_postgres(self.url)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten
        try:
            await migrate(self._db, self.path)
        except SchemaError:
            await self.close()
            raise

        await self._db.executescript(WEB_SCHEMA)
        await self._db.executescript(TRIAGE_CORRECTIONS_SCHEMA)
        await self._adopt_pseudonym_key()
        return self

    async def _open_postgres(self, url: str) -> Store:
        """Migrate under an advisory lock, so workers starting together migrate once."""
        self._pg = await PgPool.connect(url)
        self._lock = Lease(self._pg)
        try:
            async with self._lock:
                await self.db.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
                try:
                    await migrate(self.db, self.where)
                    await self.db.executescript(WEB_SCHEMA)
                    await self.db.executescript(TRIAGE_CORRECTIONS_SCHEMA)
                    await self._adopt_pseudonym_key()
                finally:
                    await self.db.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))
        except BaseException:
            await self.close()
            raise
        return self

    async def _adopt_pseudonym_key(self) -> None:
        """The key behind every pseudonym lives in the database, sealed with the secret: a
        wrong secret fails here, loudly, before anything is read or written."""
        async with self.db.execute("SELECT blob FROM meta WHERE name = 'pseudonym_key'") as c:
            row = await c.fetchone()
        if row is None:
            await self.db.execute(
                "INSERT INTO meta (name, blob) VALUES ('pseudonym_key', ?)",
                (self.secrets.encrypt(self.secrets.hash_key),),
            )
            return
        try:
            self.secrets.adopt_hash_key(self.secrets.decrypt(row[0]))
        except InvalidToken:
            if self._pg is None:
                await self.close()  # on PostgreSQL, _open_postgres closes after the lease
            raise SecretError(
                f"the secret key does not open {self.where}: use the key it was made with"
            ) from None

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
        if self._pg is not None:
            await self._pg.close()
            self._pg = None

    @property
    def db(self) -> Any:
        """The connection: aiosqlite's, or on PostgreSQL the one this task leased (a unit of
        work's), else the pool (each statement on its own). The same surface either way."""
        if self._pg is not None:
            return self._pg.bound or self._pg
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    def unit_of_work(self) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self)

    @property
    def locks(self) -> Locks:
        return Locks(self)

    async def recall(self, name: str) -> dict[str, Any] | None:
        """A small runtime fact kept encrypted in ``meta`` (e.g. where a staff chat moved)."""
        async with self._lock, self.db.execute(
            "SELECT blob FROM meta WHERE name = ?", (name,)
        ) as cursor:
            row = await cursor.fetchone()
        return self.open_sealed(row[0]) if row else None

    async def remember(self, name: str, data: dict[str, Any]) -> None:
        async with self._lock:
            await self.db.execute("INSERT OR REPLACE INTO meta (name, blob) VALUES (?, ?)",
                                  (name, self.seal(data)))

    # Encryption of JSON blobs, shared by the repositories.
    def seal(self, data: dict[str, Any]) -> bytes:
        return self.secrets.encrypt(json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def open_sealed(self, blob: bytes) -> dict[str, Any]:
        return json.loads(self.secrets.decrypt(blob))


class SqliteUnitOfWork:
    """``async with store.unit_of_work() as uow``: one transaction; ``commit`` or roll back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Domain events of this unit of work, handled just before it commits (handlers.staff).
        self.events: list[DomainEvent] = []
        self.sessions = SessionRepository(store)
        self.cases = CaseRepository(store, self.events)
        self.oncall = OnCallRepository(store)
        self.processed = ProcessedEvents(store)
        self.staff = StaffRepository(store)
        self.volunteers = VolunteerRepository(store)
        self.audit = AuditLog(store)
        self.outbox = OutboxRepository(store)
        self.contact_window = ContactWindow(store)
        self.blocks = BlockRepository(store)
        self.ledger = Ledger(store)
        self.outgoing = OutgoingRepository(store)
        self.triage_corrections = TriageCorrections(store)
        self._committed = False

    async def __aenter__(self) -> SqliteUnitOfWork:
        # SQLite: the process's one connection, behind the asyncio lock. PostgreSQL: a pooled
        # connection leased to this task (``dialect.Lease``), so units of work run side by side.
        await self.store._lock.__aenter__()
        try:
            await self.store.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            await self.store._lock.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                await self.store.db.execute("ROLLBACK")
        finally:
            await self.store._lock.__aexit__(None, None, None)

    async def commit(self) -> None:
        alerts = await publish(self.events, self.outbox)  # in the transaction that caused them
        await self.store.db.execute("COMMIT")
        self._committed = True
        if alerts:
            self.store.alert_waiting.set()  # the dispatcher sends at once, not at its next poll


class SessionRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def load(self, key: str) -> tuple[dict[str, Any], dt.datetime] | None:
        # One trip to the database (every event reads this). Several workers (PostgreSQL): the
        # row stays locked until the unit of work ends, so two workers with messages of one
        # person take turns instead of overwriting each other.
        lock = " FOR UPDATE" if self.store.dialect == Dialect.POSTGRESQL else ""
        rows = list(await self.store.db.execute_fetchall(
            "SELECT state, updated_at FROM sessions WHERE key = ?" + lock, (key,)))
        if not rows:
            return None
        row = rows[0]
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
    """Cases. Each change is recorded as a domain event in ``events`` (the unit of work's);
    which of them make alerts is the core's decision (``handlers.staff.alerting``), not this
    class's."""

    def __init__(self, store: Store, events: list[DomainEvent] | None = None) -> None:
        self.store = store
        self.events: list[DomainEvent] = [] if events is None else events

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
            "relayed, consent, details, address, volunteer, urgent_since, created_at, updated_at, "
            "abroad) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code, draft.tier, draft.province, draft.channel, draft.conversation,
                json.dumps(draft.needs), json.dumps(draft.reasons), int(draft.relayed),
                int(draft.consent), self.store.seal(draft.details),
                self.store.seal(draft.address) if draft.address else None, int(draft.volunteer),
                ts(now) if draft.tier == "urgent" else None, ts(now), ts(now), draft.abroad,
            ),
        )
        view = await self.view(code)
        assert view is not None
        self.events.append(CaseOpened(view, now))
        return code

    async def view(self, code: str) -> CaseView | None:
        """The case as any staff member may see it (nothing sealed is opened)."""
        async with self.store.db.execute(
            "SELECT code, tier, status, channel, created_at, province, reasons, needs, relayed, "
            "volunteer, abroad, claimed_by, handoff FROM cases WHERE code = ?", (code.upper(),),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return CaseView(
            code=row[0], tier=Tier(row[1]), status=Status(row[2]), channel=row[3],
            opened_at=dt.datetime.fromtimestamp(row[4], dt.UTC), province=row[5],
            reasons=tuple(json.loads(row[6])), needs=tuple(json.loads(row[7])),
            relayed=bool(row[8]), volunteer=bool(row[9]), abroad=row[10], claimed_by=row[11],
            handoff=bool(row[12]),
        )

    async def raise_urgent(self, code: str, reasons: list[str], now: dt.datetime,
                           again: int = 0) -> None:
        """Make a case urgent (one alert). ``again`` > 0: the person wrote of danger again on a
        case already urgent ("she is coming back tonight with a knife"): page once more, as
        event ``danger_again:<again>`` (the dialogue caps how many)."""
        async with self.store.db.execute("SELECT tier FROM cases WHERE code = ?", (code,)) as c:
            row = await c.fetchone()
        await self.store.db.execute(
            "UPDATE cases SET tier = 'urgent', reasons = ?, updated_at = ?, "
            "urgent_since = COALESCE(urgent_since, ?) WHERE code = ?",
            (json.dumps(sorted(set(reasons))), ts(now), ts(now), code),
        )
        if row is not None and row[0] != "urgent":
            view = await self.view(code)
            assert view is not None
            self.events.append(CaseRaised(view, now))
        elif row is not None and again > 0:
            view = await self.view(code)
            assert view is not None
            self.events.append(CaseDangerAgain(view, now, again))

    async def update(
        self, code: str, now: dt.datetime, province: int | None = None,
        details: dict[str, Any] | None = None, needs: list[str] | None = None,
        abroad: str | None = None,
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
            "updated_at = ?, abroad = COALESCE(?, abroad) WHERE code = ?",
            (province, self.store.seal(merged), json.dumps(all_needs), ts(now), abroad, code),
        )
        self.events.append(CaseUpdated(code, now))

    _COLUMNS = (
        "code, tier, status, province, channel, needs, reasons, relayed, consent, details, "
        "address, volunteer, claimed_by, outcome, handoff, alert_message_id, conversation, "
        "created_at, escalation_level"
    )

    def _row(self, row: Any) -> dict[str, Any]:
        return {
            "code": row[0], "tier": row[1], "status": row[2], "province": row[3],
            "channel": row[4], "needs": json.loads(row[5]), "reasons": json.loads(row[6]),
            "relayed": bool(row[7]), "consent": bool(row[8]),
            "details": self.store.open_sealed(row[9]) if row[9] else {},
            "address": self.store.open_sealed(row[10]) if row[10] else None,
            "volunteer": bool(row[11]), "claimed_by": row[12], "outcome": row[13],
            "handoff": bool(row[14]), "alert_message_id": row[15], "conversation": row[16],
            "created_at": dt.datetime.fromtimestamp(row[17], dt.UTC),
            "escalation_level": row[18],
        }

    async def get(self, code: str) -> dict[str, Any] | None:
        async with self.store.db.execute(
            f"SELECT {self._COLUMNS} FROM cases WHERE code = ?", (code.upper(),)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._row(row)

    async def open_cases(self) -> list[dict[str, Any]]:
        async with self.store.db.execute(
            f"SELECT {self._COLUMNS} FROM cases WHERE status != 'closed' "
            "ORDER BY tier = 'urgent' DESC, created_at"
        ) as cursor:
            return [self._row(r) for r in await cursor.fetchall()]

    async def relayed_by(self, conversation: str) -> list[tuple[str, str]]:
        """(code, status) of the cases a conversation relayed: what a volunteer may see."""
        async with self.store.db.execute(
            "SELECT code, status FROM cases WHERE conversation = ? AND relayed = 1 "
            "ORDER BY created_at", (conversation,)
        ) as cursor:
            return [(r[0], r[1]) for r in await cursor.fetchall()]

    async def claim(self, code: str, staff: str, now: dt.datetime) -> bool:
        """The first claim wins; later ones change nothing and return False."""
        cursor = await self.store.db.execute(
            "UPDATE cases SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
            "next_escalation_at = NULL, updated_at = ? WHERE code = ? AND status = 'new'",
            (staff, ts(now), ts(now), code),
        )
        if cursor.rowcount != 1:
            return False
        self.events.append(CaseClaimed(code, staff, now))
        return True

    async def set_status(self, code: str, status: str, now: dt.datetime,
                         outcome: str | None = None, handoff: bool | None = None) -> None:
        await self.store.db.execute(
            "UPDATE cases SET status = ?, outcome = COALESCE(?, outcome), "
            "handoff = COALESCE(?, handoff), closed_at = CASE WHEN ? = 'closed' THEN ? "
            "ELSE closed_at END, updated_at = ? WHERE code = ?",
            (status, outcome, None if handoff is None else int(handoff), status, ts(now),
             ts(now), code),
        )
        if status == Status.CLOSED:
            self.events.append(CaseClosed(code, outcome or "", now))
        elif handoff:
            self.events.append(HandoffStarted(code, now))

    async def active_handoff(self, conversation: str) -> str | None:
        rows = list(await self.store.db.execute_fetchall(
            "SELECT code FROM cases WHERE conversation = ? AND handoff = 1 "
            "AND status != 'closed' ORDER BY updated_at DESC LIMIT 1", (conversation,)))
        return rows[0][0] if rows else None

    async def end_handoff(self, code: str, now: dt.datetime) -> None:
        await self.store.db.execute(
            "UPDATE cases SET handoff = 0, updated_at = ? WHERE code = ?", (ts(now), code)
        )
        self.events.append(HandoffEnded(code, now))

    async def due_escalations(
        self, now: dt.datetime, after: dt.timedelta
    ) -> list[tuple[str, int]]:
        """Urgent unclaimed cases whose escalation time has come: (code, level reached so far)."""
        async with self.store.db.execute(
            "SELECT code, escalation_level FROM cases WHERE tier = 'urgent' AND status = 'new' "
            "AND COALESCE(next_escalation_at, urgent_since + ?) <= ? ORDER BY urgent_since",
            (after.total_seconds(), ts(now)),
        ) as cursor:
            return [(r[0], r[1]) for r in await cursor.fetchall()]

    async def escalated(self, code: str, level: int, next_at: dt.datetime) -> None:
        await self.store.db.execute(
            "UPDATE cases SET escalation_level = ?, next_escalation_at = ? WHERE code = ?",
            (level, ts(next_at), code),
        )

    async def set_alert_message(self, code: str, message_id: int) -> None:
        await self.store.db.execute(
            "UPDATE cases SET alert_message_id = ? WHERE code = ?", (message_id, code)
        )


class OnCallRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def anyone_on_call(self, now: dt.datetime) -> bool:
        return bool(await StaffRepository(self.store).on_call(now))

    async def set(self, staff: str, on: bool, now: dt.datetime) -> None:
        if on:
            await self.store.db.execute(
                "INSERT OR REPLACE INTO oncall (staff, since) VALUES (?, ?)", (staff, ts(now))
            )
        else:
            await self.store.db.execute("DELETE FROM oncall WHERE staff = ?", (staff,))


class StaffRepository:
    """Staff members registered by an admin; their raw Telegram id is kept encrypted."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, key: str, user_id: int, role: str, name: str,
                  now: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT OR REPLACE INTO staff (key, user_id, role, name, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, self.store.seal({"id": user_id}), role, name, ts(now)),
        )

    async def remove(self, key: str) -> bool:
        cursor = await self.store.db.execute("DELETE FROM staff WHERE key = ?", (key,))
        await self.store.db.execute("DELETE FROM oncall WHERE staff = ?", (key,))
        return cursor.rowcount == 1

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self.store.db.execute(
            "SELECT key, user_id, role, name FROM staff WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._row(row)

    def _row(self, row: Any) -> dict[str, Any]:
        return {"key": row[0], "user_id": self.store.open_sealed(row[1])["id"],
                "role": row[2], "name": row[3]}

    async def all(self) -> list[dict[str, Any]]:
        async with self.store.db.execute(
            "SELECT key, user_id, role, name FROM staff ORDER BY role, name"
        ) as cursor:
            return [self._row(r) for r in await cursor.fetchall()]

    async def on_call(self, now: dt.datetime) -> list[dict[str, Any]]:
        """Staff who said /oncall on, and registered staff the weekly schedule has on now."""
        async with self.store.db.execute(
            "SELECT s.key, s.user_id, s.role, s.name FROM staff s JOIN oncall o "
            "ON o.staff = s.key ORDER BY o.since"
        ) as cursor:
            members = [self._row(r) for r in await cursor.fetchall()]
        scheduled = scheduled_now(self.store.schedule, now)
        if scheduled:
            keys = {m["key"] for m in members}
            members += [m for m in await self.all()
                        if m["user_id"] in scheduled and m["key"] not in keys]
        return members

    async def remember_message(self, staff: str, message_id: int, code: str) -> None:
        await self.store.db.execute(
            "INSERT OR REPLACE INTO staff_messages (staff, message_id, case_code) "
            "VALUES (?, ?, ?)", (staff, message_id, code),
        )

    async def case_of_message(self, staff: str, message_id: int) -> str | None:
        async with self.store.db.execute(
            "SELECT case_code FROM staff_messages WHERE staff = ? AND message_id = ?",
            (staff, message_id),
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None


class VolunteerRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def create_invite(self, code_hash: str, created_by: str, expires: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT INTO invites (code_hash, created_by, expires_at) VALUES (?, ?, ?)",
            (code_hash, created_by, ts(expires)),
        )

    async def redeem(self, code_hash: str, conversation: str, now: dt.datetime) -> str:
        """'ok', 'used', 'expired' or 'unknown'. A used or expired code changes nothing."""
        async with self.store.db.execute(
            "SELECT expires_at, used_at FROM invites WHERE code_hash = ?", (code_hash,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return "unknown"
        if row[1] is not None:
            return "used"
        if row[0] < ts(now):
            return "expired"
        await self.store.db.execute(
            "UPDATE invites SET used_at = ? WHERE code_hash = ?", (ts(now), code_hash)
        )
        await self.store.db.execute(
            "INSERT OR REPLACE INTO volunteers (conversation, since) VALUES (?, ?)",
            (conversation, ts(now)),
        )
        return "ok"

    async def count_attempt(self, conversation: str, kind: str, now: dt.datetime,
                            limit: int, window: dt.timedelta) -> bool:
        """Count one attempt at a guessable secret; False when the account is over ``limit``
        within ``window`` (kept in the database, so a restart does not reset it)."""
        async with self.store.db.execute(
            "SELECT window_start, count FROM intake_counts WHERE conversation = ? AND kind = ?",
            (conversation, kind),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] < ts(now - window):
            start, count = ts(now), 0
        else:
            start, count = row[0], row[1]
        await self.store.db.execute(
            "INSERT OR REPLACE INTO intake_counts (conversation, kind, window_start, count) "
            "VALUES (?, ?, ?, ?)", (conversation, kind, start, count + 1))
        return count < limit

    async def is_volunteer(self, conversation: str) -> bool:
        async with self.store.db.execute(
            "SELECT 1 FROM volunteers WHERE conversation = ?", (conversation,)
        ) as cursor:
            return await cursor.fetchone() is not None


class AuditLog:
    """Every staff action: who, what, when (and which case). Never the person's words."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, actor: str, action: str, now: dt.datetime,
                     case_code: str | None = None, detail: str = "") -> None:
        await self.store.db.execute(
            "INSERT INTO audit (at, actor, action, case_code, detail) VALUES (?, ?, ?, ?, ?)",
            (ts(now), actor, action, case_code, detail),
        )

    async def entries(self, case_code: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT at, actor, action, case_code, detail FROM audit"
        args: tuple[Any, ...] = ()
        if case_code:
            query += " WHERE case_code = ?"
            args = (case_code.upper(),)
        async with self.store.db.execute(query + " ORDER BY id", args) as cursor:
            rows = await cursor.fetchall()
        return [{"at": dt.datetime.fromtimestamp(r[0], dt.UTC).isoformat(), "actor": r[1],
                 "action": r[2], "case": r[3], "detail": r[4]} for r in rows]


class OutboxRepository:
    """Alerts inside a unit of work, so a notifier's sends and 'delivered' commit together."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, alert: Alert) -> None:
        """Keep an alert in the current transaction; one row per case and kind, ever."""
        await self.store.db.execute(
            "INSERT OR IGNORE INTO outbox (case_code, event, payload, created_at, next_attempt_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (alert.code, alert.event, json.dumps(alert.payload()), ts(alert.at),
             ts(alert.at)),
        )

    async def delivered(self, alert_id: int, now: dt.datetime) -> bool:
        """Handed to the sender (queued in the same transaction). ``delivered_at`` is set only
        when the messenger accepts it (``OutgoingQueue.done``). False when it already was (by
        another dispatcher): the caller must then not send it again."""
        cursor = await self.store.db.execute(
            "UPDATE outbox SET queued_at = ? WHERE id = ? AND queued_at IS NULL",
            (ts(now), alert_id),
        )
        return cursor.rowcount == 1


class BlockRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def block(self, conversation: str, until: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT OR REPLACE INTO blocks (conversation, until) VALUES (?, ?)",
            (conversation, ts(until)),
        )

    async def unblock(self, conversation: str) -> None:
        await self.store.db.execute("DELETE FROM blocks WHERE conversation = ?", (conversation,))

    async def blocked(self, conversation: str, now: dt.datetime) -> bool:
        return bool(await self.store.db.execute_fetchall(
            "SELECT 1 FROM blocks WHERE conversation = ? AND until > ?", (conversation, ts(now))))


class ContactWindow:
    """When each person last wrote: Zalo OA may only answer within a window after that."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def touch(self, conversation: str, now: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT OR REPLACE INTO last_inbound (conversation, at) VALUES (?, ?)",
            (conversation, ts(now)),
        )

    async def last(self, conversation: str) -> dt.datetime | None:
        async with self.store.db.execute(
            "SELECT at FROM last_inbound WHERE conversation = ?", (conversation,)
        ) as cursor:
            row = await cursor.fetchone()
        return dt.datetime.fromtimestamp(row[0], dt.UTC) if row else None


class ChannelSecrets:
    """Secrets a channel must keep across restarts (Zalo OA's rotating tokens), encrypted.

    Used outside a conversation's unit of work; each write is its own transaction, so a new
    single-use refresh token is durable before anything uses the access token that came with it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, name: str) -> dict[str, Any] | None:
        async with self.store._lock, self.store.db.execute(
            "SELECT blob FROM channel_secrets WHERE name = ?", (name,)
        ) as cursor:
            row = await cursor.fetchone()
        return self.store.open_sealed(row[0]) if row else None

    async def put(self, name: str, data: dict[str, Any], now: dt.datetime) -> None:
        async with self.store._lock:
            await self.store.db.execute("BEGIN IMMEDIATE")
            await self.store.db.execute(
                "INSERT OR REPLACE INTO channel_secrets (name, blob, updated_at) VALUES (?, ?, ?)",
                (name, self.store.seal(data), ts(now)),
            )
            await self.store.db.execute("COMMIT")


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
        now: dt.datetime, not_before: dt.datetime | None = None,
    ) -> None:
        """Due at once, whatever the clock, unless ``not_before`` says later (an alert's
        follow-up copies, ``handlers.staff.alerting``)."""
        await self.store.db.execute(
            "INSERT INTO outgoing (channel, conversation, priority, payload, created_at, "
            "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
            (channel, conversation, priority, self.store.seal(payload), ts(now),
             ts(not_before) if not_before is not None else 0),
        )

    async def drop_pending(self, conversation: str) -> None:
        """Quick exit: what was not sent yet is not sent at all."""
        await self.store.db.execute(
            "DELETE FROM outgoing WHERE conversation = ? AND done_at IS NULL", (conversation,)
        )


# Aggregates in their own modules (they import the core above, so they come last).
from bot.storage.corrections import (  # noqa: E402
    TRIAGE_CORRECTIONS_SCHEMA,
    TriageCorrections,
)
from bot.storage.delivery import Outbox, OutgoingQueue  # noqa: E402
from bot.storage.intake import RUN_LOCK_STALE, Inbox, InboxRow, Locks  # noqa: E402
from bot.storage.migrations import (  # noqa: E402
    MIGRATIONS,
    SCHEMA_VERSION,
    SchemaError,
    migrate,
    reconcile,
)
from bot.storage.retention import (  # noqa: E402
    SEALED,
    Purger,
    Retention,
    retention_from,
    rotate_key,
)

__all__ = [
    "CODE_ALPHABET",
    "MIGRATIONS",
    "RUN_LOCK_STALE",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SEALED",
    "TRIAGE_CORRECTIONS_SCHEMA",
    "WEB_SCHEMA",
    "AuditLog",
    "BlockRepository",
    "CaseRepository",
    "ChannelSecrets",
    "ContactWindow",
    "HandoffLine",
    "Inbox",
    "InboxRow",
    "Ledger",
    "Locks",
    "OnCallRepository",
    "Outbox",
    "OutboxRepository",
    "OutgoingQueue",
    "OutgoingRepository",
    "ProcessedEvents",
    "Purger",
    "Retention",
    "SchemaError",
    "SessionRepository",
    "SqliteUnitOfWork",
    "StaffRepository",
    "Store",
    "TriageCorrections",
    "VolunteerRepository",
    "WebAccountRecord",
    "WebAccountRepository",
    "WebCaseViews",
    "WebHandoffRepository",
    "WebSessionRepository",
    "migrate",
    "reconcile",
    "retention_from",
    "rotate_key",
    "ts",
]
from bot.storage.web import (  # noqa: E402
    WEB_SCHEMA,
    HandoffLine,
    WebAccountRecord,
    WebAccountRepository,
    WebCaseViews,
    WebHandoffRepository,
    WebSessionRepository,
)
