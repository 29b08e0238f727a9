"""Inbound priority: when many people write at once, a message that looks like danger is handled
before routine ones waiting in line.

Outbound priority alone is not enough: in a spike, an urgent message would otherwise wait behind
every routine update that arrived before it. Channels let updates run concurrently up to this
gate, triage the text first (cheap), and the gate lets one through at a time, urgent first and
otherwise in arrival order (so one person's messages keep their order).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator


class PriorityGate:
    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @contextlib.asynccontextmanager
    async def slot(self, urgent: bool) -> AsyncIterator[None]:
        if self._busy or self._waiting:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (0 if urgent else 1, next(self._order), granted))
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():
                    self._release()  # granted just as we were cancelled: pass it on
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():
                granted.set_result(None)  # the gate stays busy: ownership moves on
                return
        self._busy = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)
