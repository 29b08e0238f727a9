"""The staff web console's store (bot.web): accounts, sessions, handoff words and case views.

Accounts keep secrets hashed (password, setup token) or sealed (TOTP); handoff words are
encrypted and purged with the case or after the message retention period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.storage import ts

if TYPE_CHECKING:
    from bot.storage import Store


# -- the staff web console (bot.web): accounts, sessions, and the case views it needs ---------
WEB_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_accounts (
    login TEXT PRIMARY KEY,        -- the login name the admin chose
    staff_key TEXT NOT NULL,       -- the staff key its claims carry (cases.claimed_by)
    name TEXT NOT NULL,            -- shown to colleagues and in the audit log
    role TEXT NOT NULL,
    password_hash TEXT,            -- Argon2id; NULL until the setup link is used
    totp BLOB,                     -- encrypted TOTP secret
    totp_last INTEGER NOT NULL DEFAULT 0,  -- last accepted time step: a code works once
    setup_hash TEXT,               -- keyed hash of the one-time setup token
    setup_expires REAL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS web_handoff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_code TEXT NOT NULL,
    at REAL NOT NULL,
    side TEXT NOT NULL,            -- 'person', 'staff' or 'notice'
    body BLOB NOT NULL             -- encrypted: the words of a handoff conversation
);
CREATE INDEX IF NOT EXISTS web_handoff_case ON web_handoff (case_code, id);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash TEXT PRIMARY KEY,   -- keyed hash of the cookie's token
    login TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class WebAccountRecord:
    login: str
    staff_key: str
    name: str
    role: str
    password_hash: str | None
    totp_secret: str | None
    totp_last: int


class WebAccountRepository:
    """Console accounts. Secrets are stored hashed (password, setup token) or sealed (TOTP)."""

    _COLUMNS = "login, staff_key, name, role, password_hash, totp, totp_last"

    def __init__(self, store: Store) -> None:
        self.store = store

    def _record(self, row: Any) -> WebAccountRecord:
        totp = self.store.open_sealed(row[5])["secret"] if row[5] else None
        return WebAccountRecord(row[0], row[1], row[2], row[3], row[4], totp, row[6])

    async def add(self, login: str, staff_key: str, name: str, role: str, setup_hash: str,
                  setup_expires: dt.datetime, now: dt.datetime) -> None:
        """A new account, or a fresh setup link for an existing one (its login is reset)."""
        await self.store.db.execute(
            "INSERT INTO web_accounts (login, staff_key, name, role, setup_hash, setup_expires,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET "
            "staff_key = excluded.staff_key, name = excluded.name, role = excluded.role, "
            "password_hash = NULL, totp = NULL, setup_hash = excluded.setup_hash, "
            "setup_expires = excluded.setup_expires",
            (login, staff_key, name, role, setup_hash, ts(setup_expires), ts(now)),
        )
        await self.store.db.execute("DELETE FROM web_sessions WHERE login = ?", (login,))

    async def get(self, login: str) -> WebAccountRecord | None:
        async with self.store.db.execute(
            f"SELECT {self._COLUMNS} FROM web_accounts WHERE login = ?", (login,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._record(row)

    async def by_staff_key(self, staff_key: str) -> WebAccountRecord | None:
        async with self.store.db.execute(
            f"SELECT {self._COLUMNS} FROM web_accounts WHERE staff_key = ?", (staff_key,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._record(row)

    async def by_setup(self, setup_hash: str, now: dt.datetime) -> WebAccountRecord | None:
        async with self.store.db.execute(
            f"SELECT {self._COLUMNS} FROM web_accounts WHERE setup_hash = ? "
            "AND setup_expires >= ?", (setup_hash, ts(now))
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._record(row)

    async def complete_setup(self, login: str, password_hash: str, totp_secret: str,
                             step: int) -> None:
        """Password and second factor set; the setup link stops working."""
        await self.store.db.execute(
            "UPDATE web_accounts SET password_hash = ?, totp = ?, totp_last = ?, "
            "setup_hash = NULL, setup_expires = NULL WHERE login = ?",
            (password_hash, self.store.seal({"secret": totp_secret}), step, login),
        )

    async def set_password_hash(self, login: str, password_hash: str) -> None:
        await self.store.db.execute(
            "UPDATE web_accounts SET password_hash = ? WHERE login = ?", (password_hash, login))

    async def use_totp_step(self, login: str, step: int) -> bool:
        """Accept a TOTP time step once: a replayed code (same or older step) is refused."""
        cursor = await self.store.db.execute(
            "UPDATE web_accounts SET totp_last = ? WHERE login = ? AND totp_last < ?",
            (step, login, step),
        )
        return cursor.rowcount == 1

    async def count_ready(self) -> int:
        async with self.store.db.execute(
            "SELECT COUNT(*) FROM web_accounts WHERE password_hash IS NOT NULL "
            "OR setup_hash IS NOT NULL"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def remove(self, login: str) -> bool:
        """Offboarding: the account and every session it has end at once."""
        cursor = await self.store.db.execute("DELETE FROM web_accounts WHERE login = ?",
                                             (login,))
        await self.store.db.execute("DELETE FROM web_sessions WHERE login = ?", (login,))
        return cursor.rowcount == 1

    async def all(self) -> list[WebAccountRecord]:
        async with self.store.db.execute(
            f"SELECT {self._COLUMNS} FROM web_accounts ORDER BY role, login"
        ) as cursor:
            return [self._record(r) for r in await cursor.fetchall()]

    async def names(self) -> dict[str, str]:
        """staff key -> name, to show who holds a case."""
        async with self.store.db.execute("SELECT staff_key, name FROM web_accounts") as cursor:
            return {r[0]: r[1] for r in await cursor.fetchall()}


class WebSessionRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def create(self, token_hash: str, login: str, csrf: str,
                     expires: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT INTO web_sessions (token_hash, login, csrf, expires_at) VALUES (?, ?, ?, ?)",
            (token_hash, login, csrf, ts(expires)),
        )

    async def get(self, token_hash: str, now: dt.datetime) -> tuple[str, str] | None:
        """(login, csrf token) of a live session."""
        async with self.store.db.execute(
            "SELECT login, csrf FROM web_sessions WHERE token_hash = ? AND expires_at > ?",
            (token_hash, ts(now)),
        ) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1]) if row else None

    async def delete(self, token_hash: str) -> None:
        await self.store.db.execute("DELETE FROM web_sessions WHERE token_hash = ?",
                                    (token_hash,))

    async def purge(self, now: dt.datetime) -> int:
        cursor = await self.store.db.execute(
            "DELETE FROM web_sessions WHERE expires_at <= ?", (ts(now),))
        return cursor.rowcount


class WebCaseViews:
    """What the console shows and changes on a case, beyond ``CaseRepository``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def set_routine(self, code: str, now: dt.datetime) -> bool:
        """A supervisor's judgement that a case is not urgent: its escalation timers stop."""
        cursor = await self.store.db.execute(
            "UPDATE cases SET tier = 'routine', urgent_since = NULL, next_escalation_at = NULL,"
            " updated_at = ? WHERE code = ? AND tier = 'urgent'", (ts(now), code),
        )
        return cursor.rowcount == 1

    async def alert_events(self, code: str) -> list[tuple[str, dt.datetime, bool]]:
        """(event, when, delivered) of a case's alerts, for its timeline."""
        async with self.store.db.execute(
            "SELECT event, created_at, delivered_at IS NOT NULL FROM outbox "
            "WHERE case_code = ? ORDER BY id", (code.upper(),)
        ) as cursor:
            return [(r[0], dt.datetime.fromtimestamp(r[1], dt.UTC), bool(r[2]))
                    for r in await cursor.fetchall()]


@dataclass(frozen=True)
class HandoffLine:
    at: dt.datetime
    side: str
    text: str


class WebHandoffRepository:
    """A handoff conversation as the console holder reads it, sealed, kept only as long as
    messages are (RETENTION_MESSAGE_DAYS) and deleted with the case's closing."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, code: str, side: str, text: str, now: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT INTO web_handoff (case_code, at, side, body) VALUES (?, ?, ?, ?)",
            (code, ts(now), side, self.store.seal({"text": text})),
        )

    async def lines(self, code: str) -> list[HandoffLine]:
        async with self.store.db.execute(
            "SELECT at, side, body FROM web_handoff WHERE case_code = ? ORDER BY id", (code,)
        ) as cursor:
            return [HandoffLine(dt.datetime.fromtimestamp(r[0], dt.UTC), r[1],
                                self.store.open_sealed(r[2])["text"])
                    for r in await cursor.fetchall()]

    async def forget(self, code: str) -> None:
        await self.store.db.execute("DELETE FROM web_handoff WHERE case_code = ?", (code,))

    async def purge(self, before: dt.datetime) -> int:
        cursor = await self.store.db.execute("DELETE FROM web_handoff WHERE at < ?",
                                             (ts(before),))
        return cursor.rowcount
