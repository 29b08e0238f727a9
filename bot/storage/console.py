"""The console's organisation pages in the store: directory overrides, the on-call shifts staff
edit, Web Push subscriptions, volunteers and invites as an admin sees them, and the rows the
statistics page counts.

Added by migration step 3 (``bot.storage.migrations``). Nothing here holds a person's words:
directory entries are public facts with their sources, shifts name staff keys, a push
subscription is sealed (its endpoint identifies a staff phone), and statistics read categories
and times only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.storage import ts

if TYPE_CHECKING:
    from bot.storage import Store

CONSOLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS directory_overrides (
    entry_id TEXT PRIMARY KEY,     -- the directory entry's id (services or hotlines)
    section TEXT NOT NULL,         -- 'services' or 'hotlines'
    body TEXT NOT NULL,            -- JSON of the whole entry, validated like `binhan kb validate`
    edited_by TEXT NOT NULL,       -- the staff member's name and role, as in the audit log
    edited_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS roster_shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_key TEXT NOT NULL,       -- the staff key (cases.claimed_by) of who is on call
    days TEXT NOT NULL,            -- ONCALL_SCHEDULE day words: 'mon-fri', 'sat,sun'
    start_minute INTEGER NOT NULL, -- minutes after midnight, Vietnam time
    end_minute INTEGER NOT NULL,   -- 1440 for 24:00
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS web_push_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,           -- the console account whose phone this is
    endpoint_hash TEXT NOT NULL UNIQUE,  -- keyed hash of the endpoint: one row per browser
    subscription BLOB NOT NULL,    -- encrypted JSON: endpoint URL and the browser's keys
    created_at REAL NOT NULL
);
"""


# -- directory overrides -----------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryOverride:
    entry_id: str
    section: str
    body: dict[str, Any]
    edited_by: str
    edited_at: dt.datetime


class DirectoryOverrides:
    """The deployment's own corrections to the bundled directory: one whole entry per id,
    replacing the bundled one when the directory is loaded. Only entries that passed the
    directory's validation are ever saved (``bot.web.directory``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def put(self, section: str, body: dict[str, Any], actor: str,
                  now: dt.datetime) -> None:
        await self.store.db.execute(
            "INSERT INTO directory_overrides (entry_id, section, body, edited_by, edited_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET "
            "section = excluded.section, body = excluded.body, "
            "edited_by = excluded.edited_by, edited_at = excluded.edited_at",
            (body["id"], section, json.dumps(body, ensure_ascii=False), actor, ts(now)),
        )

    async def all(self) -> list[DirectoryOverride]:
        async with self.store.db.execute(
            "SELECT entry_id, section, body, edited_by, edited_at FROM directory_overrides "
            "ORDER BY entry_id"
        ) as cursor:
            return [DirectoryOverride(r[0], r[1], json.loads(r[2]), r[3],
                                      dt.datetime.fromtimestamp(r[4], dt.UTC))
                    for r in await cursor.fetchall()]


# -- the on-call roster ------------------------------------------------------------------------
@dataclass(frozen=True)
class RosterShift:
    id: int
    staff_key: str
    days: str
    start_minute: int
    end_minute: int


class RosterShifts:
    """Weekly shifts set on the console, beside ``ONCALL_SCHEDULE`` and ``/oncall on``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, staff_key: str, days: str, start_minute: int, end_minute: int,
                  now: dt.datetime) -> int:
        cursor = await self.store.db.execute(
            "INSERT INTO roster_shifts (staff_key, days, start_minute, end_minute, created_at)"
            " VALUES (?, ?, ?, ?, ?)", (staff_key, days, start_minute, end_minute, ts(now)),
        )
        return int(cursor.lastrowid or 0)

    async def remove(self, shift_id: int) -> bool:
        cursor = await self.store.db.execute("DELETE FROM roster_shifts WHERE id = ?",
                                             (shift_id,))
        return cursor.rowcount == 1

    async def all(self) -> list[RosterShift]:
        async with self.store.db.execute(
            "SELECT id, staff_key, days, start_minute, end_minute FROM roster_shifts "
            "ORDER BY start_minute, id"
        ) as cursor:
            return [RosterShift(*r) for r in await cursor.fetchall()]


