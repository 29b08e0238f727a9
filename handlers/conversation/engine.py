"""The conversation engine: one inbound event in, what to say out, state saved in between.

Order of work for every event (safety.md, "The conversation"):
1. quick exit, from anywhere, before anything else (the words, /x, the exit button, or the
   number shown next to "Thoát nhanh" on a numbered menu);
2. crisis triage runs before anything else may refuse the message (even the flood gate and a
   staff block): danger gets the fitting numbers first, a case and the staff;
3. the message is read (``handlers.understanding.read``) and the dialogue acts on the reading
   (``dialogue.Turn``).
State lives in the store and is committed, with any case and its alert, before the reply leaves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from handlers.catalogue import Catalogue
from handlers.conversation.dialogue import Turn, safe_triage
from handlers.conversation.state import State
from handlers.events import Inbound, Reply, Text
from handlers.flood import FloodGate
from handlers.ports import UnitOfWork
from knowledge.abroad import Abroad, default_abroad
from knowledge.search import ServiceSearch


@dataclass
class EngineConfig:
    idle_minutes: int = 30
    default_language: str = "vi"
    result_limit: int = 5
    flood_burst: int = 8
    flood_per_minute: float = 30.0


class Engine:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        search: ServiceSearch,
        catalogue: Catalogue,
        config: EngineConfig | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        abroad: Abroad | None = None,
    ) -> None:
        self._uow = uow
        self.search = search
        self.catalogue = catalogue
        self.config = config or EngineConfig()
        self.abroad = abroad or default_abroad()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.flood = FloodGate(self.config.flood_burst, self.config.flood_per_minute)

    async def handle(
        self,
        key: str,
        channel: str,
        event: Inbound,
        *,
        event_id: str | None = None,
        on_reply: Callable[[Any, Reply], Awaitable[None]] | None = None,
        address: dict[str, Any] | None = None,
    ) -> Reply | None:
        """Handle one event for one conversation; state and cases are committed before return.

        ``event_id`` makes handling exactly-once: an id seen before returns None and changes
        nothing. ``on_reply`` runs inside the same transaction (a channel queues its sends there),
        so state, cases, alerts and outgoing messages are committed together or not at all.
        ``address`` is how the channel can reach this person later (kept encrypted in a case, so
        a staff member can answer).
        """
        now = self._clock()
        gate = self.flood.admit(key, time.monotonic())
        async with self._uow() as uow:
            if event_id is not None and not await uow.processed.first_time(event_id, now):
                return None
            loaded = await uow.sessions.load(key)
            state = self._restore(loaded, now)
            turn = Turn(self, uow, key, channel, state, now, address)
            admitted = gate == "ok" and not await uow.blocks.blocked(key, now)
            # Triage before the flood gate and the block: an urgent message from someone who
            # floods or was blocked still gets the numbers, a case and the staff.
            danger = (
                not admitted and isinstance(event, Text) and safe_triage(event.text[:1000]).urgent
            )
            if admitted:
                outputs = await turn.run(event)
            elif danger:
                assert isinstance(event, Text)
                outputs = await turn.urgent_only(event.text)
            else:
                # Nothing reaches the flow or staff, but the emergency numbers are never
                # withheld (a flood gets them once).
                if gate != "drop":
                    if gate == "notice":
                        turn.say("flood-notice")
                    turn.emergency_list("emergency-intro")
                outputs = turn.out
            if admitted or danger:
                if turn.wiped:
                    await uow.sessions.delete(key)
                else:
                    await uow.sessions.save(key, state.model_dump(mode="json"), now)
            reply = Reply(outputs)
            if on_reply is not None:
                await on_reply(uow, reply)
            await uow.commit()
        return reply

    async def expire_idle(self) -> int:
        """Wipe every session idle for longer than the configured time; channels run this on a
        schedule so an abandoned conversation does not wait for its owner to come back."""
        cutoff = self._clock() - dt.timedelta(minutes=self.config.idle_minutes)
        self.flood.forget_idle(time.monotonic())
        async with self._uow() as uow:
            wiped = await uow.sessions.purge_idle(cutoff)
            await uow.commit()
        return wiped

    def _restore(
        self, loaded: tuple[dict[str, Any], dt.datetime] | None, now: dt.datetime
    ) -> State:
        if loaded is not None:
            data, updated = loaded
            if now - updated < dt.timedelta(minutes=self.config.idle_minutes):
                try:
                    return State.model_validate(data)
                except ValidationError:
                    # An unreadable session (an older shape) starts over, politely.
                    lang = data.get("lang") if isinstance(data, dict) else None
                    return State(lang=lang if lang in ("vi", "en") else
                                 self.config.default_language, restarted=True)
        return State(lang=self.config.default_language)

    def t(self, lang: str, key: str, **args: object) -> str:
        return self.catalogue.text(lang, key, **args)
