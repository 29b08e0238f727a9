"""Retention (``binhan purge`` and the hourly job), erasure of one person (``binhan forget``),
and re-encryption with a new key (``binhan rotate-key``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.config import Settings
from bot.crypto import Secrets
from bot.storage import Store, ts


@dataclass(frozen=True)
class Retention:
    """How long each kind of record lives (safety.md: everything has a retention period)."""

    sessions: dt.timedelta = dt.timedelta(hours=24)
    closed_cases: dt.timedelta = dt.timedelta(days=90)
    messages: dt.timedelta = dt.timedelta(days=7)  # sent messages, incl. handoff text
    audit: dt.timedelta = dt.timedelta(days=730)
    events: dt.timedelta = dt.timedelta(days=7)  # processed update ids, deletion ledger


def retention_from(settings: Settings) -> Retention:
    return Retention(
        sessions=dt.timedelta(hours=settings.retention_session_hours),
        closed_cases=dt.timedelta(days=settings.retention_closed_case_days),
        messages=dt.timedelta(days=settings.retention_message_days),
        audit=dt.timedelta(days=settings.retention_audit_days),
    )


class Purger:
    """Applies ``Retention`` (``binhan purge`` and the scheduled job) and erases one person's
    data (``binhan forget``). Each run is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def purge(self, retention: Retention, now: dt.datetime) -> dict[str, int]:
        cut = {name: ts(now - getattr(retention, name)) for name in
               ("sessions", "closed_cases", "messages", "audit", "events")}
        statements = {
            "sessions": ("DELETE FROM sessions WHERE updated_at < ?", cut["sessions"]),
            "case_messages": ("DELETE FROM staff_messages WHERE case_code IN (SELECT code FROM "
                              "cases WHERE status = 'closed' AND closed_at < ?)",
                              cut["closed_cases"]),
            "alerts": ("DELETE FROM outbox WHERE case_code IN (SELECT code FROM cases WHERE "
                       "status = 'closed' AND closed_at < ?)", cut["closed_cases"]),
            "cases": ("DELETE FROM cases WHERE status = 'closed' AND closed_at < ?",
                      cut["closed_cases"]),
            "messages": ("DELETE FROM outgoing WHERE done_at IS NOT NULL AND done_at < ?",
                         cut["messages"]),
            "audit": ("DELETE FROM audit WHERE at < ?", cut["audit"]),
            "events": ("DELETE FROM processed_events WHERE processed_at < ?", cut["events"]),
            "inbox": ("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?",
                      cut["events"]),
            "ledger": ("DELETE FROM ledger WHERE sent_at < ?", cut["events"]),
            "windows": ("DELETE FROM last_inbound WHERE at < ?", cut["events"]),
            "invites": ("DELETE FROM invites WHERE expires_at < ?", cut["events"]),
            "blocks": ("DELETE FROM blocks WHERE until < ?", ts(now)),
            "throttles": ("DELETE FROM intake_counts WHERE window_start < ?", cut["events"]),
        }
        counts: dict[str, int] = {}
        async with self.store.unit_of_work() as uow:
            for name, (sql, arg) in statements.items():
                cursor = await uow.store.db.execute(sql, (arg,))
                counts[name] = cursor.rowcount
            await uow.commit()
        return counts

    async def forget(self, code: str, now: dt.datetime) -> bool:
        """Erase everything about the person behind one case (all their cases, session,
        messages), and nothing else. The audit log keeps that it happened, not what it was."""
        async with self.store.unit_of_work() as uow:
            async with uow.store.db.execute(
                "SELECT conversation FROM cases WHERE code = ?", (code.upper(),)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            who = row[0]
            async with uow.store.db.execute(
                "SELECT code FROM cases WHERE conversation = ?", (who,)
            ) as cursor:
                their_codes = {r[0] for r in await cursor.fetchall()}
            await self._forget_staff_messages(their_codes)
            codes = "SELECT code FROM cases WHERE conversation = ?"
            for sql in (
                f"DELETE FROM staff_messages WHERE case_code IN ({codes})",
                f"DELETE FROM outbox WHERE case_code IN ({codes})",
                "DELETE FROM cases WHERE conversation = ?",
                "DELETE FROM sessions WHERE key = ?",
                "DELETE FROM outgoing WHERE conversation = ?",
                "DELETE FROM ledger WHERE conversation = ?",
                "DELETE FROM last_inbound WHERE conversation = ?",
                "DELETE FROM volunteers WHERE conversation = ?",
                "DELETE FROM blocks WHERE conversation = ?",
                "DELETE FROM intake_counts WHERE conversation = ?",
            ):
                await uow.store.db.execute(sql, (who,))
            await uow.audit.record("admin (cli)", "forget", now, code.upper())
            await uow.commit()
        return True

    async def _forget_staff_messages(self, codes: set[str]) -> None:
        """Rows addressed to staff (alerts, details, the person's words, escalations) carry
        the case code in their encrypted payload, not the person's conversation key: each is
        opened and dropped when it is about one of ``codes``, sent or not."""
        if not codes:
            return
        pattern = re.compile(r"(?<![A-Z0-9])(" + "|".join(sorted(codes)) + r")(?![A-Z0-9])")
        async with self.store.db.execute("SELECT id, payload FROM outgoing") as cursor:
            rows = await cursor.fetchall()
        doomed = []
        for row_id, blob in rows:
            payload = self.store.open_sealed(blob)
            remember = payload.get("remember") or {}
            params = payload.get("params") or {}
            if (remember.get("case") in codes or remember.get("alert_case") in codes
                    or pattern.search(str(params.get("text", "")))):
                doomed.append((row_id,))
        await self.store.db.executemany("DELETE FROM outgoing WHERE id = ?", doomed)

    async def vacuum(self) -> None:
        """Give freed pages back, so erased data does not linger in the file or the WAL."""
        async with self.store._lock:
            for sql in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM",
                        "PRAGMA wal_checkpoint(TRUNCATE)"):
                async with self.store.db.execute(sql) as cursor:
                    await cursor.fetchall()


SEALED = (  # (table, key column, encrypted column): everything rotate-key re-encrypts
    ("meta", "name", "blob"),
    ("sessions", "key", "state"),
    ("cases", "code", "details"),
    ("cases", "code", "address"),
    ("staff", "key", "user_id"),
    ("outgoing", "id", "payload"),
    ("channel_secrets", "name", "blob"),
    ("web_accounts", "login", "totp"),
    ("web_handoff", "id", "body"),
    ("web_push_subscriptions", "id", "subscription"),
)


async def rotate_key(store: Store, new: Secrets) -> int:
    """Re-encrypt every sealed field with ``new`` in one transaction; pseudonyms do not change.
    Returns how many fields were re-encrypted."""
    new.adopt_hash_key(store.secrets.hash_key)
    count = 0
    async with store.unit_of_work() as uow:
        for table, key, column in SEALED:
            async with uow.store.db.execute(
                f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL"
            ) as cursor:
                rows = await cursor.fetchall()
            for row_key, blob in rows:
                fresh = new.encrypt(store.secrets.decrypt(blob))
                await uow.store.db.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (fresh, row_key)
                )
                count += 1
        await uow.commit()
    store.secrets = new
    return count
