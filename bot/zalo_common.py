"""What the two Zalo channels share: text limits, numbered menus, and the way a reply is queued.

Zalo allows 2,000 characters a message and (on the Bot platform) no buttons, so choices become a
numbered list the person answers with a number or the words; the core maps both back to the same
option. Replies are queued in the conversation's transaction and sent by ``bot.sender``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.crypto import Secrets
from bot.sender import PacedSender, Pacing, Transport
from bot.staff import StaffDesk
from bot.storage import OutgoingQueue, SqliteUnitOfWork, Store
from handlers.events import DeleteHistory, Message, Reply, ToStaff
from handlers.flow import Engine

TEXT_LIMIT = 2000


class QueuedChannel:
    """What every queued channel holds: the engine, the store, pseudonyms, the staff desk (for
    handoffs), an injectable clock, and a paced sender for its own outgoing rows."""

    def __init__(
        self, name: str, transport: Transport, engine: Engine, store: Store, secrets: Secrets,
        desk: StaffDesk | None, pacing: Pacing | None,
        clock: Callable[[], dt.datetime] | None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.secrets = secrets
        self.desk = desk
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.sender = PacedSender(
            OutgoingQueue(store, (pacing or Pacing()).per_chat_interval), name, transport, pacing)


def chunks(text: str, size: int = TEXT_LIMIT) -> list[str]:
    """Split at line breaks where possible; every part is 1..size characters."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text.strip():
        parts.append(text)
    return parts


def numbered(message: Message) -> str:
    """The message with its options as a numbered menu (numbers follow the core's order)."""
    if not message.options:
        return message.text
    lines = [message.text, ""]
    lines += [f"{n}. {option.label}" for n, option in enumerate(message.options, start=1)]
    return "\n".join(lines)


async def queue_reply(
    uow: SqliteUnitOfWork,
    channel: str,
    key: str,
    reply: Reply,
    payloads: Callable[[Message], list[dict[str, Any]]],
    desk: StaffDesk | None,
    now: dt.datetime,
) -> None:
    """Queue what the core said: person messages through ``payloads``, handoff words to staff.

    Zalo cannot delete a chat's history: quick exit only stops what was still waiting to go."""
    for output in reply.outputs:
        if isinstance(output, ToStaff):
            if desk is not None:
                await desk.from_person(uow, output.case, output.text, output.notice)
        elif isinstance(output, DeleteHistory):
            await uow.outgoing.drop_pending(key)
        else:
            for payload in payloads(output):
                await uow.outgoing.queue(channel, key, 0 if output.urgent else 1, payload, now)
