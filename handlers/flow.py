"""The conversation engine: one inbound event in, what to say out, state saved in between.

Order of work for every event (safety.md, "The conversation"):
1. quick exit, from anywhere, before anything else;
2. crisis triage of any free text: danger gets the emergency numbers first, then the urgent path;
3. commands and keywords that are always available (help, privacy, language, start over);
4. the current step.
State lives in the store and is committed, with any case and its alert, before the reply leaves.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from handlers import screening
from handlers.catalogue import MAX_TEXT, Catalogue
from handlers.events import (
    Choice,
    Command,
    DeleteHistory,
    Inbound,
    Location,
    Media,
    Message,
    Option,
    PhoneLink,
    Reply,
    Text,
    ToStaff,
    Venue,
)
from handlers.flood import FloodGate
from handlers.ports import CaseDraft, UnitOfWork
from handlers.triage import triage
from knowledge.geo import valid_coordinates
from knowledge.models import Audience, Need, ServiceKind
from knowledge.search import Hit, Scope, SearchResult, ServiceSearch
from knowledge.text import fold

MAX_INPUT = 1000  # characters of a message the core reads; the rest is dropped with a notice
EXIT_WORDS = {"x", "thoat", "thoat nhanh", "exit", "quit", "quick exit"}
KEYWORDS = {
    "help": "help", "tro giup": "help", "huong dan": "help",
    "privacy": "privacy", "quyen rieng tu": "privacy", "bao mat": "privacy",
    "english": "lang:en", "tieng anh": "lang:en", "tieng viet": "lang:vi", "vietnamese": "lang:vi",
    "start": "start", "start over": "start", "restart": "start", "bat dau": "start",
    "bat dau lai": "start", "menu": "start",
}
PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{7,16}[0-9]$")


class State(BaseModel):
    """Everything the conversation remembers; stored encrypted, wiped on exit or idle."""

    step: str = "start"
    lang: str = "vi"
    offered: list[str] = Field(default_factory=list)
    misunderstood: int = 0
    need: str | None = None
    audience: str | None = None
    relay: bool = False
    relay_consent: str | None = None
    province: int | None = None
    place_label: str | None = None
    place_tries: int = 0
    candidates: list[dict[str, Any]] = Field(default_factory=list)
    pending_location: tuple[float, float] | None = None
    case_code: str | None = None
    urgent: bool = False
    reasons: list[str] = Field(default_factory=list)
    screen_index: int = 0
    screen_answers: dict[str, str] = Field(default_factory=dict)
    contact: dict[str, str] = Field(default_factory=dict)


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
    ) -> None:
        self._uow = uow
        self.search = search
        self.catalogue = catalogue
        self.config = config or EngineConfig()
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
        if gate != "ok" and isinstance(event, Text) and triage(event.text[:MAX_INPUT]).urgent:
            gate = "ok"  # triage runs before flood control: an emergency is never dropped
        async with self._uow() as uow:
            if event_id is not None and not await uow.processed.first_time(event_id, now):
                return None
            loaded = await uow.sessions.load(key)
            state = self._restore(loaded, now)
            turn = _Turn(self, uow, key, channel, state, now, address)
            if gate == "ok" and not await uow.blocks.blocked(key, now):
                outputs = await turn.run(event)
                if turn.wiped:
                    await uow.sessions.delete(key)
                else:
                    await uow.sessions.save(key, state.model_dump(mode="json"), now)
            else:
                # A flood, or a conversation staff marked abusive: nothing reaches the flow or
                # staff, but the emergency numbers are never withheld (a flood gets them once).
                if gate != "drop":
                    if gate == "notice":
                        turn.say("flood-notice")
                    turn.hotlines("emergency-intro", emergency_only=True)
                outputs = turn.out
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
                except ValueError:
                    pass  # an unreadable session starts over rather than failing the person
        return State(lang=self.config.default_language)

    def t(self, lang: str, key: str, **args: object) -> str:
        return self.catalogue.text(lang, key, **args)


class _Turn:
    """One event's worth of work; kept separate so the engine itself holds no per-person state."""

    def __init__(
        self, engine: Engine, uow: UnitOfWork, key: str, channel: str, state: State,
        now: dt.datetime, address: dict[str, Any] | None = None,
    ) -> None:
        self.address = address
        self.e = engine
        self.uow = uow
        self.key = key
        self.channel = channel
        self.s = state
        self.now = now
        self.out: list[Message | DeleteHistory | ToStaff] = []
        self.wiped = False

    # -- helpers ---------------------------------------------------------------------------
    def t(self, key: str, **args: object) -> str:
        return self.e.t(self.s.lang, key, **args)

    def say(self, key: str, **args: object) -> None:
        self.out.append(Message(self.t(key, **args), urgent=self.s.urgent))

    def ask(self, key: str, options: list[tuple[str, str]], *, ask_location: bool = False,
            exit_option: bool = True, text: str | None = None) -> None:
        """Put a question with its options; the quick exit option is on every step."""
        opts = [Option(oid, self.t(label)) for oid, label in options]
        if exit_option:
            opts.append(Option("exit", self.t("opt-exit")))
        self.s.offered = [o.id for o in opts]
        label = self.t("opt-share-location") if ask_location else ""
        self.out.append(
            Message(text or self.t(key), tuple(opts), ask_location=ask_location,
                    location_label=label, urgent=self.s.urgent)
        )

    def hotlines(self, intro: str, emergency_only: bool = False) -> None:
        lines = self.e.search.hotlines(self.s.province, emergency_only=emergency_only)
        if self.s.audience == Audience.CHILDREN.value:
            lines = sorted(lines, key=lambda h: (h.number != "111", h.order))
        rows = [self.t(intro)]
        for h in lines:
            extras = [self.t("hotline-24-7")] if h.open_24_7 else []
            if h.cost is not None:
                extras.append(h.cost.get(self.s.lang))
            extra = f" ({', '.join(extras)})" if extras else ""
            rows.append(self.t("hotline-line", number=h.number, name=h.name.get(self.s.lang),
                               extra=extra))
        phones = tuple(PhoneLink(h.number, h.name.get(self.s.lang)) for h in lines)
        self.out.append(Message("\n".join(rows), phones=phones, urgent=self.s.urgent))

    def wipe(self) -> None:
        self.wiped = True

    # -- entry -----------------------------------------------------------------------------
    async def run(self, event: Inbound) -> list[Message | DeleteHistory | ToStaff]:
        handoff = await self.uow.cases.active_handoff(self.key)
        if self._is_exit(event):
            self.wipe()
            if handoff is None:
                return [DeleteHistory()]
            await self.uow.cases.end_handoff(handoff, self.now)
            return [DeleteHistory(), ToStaff(handoff, notice="staff-person-left")]
        if handoff is not None and isinstance(event, Text) and event.text.strip():
            await self._to_staff(handoff, event.text[:MAX_INPUT])
            return self.out
        if isinstance(event, Text):
            text = event.text.replace("\x00", "")
            if len(text) > MAX_INPUT:
                text = text[:MAX_INPUT]
                self.say("too-long")
            if not text.strip():
                await self._reprompt("not-understood")
                return self.out
            event = Text(text)
            verdict = triage(text)
            if verdict.urgent:
                await self._urgent(verdict.reasons, text)
                return self.out
        if isinstance(event, Media):
            self.say("media-unsupported")
            await self._prompt()
            return self.out
        if isinstance(event, (Command, Text)):
            handled = await self._always_available(event)
            if handled:
                return self.out
        if isinstance(event, Text):
            option = self._match_option(event.text)
            if option is not None:
                event = Choice(option)
        if isinstance(event, Choice) and event.option not in self.s.offered:
            await self._reprompt("not-understood")  # a forged or stale button changes nothing
            return self.out
        if isinstance(event, Location) and not valid_coordinates(event.lat, event.lon):
            await self._reprompt("not-understood")
            return self.out
        await self._step(event)
        return self.out

    def _is_exit(self, event: Inbound) -> bool:
        if isinstance(event, Command):
            return event.name.lower() in ("x", "exit", "thoat")
        if isinstance(event, Choice):
            return event.option == "exit"
        if isinstance(event, Text):
            return fold(event.text[:40]) in EXIT_WORDS
        return False

    async def _always_available(self, event: Command | Text) -> bool:
        if isinstance(event, Command):
            action = {"start": "start", "help": "help", "privacy": "privacy"}.get(event.name)
            if event.name == "lang":
                arg = fold(event.args)
                target = arg if arg in ("vi", "en") else ("en" if self.s.lang == "vi" else "vi")
                action = f"lang:{target}"
            if action is None:
                await self._reprompt("not-understood")
                return True
        else:
            action = KEYWORDS.get(fold(event.text[:40]))
            if action is None:
                return False
        if action == "start":
            lang = self.s.lang
            self.s.__dict__.update(State(lang=lang).__dict__)
            await self._prompt()
        elif action == "help":
            self.say("help")
            await self._prompt()
        elif action == "privacy":
            self.say("privacy", minutes=self.e.config.idle_minutes)
            await self._prompt()
        else:
            self.s.lang = action.split(":")[1]
            self.say("lang-switched")
            await self._prompt()
        return True

    def _match_option(self, text: str) -> str | None:
        """A typed answer may be a menu number, an option's words, or its id (Zalo OA taps)."""
        folded = fold(text[:200])
        if not folded or not self.s.offered:
            return None
        if folded.isdigit():
            index = int(folded) - 1
            return self.s.offered[index] if 0 <= index < len(self.s.offered) else None
        for option in self.s.offered:
            if folded == fold(option) or folded == fold(self._label(option)):
                return option
        return None

    def _label(self, option: str) -> str:
        """The label an option id was shown with (mirrors the keys used in ``ask``)."""
        for _step, opts in self._menus().items():
            for oid, label in opts:
                if oid == option:
                    return self.t(label)
        if option == "exit":
            return self.t("opt-exit")
        if option.startswith("prov:"):
            province = self.e.search.gazetteer.provinces.get(int(option[5:]))
            return province.short if province else option
        if option.startswith("pick:"):
            index = int(option[5:])
            return self._candidate_label(index) if index < len(self.s.candidates) else option
        return option

    # -- menus -----------------------------------------------------------------------------
    def _menus(self) -> dict[str, list[tuple[str, str]]]:
        other_lang = [("lang", "opt-lang")]
        return {
            "start": [("danger", "opt-danger"), ("support", "opt-support"),
                      ("other", "opt-other"), ("unsafe", "opt-unsafe"), *other_lang],
            "age": [("under18", "opt-under18"), ("adult", "opt-adult"),
                    ("age-skip", "opt-age-skip")],
            "need": [(f"need:{n.value}", f"need-{n.value}") for n in Need],
            "where": [("no-place", "opt-no-place")],
            "danger_where": [("skip", "opt-skip")],
            "danger_consent": [("yes", "opt-yes"), ("no", "opt-no")],
            "next": [("talk", "opt-talk"), ("screen", "opt-screen"),
                     ("another", "opt-another-place"), ("done", "opt-done")],
            "contact_consent": [("yes", "opt-yes"), ("no", "opt-no")],
            "contact_way": [("way:chat", "opt-way-chat"), ("way:call", "opt-way-call")],
            "contact_phone": [("skip", "opt-skip")],
            "contact_time": [(f"time:{t}", f"opt-time-{t}")
                             for t in ("now", "morning", "afternoon", "evening", "any")],
            "contact_code": [("skip", "opt-skip")],
            "screen": [("ans:yes", "opt-ans-yes"), ("ans:no", "opt-ans-no"),
                       ("ans:unsure", "opt-ans-unsure"), ("skip-screen", "opt-skip-screen")],
            "screen_open": [("skip", "opt-skip")],
            "relay_danger": [("relay:yes", "opt-relay-yes"), ("relay:no", "opt-relay-no"),
                             ("relay:unsure", "opt-relay-unsure")],
            "relay_consent": [("consent:yes", "opt-consent-yes"), ("consent:no", "opt-consent-no"),
                              ("consent:unsafe", "opt-consent-unsafe")],
        }

    async def _prompt(self) -> None:
        """(Re)ask the question of the current step."""
        step = self.s.step
        menus = self._menus()
        if step == "start":
            self.ask("greeting", menus["start"])
        elif step == "where":
            self.ask("where-question", menus["where"], ask_location=True)
        elif step == "danger_where":
            self.ask("danger-ask-location", menus["danger_where"], ask_location=True)
        elif step == "where_pick":
            options = [(f"pick:{i}", "") for i in range(len(self.s.candidates))]
            self._ask_dynamic("where-pick", options, [("none", "opt-none-of-these")])
        elif step == "where_province":
            gz = self.e.search.gazetteer
            provinces = sorted(gz.provinces.values(), key=lambda p: fold(p.short))
            self._ask_dynamic("where-provinces", [(f"prov:{p.code}", "") for p in provinces],
                              [("no-place", "opt-no-place")])
        elif step == "screen":
            question = screening.QUESTIONS[self.s.screen_index]
            self.ask(f"screen-q-{question}", menus["screen"])
        else:
            key = {
                "age": "age-question", "need": "need-question", "next": "next-question",
                "danger_consent": "danger-share-consent", "contact_consent": "contact-consent",
                "contact_way": "contact-way", "contact_phone": "contact-phone",
                "contact_time": "contact-time", "contact_code": "contact-code",
                "screen_open": "screen-open", "relay_danger": "relay-danger",
                "relay_consent": "relay-consent",
            }[step]
            self.ask(key, menus[step])

    def _ask_dynamic(self, key: str, options: list[tuple[str, str]],
                     fixed: list[tuple[str, str]]) -> None:
        opts = [Option(oid, self._label(oid)) for oid, _ in options]
        opts += [Option(oid, self.t(label)) for oid, label in fixed]
        opts.append(Option("exit", self.t("opt-exit")))
        self.s.offered = [o.id for o in opts]
        self.out.append(Message(self.t(key), tuple(opts), urgent=self.s.urgent))

    async def _reprompt(self, key: str) -> None:
        """Not understood: say so kindly; the second time, offer a human (never loop or blame)."""
        self.s.misunderstood += 1
        if self.s.misunderstood >= 2 and self.s.step not in ("contact_consent",):
            self.s.misunderstood = 0
            if not await self.uow.oncall.anyone_on_call(self.now):
                self.say("staff-off-duty")
                self.hotlines("hotlines-close")
            self.s.step = "contact_consent"
            self.ask("not-understood-human", self._menus()["contact_consent"])
            return
        self.say(key)
        await self._prompt()

    # -- the urgent path -------------------------------------------------------------------
    async def _urgent(self, reasons: list[Any], text: str | None = None) -> None:
        """Numbers first, then the case and the staff, then (if safe) where the person is."""
        self.s.urgent = True
        self.hotlines("emergency-intro", emergency_only=True)
        new = [r.value if hasattr(r, "value") else str(r) for r in reasons]
        if self.s.audience == Audience.CHILDREN.value and "child_at_risk" not in new:
            new.append("child_at_risk")
        self.s.reasons = sorted(set(self.s.reasons) | set(new))
        if text is not None and self.s.province is None:
            place = self.e.search.resolver.resolve(text)
            if place.province is not None:
                self.s.province = place.province.code
                self.s.place_label = place.province.name
        await self._ensure_case("urgent")
        if self.s.relay:
            self.say("relay-urgent")
        await self._tell_on_duty()
        if self.s.province is None:
            self.s.step = "danger_where"
        else:
            self.s.need = self.s.need or Need.SHELTER.value
            self._results_from_province()
            self.s.step = "next"
        await self._prompt()

    async def _to_staff(self, code: str, text: str) -> None:
        """During a handoff the person's words go to their staff member, after the crisis
        check: danger still gets the emergency numbers first and makes the case urgent."""
        verdict = triage(text)
        if verdict.urgent:
            self.s.urgent = True
            self.hotlines("emergency-intro", emergency_only=True)
            self.s.reasons = sorted(set(self.s.reasons) | {r.value for r in verdict.reasons})
            await self.uow.cases.raise_urgent(code, self.s.reasons, self.now)
        self.out.append(ToStaff(code, text))

    async def _ensure_case(self, tier: str, details: dict[str, Any] | None = None) -> None:
        if self.s.case_code is None:
            volunteer = self.s.relay and await self.uow.volunteers.is_volunteer(self.key)
            draft = CaseDraft(
                tier=tier, channel=self.channel, conversation=self.key, province=self.s.province,
                needs=[self.s.need] if self.s.need else [], reasons=list(self.s.reasons),
                relayed=self.s.relay, consent=self.s.relay_consent == "yes" or not self.s.relay,
                details=details or {}, address=self.address, volunteer=volunteer,
            )
            self.s.case_code = await self.uow.cases.open(draft, self.now)
        else:
            if tier == "urgent":
                await self.uow.cases.raise_urgent(self.s.case_code, self.s.reasons, self.now)
            await self.uow.cases.update(
                self.s.case_code, self.now, province=self.s.province, details=details,
                needs=[self.s.need] if self.s.need else None,
            )

    async def _tell_on_duty(self) -> None:
        if await self.uow.oncall.anyone_on_call(self.now):
            self.say("staff-on-duty")
        else:
            self.say("staff-off-duty")

    # -- steps -----------------------------------------------------------------------------
    async def _step(self, event: Inbound) -> None:
        handler = getattr(self, f"_on_{self.s.step}", None)
        if handler is None:
            self.s.step = "start"
            await self._prompt()
            return
        self.s.misunderstood = 0 if isinstance(event, Choice) else self.s.misunderstood
        await handler(event)

    async def _on_start(self, event: Inbound) -> None:
        option = event.option if isinstance(event, Choice) else None
        if option == "danger":
            await self._urgent(["violence_now"])
        elif option == "support":
            self.s.step = "age"
            await self._prompt()
        elif option == "other":
            self.s.relay = True
            self.s.step = "relay_danger"
            await self._prompt()
        elif option == "unsafe":
            self.say("unsafe-bye")
            self.hotlines("emergency-intro", emergency_only=True)
            self.wipe()
        elif option == "lang":
            self.s.lang = "en" if self.s.lang == "vi" else "vi"
            self.say("lang-switched")
            await self._prompt()
        elif isinstance(event, Command) or (isinstance(event, Text) and self.s.offered == []):
            await self._prompt()
        else:
            await self._reprompt("not-understood")

    async def _on_age(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        if event.option == "under18":
            self.s.audience = Audience.CHILDREN.value
            self.say("child-note")
            self.hotlines("emergency-intro", emergency_only=True)
        self.s.step = "need"
        await self._prompt()

    async def _on_need(self, event: Inbound) -> None:
        if not isinstance(event, Choice) or not event.option.startswith("need:"):
            await self._reprompt("not-understood")
            return
        self.s.need = event.option[5:]
        if self.s.need == Need.CHILD.value and self.s.relay is False:
            self.hotlines("emergency-intro", emergency_only=True)
        if self.s.relay and self.s.relay_consent is None:
            self.s.step = "relay_consent"
        else:
            self.s.step = "where" if self.s.province is None else "next"
            if self.s.step == "next":
                self._results_from_province()
        await self._prompt()

    async def _on_where(self, event: Inbound) -> None:
        await self._place_answer(event, urgent=False)

    async def _on_danger_where(self, event: Inbound) -> None:
        await self._place_answer(event, urgent=True)

    async def _place_answer(self, event: Inbound, urgent: bool) -> None:
        if isinstance(event, Location):
            located = self.e.search.gazetteer.locate(event.lat, event.lon)
            if located is None:
                self.say("where-outside")
                self.hotlines("hotlines-close")
                self.s.step = "next"
                await self._prompt()
                return
            commune, _ = located
            self.s.province = commune.province
            self.s.place_label = self.e.search.gazetteer.provinces[commune.province].short
            if urgent:
                self.s.pending_location = (event.lat, event.lon)
                self.s.step = "danger_consent"
                await self._prompt()
                return
            self._results(self.e.search.nearest(
                event.lat, event.lon, self._need(), self._audience(), self.e.config.result_limit))
            await self._after_place()
            return
        if isinstance(event, Choice) and event.option in ("no-place", "skip"):
            self.s.province = None
            self._results_from_province()
            await self._after_place()
            return
        if isinstance(event, Text):
            place = self.e.search.resolver.resolve(event.text)
            if place.province is not None:
                self.s.province = place.province.code
                region = place.province.name
                if place.legacy_province:
                    region = f"{place.legacy_province} → {place.province.name}"
                local = place.commune or place.district
                self.s.place_label = f"{local}, {region}" if local else region
                self._results(self.e.search.near_place(
                    place, self._need(), self._audience(), self.e.config.result_limit))
                await self._after_place()
                return
            if place.ambiguous:
                self.s.candidates = [c.model_dump() for c in place.ambiguous]
                self.s.step = "where_pick"
                await self._prompt()
                return
        self.s.place_tries += 1
        if self.s.place_tries >= 2:
            self.s.step = "where_province"
            await self._prompt()
        else:
            self.say("where-retry")
            await self._prompt()

    async def _on_danger_consent(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        lat, lon = self.s.pending_location or (None, None)
        self.s.pending_location = None
        if event.option == "yes" and lat is not None:
            await self._ensure_case("urgent", {"location": {"lat": lat, "lon": lon}})
            self.say("location-shared")
        else:
            await self._ensure_case("urgent")
            self.say("location-kept-private")
        self.s.need = self.s.need or Need.SHELTER.value
        if lat is not None and lon is not None:
            self._results(self.e.search.nearest(lat, lon, self._need(), self._audience(),
                                                self.e.config.result_limit))
        else:
            self._results_from_province()
        self.s.step = "next"
        await self._prompt()

    async def _on_where_pick(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._place_answer(event, urgent=False)
            return
        if event.option == "none":
            self.s.step = "where_province"
            await self._prompt()
            return
        chosen = self.s.candidates[int(event.option[5:])]
        self.s.province = chosen["province"]["code"]
        self.s.place_label = self._candidate_label(int(event.option[5:]))
        self.s.candidates = []
        self._results_from_province()
        await self._after_place()

    async def _on_where_province(self, event: Inbound) -> None:
        if isinstance(event, Choice) and event.option.startswith("prov:"):
            self.s.province = int(event.option[5:])
            self.s.place_label = self._label(event.option)
            self._results_from_province()
            await self._after_place()
            return
        if isinstance(event, Choice) and event.option == "no-place":
            await self._place_answer(event, urgent=False)
            return
        if isinstance(event, (Text, Location)):
            await self._place_answer(event, urgent=False)
        else:
            await self._reprompt("not-understood")

    async def _after_place(self) -> None:
        if self.s.case_code is not None:
            await self._ensure_case("urgent" if self.s.urgent else "routine")
        self.s.place_tries = 0
        self.s.step = "next"
        await self._prompt()

    async def _on_next(self, event: Inbound) -> None:
        option = event.option if isinstance(event, Choice) else None
        if option == "talk":
            self.s.step = "contact_consent"
        elif option == "screen":
            self.say("screen-intro")
            self.s.screen_index = 0
            self.s.step = "screen"
        elif option == "another":
            self.s.province = None
            self.s.place_label = None
            self.s.step = "need" if self.s.need is None else "where"
        elif option == "done":
            self.say("goodbye")
            self.wipe()
            return
        else:
            await self._reprompt("not-understood")
            return
        await self._prompt()

    async def _on_contact_consent(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        if event.option == "yes":
            self.s.step = "contact_way"
        else:
            self.say("contact-declined")
            self.s.step = "next"
        await self._prompt()

    async def _on_contact_way(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        self.s.contact["way"] = event.option[4:]
        self.s.step = "contact_phone" if event.option == "way:call" else "contact_time"
        await self._prompt()

    async def _on_contact_phone(self, event: Inbound) -> None:
        if isinstance(event, Choice) and event.option == "skip":
            self.s.contact["way"] = "chat"
        elif isinstance(event, Text) and PHONE.match(event.text.strip()):
            self.s.contact["phone"] = event.text.strip()
        else:
            self.say("contact-phone-retry")
            await self._prompt()
            return
        self.s.step = "contact_time"
        await self._prompt()

    async def _on_contact_time(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        self.s.contact["time"] = event.option[5:]
        self.s.step = "contact_code"
        await self._prompt()

    async def _on_contact_code(self, event: Inbound) -> None:
        if isinstance(event, Text):
            self.s.contact["code_word"] = event.text.strip()[:100]
        elif not (isinstance(event, Choice) and event.option == "skip"):
            await self._reprompt("not-understood")
            return
        await self._ensure_case("urgent" if self.s.urgent else "routine",
                                {"contact": dict(self.s.contact)})
        self.s.contact = {}
        self.say("contact-done", code=self.s.case_code)
        await self._tell_on_duty()
        self.s.step = "next"
        await self._prompt()

    async def _on_screen(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        if event.option == "skip-screen":
            await self._finish_screen()
            return
        question = screening.QUESTIONS[self.s.screen_index]
        self.s.screen_answers[question] = event.option[4:]
        self.s.screen_index += 1
        if self.s.screen_index >= len(screening.QUESTIONS):
            self.s.step = "screen_open"
        await self._prompt()

    async def _on_screen_open(self, event: Inbound) -> None:
        details: dict[str, Any] = {}
        if isinstance(event, Text):
            details["worries"] = event.text.strip()[:MAX_INPUT]
        elif not (isinstance(event, Choice) and event.option == "skip"):
            await self._reprompt("not-understood")
            return
        await self._finish_screen(details)

    async def _finish_screen(self, details: dict[str, Any] | None = None) -> None:
        outcome = screening.decide(self.s.screen_answers)
        self.say("screen-thanks")
        payload = dict(details or {})
        if self.s.screen_answers:
            payload["screen"] = dict(self.s.screen_answers)
        if outcome.medical_check:
            self.say("screen-medical")
        if outcome.urgent:
            self.say("screen-urgent")
            self.s.urgent = True
            self.s.reasons = sorted(set(self.s.reasons) | {"screen_high_danger"})
            await self._ensure_case("urgent", payload)
            await self._tell_on_duty()
        elif payload.get("worries") or self.s.case_code is not None:
            await self._ensure_case("urgent" if self.s.urgent else "routine", payload)
        self.s.screen_answers = {}
        self.s.screen_index = 0
        self.s.step = "next"
        await self._prompt()

    async def _on_relay_danger(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        if event.option == "relay:yes":
            await self._urgent(["violence_now"])
            return
        self.s.step = "need"
        await self._prompt()

    async def _on_relay_consent(self, event: Inbound) -> None:
        if not isinstance(event, Choice):
            await self._reprompt("not-understood")
            return
        self.s.relay_consent = event.option[8:]
        if self.s.relay_consent != "yes":
            self.say("relay-no-consent")
        self.s.step = "where" if self.s.province is None else "next"
        if self.s.step == "next":
            self._results_from_province()
        await self._prompt()

    # -- results ---------------------------------------------------------------------------
    def _need(self) -> Need | None:
        return Need(self.s.need) if self.s.need else None

    def _audience(self) -> Audience | None:
        return Audience(self.s.audience) if self.s.audience else None

    def _results_from_province(self) -> None:
        self._results(self.e.search.near_province(self.s.province, self._need(),
                                                  self._audience(), self.e.config.result_limit))

    def _results(self, result: SearchResult) -> None:
        if result.outside_vietnam:
            self.say("where-outside")
        elif self.s.place_label:
            self.say("results-intro", place=self.s.place_label)
        else:
            self.say("results-intro-national")
        if not any(h.scope in (Scope.NEAR, Scope.PROVINCE) for h in result.hits):
            self.say("results-none-near")
        trusted = False
        for hit in result.hits:
            self.out.append(self._card(hit))
            trusted = trusted or hit.service.kind is ServiceKind.TRUSTED_ADDRESS
        if trusted:
            self.say("trusted-address-notice")
        if self.s.audience == Audience.CHILDREN.value or self.s.need == Need.CHILD.value:
            self.say("child-note")
        self.hotlines("hotlines-close")

    def _card(self, hit: Hit) -> Message:
        s = hit.service
        lang = self.s.lang
        head = s.name.get(lang)
        if hit.distance_km is not None:
            head += f" · {self.t('card-distance', km=_km(hit.distance_km))}"
        elif hit.scope is Scope.PROVINCE:
            head += f" · {self.t('card-province')}"
        elif hit.scope is Scope.NATIONAL:
            head += f" · {self.t('card-national')}"
        lines = [head]
        if s.offers:
            lines.append(self.t("card-offers", offers=", ".join(
                self.t(f"offer-{o.value}") for o in s.offers)))
        if s.phones:
            lines.append(self.t("card-phone", phones=", ".join(s.phones)))
        else:
            lines.append(self.t("card-no-phone"))
        venue = None
        if not s.disclose_address:
            lines.append(self.t("card-confidential"))
        elif s.address:
            lines.append(self.t("card-address", address=s.address))
            if s.location is not None:
                venue = Venue(s.name.get(lang), s.address, s.location.lat, s.location.lon)
        if s.open_24_7:
            lines.append(self.t("card-24-7"))
        elif s.hours:
            lines.append(self.t("card-hours", hours=s.hours))
        if s.note is not None:
            lines.append(s.note.get(lang))
        if not s.verified:
            lines.append(self.t("card-unverified"))
        phones = tuple(PhoneLink(p, s.name.get(lang)) for p in s.phones)
        return Message("\n".join(lines)[:MAX_TEXT], phones=phones, venue=venue,
                       urgent=self.s.urgent)

    def _candidate_label(self, index: int) -> str:
        c = self.s.candidates[index]
        parts = [c.get("commune"), c.get("district"), c["province"]["name"]]
        return ", ".join(p for p in parts if p)


def _km(distance: float) -> str:
    return f"{distance:.0f}" if distance >= 10 else f"{distance:.1f}"
