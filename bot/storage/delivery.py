"""The senders' side of the store: outgoing messages due per chat, and staff alerts due from
the outbox. Used outside any conversation's unit of work."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from bot.storage import CaseRepository, Ledger, StaffRepository, Store, ts

# Several workers (PostgreSQL): how long a claimed row is left to the worker sending it. Longer
# than any send (the HTTP read timeout is 45 s), so a slow send is never sent twice.
SEND_LEASE = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Accepted:
    """A row the messenger accepted, with what its bookkeeping needs: the conversation whose
    ledger takes the new message ids (None: no ledger), and what to remember about it."""

    row_id: int
    ledger: str | None
    message_ids: list[int]
    remember: dict[str, str] | None = None


class OutgoingQueue:
    """The sender's side of ``outgoing``: read what is due, mark what was sent or refused."""

    def __init__(self, store: Store, spacing: float = 0.0) -> None:
        self.store = store
        # Several workers (PostgreSQL): a chat's next row is claimed no sooner than ``spacing``
        # seconds after its last one was sent, whichever worker sent it (per-chat pacing).
        self.spacing = spacing
        # Several workers (PostgreSQL): whose claims are whose (``_claim``).
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    async def pending(
        self, channel: str, now: dt.datetime, limit: int = 200, by_priority: bool = True
    ) -> list[tuple[int, str, int, dict[str, Any]]]:
        """Each chat's head (its most urgent, then oldest, unsent row), when it is due; heads
        highest priority first, then oldest: (id, conversation, priority, payload).

        Fair by construction: one row per chat, so a chat with a thousand queued rows takes one
        place, and nobody else's first reply waits behind its backlog."""
        order = "priority, id" if by_priority else "id"
        if self.store.dialect == "postgresql":
            return await self._claim(channel, now, limit, order)
        async with self.store._lock:  # execute_fetchall: one trip to the database thread
            rows = await self.store.db.execute_fetchall(
                "SELECT id, conversation, priority, payload FROM ("
                "  SELECT id, conversation, priority, payload, next_attempt_at, "
                f"  ROW_NUMBER() OVER (PARTITION BY conversation ORDER BY {order}) AS place "
                "  FROM outgoing WHERE done_at IS NULL AND channel = ?"
                f") AS heads WHERE place = 1 AND next_attempt_at <= ? ORDER BY {order} LIMIT ?",
                (channel, ts(now), limit),
            )
        return [(r[0], r[1], r[2], self.store.open_sealed(r[3])) for r in rows]

    async def _claim(self, channel: str, now: dt.datetime, limit: int,
                     order: str) -> list[tuple[int, str, int, dict[str, Any]]]:
        """Several workers on PostgreSQL: the heads returned are claimed by this queue for
        ``SEND_LEASE`` (``FOR UPDATE SKIP LOCKED``; ``next_attempt_at = claimed_until`` marks a
        row in flight), so no other worker sends them, nor any other row of the same chats,
        until they are done or rescheduled (``retry_at``): per-chat order holds across the
        fleet. A head the sender left for later (pacing) stays this worker's and comes back on
        its next call; a worker that dies leaves its rows to the others when the lease ends."""
        lease, moment = ts(now + SEND_LEASE), ts(now)
        async with self.store._lock, self.store.db.execute(
            "WITH heads AS ("
            "  SELECT id, conversation, priority, next_attempt_at, claimed_until, claimed_by, "
            f"  ROW_NUMBER() OVER (PARTITION BY conversation ORDER BY {order}) AS place "
            "  FROM outgoing WHERE done_at IS NULL AND channel = ?"
            "), busy AS ("
            "  SELECT conversation FROM heads WHERE claimed_until > ? "
            "  AND next_attempt_at = claimed_until AND claimed_by IS DISTINCT FROM ? "
            "  UNION SELECT conversation FROM outgoing WHERE channel = ? AND done_at > ? "
            "  AND claimed_by IS DISTINCT FROM ?"
            "), pick AS ("
            "  SELECT o.id FROM outgoing o JOIN heads h ON h.id = o.id "
            "  WHERE h.place = 1 AND o.done_at IS NULL AND (o.next_attempt_at <= ? "
            "  OR (o.claimed_by = ? AND o.next_attempt_at = o.claimed_until)) "
            "  AND h.conversation NOT IN (SELECT conversation FROM busy) "
            f"  ORDER BY {', '.join('h.' + c.strip() for c in order.split(','))} LIMIT ? "
            "  FOR UPDATE OF o SKIP LOCKED"
            ") UPDATE outgoing SET next_attempt_at = ?, claimed_until = ?, claimed_by = ? "
            "WHERE id IN (SELECT id FROM pick) RETURNING id, conversation, priority, payload",
            (channel, moment, self.worker, channel, moment - self.spacing, self.worker, moment,
             self.worker, limit, lease, lease, self.worker),
        ) as cursor:
            rows = await cursor.fetchall()
        rank = (lambda r: (r[2], r[0])) if order.startswith("priority") else (lambda r: r[0])
        return [(r[0], r[1], r[2], self.store.open_sealed(r[3])) for r in sorted(rows, key=rank)]

    async def done(
        self, row_id: int, now: dt.datetime, conversation: str | None = None,
        sent_ids: list[int] | None = None, failed: bool = False,
        remember: dict[str, str] | None = None,
    ) -> None:
        """Mark a row finished. The ids of messages it put in a person's chat join the ledger;
        an alert's id is kept (to edit it on claim) and the alert counts as delivered; a case
        message to a staff member is kept too (so a reply to it reaches the case).

        If that bookkeeping fails, the row is still marked done on its own: a message the
        messenger accepted is never sent again."""
        async with self.store._lock:
            try:
                await self.store.db.execute("BEGIN IMMEDIATE")
                await self._finish(row_id, now, failed)
                if conversation and sent_ids:
                    await Ledger(self.store).add(conversation, sent_ids, now)
                if sent_ids and remember:
                    await self._remember(remember, sent_ids[0], now)
                await self.store.db.execute("COMMIT")
            except Exception:
                await self._rollback()
                await self._finish(row_id, now, failed)  # autocommit: at least this holds
                raise

    async def sent(self, rows: list[Accepted], now: dt.datetime) -> None:
        """Mark rows the messenger accepted, all in one transaction (the sender calls this once
        per step, not once per message): each row done, new message ids in their ledgers, and
        what is remembered about them (as ``done`` does for one).

        If that bookkeeping fails, the rows are still marked done on their own (one statement)
        before the error is raised: a message the messenger accepted is never sent again."""
        if not rows:
            return
        marks = [(ts(now), row.row_id) for row in rows]
        ledger = [(row.ledger, mid, ts(now)) for row in rows if row.ledger
                  for mid in row.message_ids]
        async with self.store._lock:
            try:
                await self.store.db.execute("BEGIN IMMEDIATE")
                await self._finish_sent(marks)
                if ledger:
                    await self.store.db.executemany(
                        "INSERT OR IGNORE INTO ledger (conversation, message_id, sent_at) "
                        "VALUES (?, ?, ?)", ledger)
                for row in rows:
                    if row.message_ids and row.remember:
                        await self._remember(row.remember, row.message_ids[0], now)
                await self.store.db.execute("COMMIT")
            except Exception:
                await self._rollback()
                await self._finish_sent(marks)  # autocommit: at least this holds
                raise

    async def _finish_sent(self, marks: list[tuple[float, int]]) -> None:
        await self.store.db.executemany(
            "UPDATE outgoing SET done_at = ?, failed = 0, attempts = attempts + 1 WHERE id = ?",
            marks)

    async def _remember(self, remember: dict[str, str], message_id: int,
                        now: dt.datetime) -> None:
        """An alert's message id (to edit it on claim; the alert counts as delivered), or a
        case message's to a staff member (so a reply to it reaches the case)."""
        if "alert_case" in remember:
            await CaseRepository(self.store).set_alert_message(remember["alert_case"], message_id)
            await self.store.db.execute(
                "UPDATE outbox SET delivered_at = ? WHERE case_code = ? "
                "AND delivered_at IS NULL AND queued_at IS NOT NULL",
                (ts(now), remember["alert_case"]))
        if "staff" in remember:
            await StaffRepository(self.store).remember_message(
                remember["staff"], message_id, remember["case"])

    async def _finish(self, row_id: int, now: dt.datetime, failed: bool) -> None:
        await self.store.db.execute(
            "UPDATE outgoing SET done_at = ?, failed = ?, attempts = attempts + 1 "
            "WHERE id = ?", (ts(now), int(failed), row_id),
        )

    async def _rollback(self) -> None:
        if self.store.db.in_transaction:
            await self.store.db.execute("ROLLBACK")

    async def readdress(self, channel: str, old_chat: Any, new_chat: Any,
                        new_conversation: str | None = None) -> int:
        """A chat moved (a group upgraded to a supergroup): queued rows follow it."""
        count = 0
        async with self.store._lock:
            async with self.store.db.execute(
                "SELECT id, conversation, payload FROM outgoing WHERE done_at IS NULL "
                "AND channel = ?", (channel,),
            ) as cursor:
                rows = await cursor.fetchall()
            await self.store.db.execute("BEGIN IMMEDIATE")
            try:
                for row_id, conversation, blob in rows:
                    payload = self.store.open_sealed(blob)
                    if payload.get("chat") != old_chat:
                        continue
                    payload["chat"] = new_chat
                    await self.store.db.execute(
                        "UPDATE outgoing SET payload = ?, conversation = ?, next_attempt_at = 0 "
                        "WHERE id = ?",
                        (self.store.seal(payload), new_conversation or conversation, row_id))
                    count += 1
                await self.store.db.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise
        return count

    async def attempts(self, row_id: int) -> int:
        async with self.store._lock, self.store.db.execute(
            "SELECT attempts FROM outgoing WHERE id = ?", (row_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

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
        urgent = ("(payload::jsonb ->> 'tier') = 'urgent'" if self.store.dialect == "postgresql"
                  else "json_extract(payload, '$.tier') = 'urgent'")
        async with self.store._lock, self.store.db.execute(
            "SELECT id, payload, attempts FROM outbox "
            "WHERE queued_at IS NULL AND delivered_at IS NULL AND next_attempt_at <= ? "
            f"ORDER BY ({urgent}) DESC, id LIMIT ?",
            (ts(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], json.loads(row[1]), row[2]) for row in rows]

    async def failed(self, alert_id: int, retry_at: dt.datetime) -> None:
        async with self.store._lock:
            await self.store.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
                (ts(retry_at), alert_id),
            )