# -- Web Push subscriptions --------------------------------------------------------------------
@dataclass(frozen=True)
class PushSubscription:
    id: int
    login: str
    endpoint: str
    p256dh: str
    auth: str

    def info(self) -> dict[str, Any]:
        """The form pywebpush takes (the browser's PushSubscription.toJSON())."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushSubscriptions:
    """Staff phones subscribed to Web Push. The endpoint is a capability URL that reaches one
    phone, so it is sealed; its keyed hash keeps one row per browser."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def put(self, login: str, endpoint_hash: str, endpoint: str, p256dh: str, auth: str,
                  now: dt.datetime) -> None:
        sealed = self.store.seal({"endpoint": endpoint, "p256dh": p256dh, "auth": auth})
        await self.store.db.execute(
            "INSERT INTO web_push_subscriptions (login, endpoint_hash, subscription, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (endpoint_hash) DO UPDATE SET "
            "login = excluded.login, subscription = excluded.subscription",
            (login, endpoint_hash, sealed, ts(now)),
        )

    async def all(self) -> list[PushSubscription]:
        async with self.store.db.execute(
            "SELECT id, login, subscription FROM web_push_subscriptions ORDER BY id"
        ) as cursor:
            rows = await cursor.fetchall()
        out = []
        for row in rows:
            data = self.store.open_sealed(row[2])
            out.append(PushSubscription(row[0], row[1], data["endpoint"], data["p256dh"],
                                        data["auth"]))
        return out

    async def count(self) -> int:
        async with self.store.db.execute("SELECT COUNT(*) FROM web_push_subscriptions") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def remove(self, subscription_id: int) -> None:
        await self.store.db.execute("DELETE FROM web_push_subscriptions WHERE id = ?",
                                    (subscription_id,))

    async def remove_endpoint(self, login: str, endpoint_hash: str) -> bool:
        cursor = await self.store.db.execute(
            "DELETE FROM web_push_subscriptions WHERE login = ? AND endpoint_hash = ?",
            (login, endpoint_hash))
        return cursor.rowcount == 1

    async def forget_login(self, login: str) -> None:
        await self.store.db.execute("DELETE FROM web_push_subscriptions WHERE login = ?",
                                    (login,))


# -- volunteers and invites, as an admin sees them ---------------------------------------------
@dataclass(frozen=True)
class InviteRow:
    id: int
    created_by: str  # staff key
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True)
class VolunteerRow:
    id: int
    since: dt.datetime


def _moment(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


class VolunteerAdmin:
    """Invites and volunteers by row number: the console never shows a conversation's hash or
    an invite's code hash, and URLs carry row numbers only."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def invites(self) -> list[InviteRow]:
        async with self.store.db.execute(
            "SELECT rowid, created_by, expires_at, used_at FROM invites ORDER BY rowid DESC"
        ) as cursor:
            return [InviteRow(r[0], r[1], dt.datetime.fromtimestamp(r[2], dt.UTC),
                              _moment(r[3])) for r in await cursor.fetchall()]

    async def revoke_invite(self, invite_id: int) -> bool:
        """An unused invite stops working (a used one already did its work)."""
        cursor = await self.store.db.execute(
            "DELETE FROM invites WHERE rowid = ? AND used_at IS NULL", (invite_id,))
        return cursor.rowcount == 1

    async def volunteers(self) -> list[VolunteerRow]:
        async with self.store.db.execute(
            "SELECT rowid, since FROM volunteers ORDER BY since"
        ) as cursor:
            return [VolunteerRow(r[0], dt.datetime.fromtimestamp(r[1], dt.UTC))
                    for r in await cursor.fetchall()]

    async def remove_volunteer(self, volunteer_id: int) -> bool:
        """The conversation is no longer a volunteer's: its next relay is a person's own."""
        cursor = await self.store.db.execute("DELETE FROM volunteers WHERE rowid = ?",
                                             (volunteer_id,))
        return cursor.rowcount == 1


# -- the rows statistics count -----------------------------------------------------------------
@dataclass(frozen=True)
class CaseFacts:
    """One case as statistics see it: categories and times, never contact or words."""

    created_at: dt.datetime
    tier: str
    province: int | None
    abroad: str | None
    channel: str
    needs: tuple[str, ...]
    claimed_at: dt.datetime | None
    first_reply_at: dt.datetime | None


class CaseStatistics:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def facts(self, since: dt.datetime) -> list[CaseFacts]:
        """Cases opened since ``since`` (the store keeps closed cases for the retention period
        only), with the first staff message of their handoff from the audit log."""
        async with self.store.db.execute(
            "SELECT c.created_at, c.tier, c.province, c.abroad, c.channel, c.needs, "
            "c.claimed_at, (SELECT MIN(a.at) FROM audit a WHERE a.case_code = c.code "
            "AND a.action = 'handoff_message') FROM cases c WHERE c.created_at >= ? "
            "ORDER BY c.created_at", (ts(since),)
        ) as cursor:
            rows = await cursor.fetchall()
        return [CaseFacts(dt.datetime.fromtimestamp(r[0], dt.UTC), r[1], r[2], r[3], r[4],
                          tuple(json.loads(r[5] or "[]")), _moment(r[6]), _moment(r[7]))
                for r in rows]
