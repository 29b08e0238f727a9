"""Live updates for open consoles: an in-process broker that server-sent events read from.

The console is a staff channel like the Telegram group: ``WebNotifier`` is a ``bot.alerts``
notifier, so the dispatcher hands it each alert (urgent first) and every open browser shows it at
once. An alert's payload carries no personal content by construction (``bot.storage`` outbox).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from handlers.staff import Alert

QUEUE_SIZE = 100


@dataclass(frozen=True)
class LiveEvent:
    kind: str  # "alert" (a new alert) or "queue" (something in the queue changed)
    data: dict[str, Any]

    def encode(self) -> bytes:
        body = json.dumps(self.data, ensure_ascii=False)
        return f"event: {self.kind}\ndata: {body}\n\n".encode()


class Broker:
    """Fan-out to every connected console; a console too slow to keep up loses old events, not
    the newest (it reloads the queue on each event anyway)."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[LiveEvent | None]] = set()

    def subscribe(self) -> asyncio.Queue[LiveEvent | None]:
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[LiveEvent | None]) -> None:
        self._subscribers.discard(queue)

    @property
    def listeners(self) -> int:
        return len(self._subscribers)

    def publish(self, event: LiveEvent) -> None:
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def close(self) -> None:
        """End every open stream (shutdown)."""
        for queue in list(self._subscribers):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)


class WebNotifier:
    """The console as a staff channel: each alert goes to every open console."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    async def notify(self, uow: object, alert: Alert, text: str) -> None:
        self.broker.publish(LiveEvent("alert", {
            "code": alert.code, "tier": alert.tier.value, "event": alert.kind.value,
            "text": text,
        }))
