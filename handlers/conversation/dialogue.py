"""The dialogue policy: act on what a message says, keep what is known, ask only what is missing.

Each event becomes a ``Reading`` (text) or a location; the turn merges its facts into the state
(danger, place, need, age band, who is writing, language, country abroad), answers what can be
answered at once (help nearby as soon as a place is known), answers questions from the catalogue
and then asks the one thing still missing. Options are matched by meaning (``matching``); two
misses anywhere lead to a human or to the 24/7 numbers and a way forward, never a loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from handlers import screening
from handlers.catalogue import MAX_TEXT
from handlers.conversation import matching
from handlers.conversation.options import Answer, Consent, Kind, OptionId, Way, opt
from handlers.conversation.render import (
    MEDICAL_ADVICE,
    Renderer,
    first_numbers,
    phone_lines,
    reachable,
    short_lines,
)
from handlers.conversation.state import Candidate, PlaceKind, State, Step
from handlers.conversation.steps import STEPS
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
    Text,
    ToStaff,
)
from handlers.ports import CaseDraft, UnitOfWork
from handlers.triage import Level, TriageResult, triage
from handlers.understanding import AgeBand, Intent, Question, Reading, Who, read
from handlers.understanding.contact import time_said_back
from knowledge.abroad import VIETNAM
from knowledge.geo import valid_coordinates
from knowledge.models import Audience, Hotline, Need, Offer
from knowledge.places import Resolution
from knowledge.search import Hit, Info, Scope, SearchResult
from knowledge.text import fold

if TYPE_CHECKING:
    from handlers.conversation.engine import Engine

log = logging.getLogger(__name__)

MAX_INPUT = 1000  # characters of a message the core reads; the rest is dropped with a notice
EXIT_WORDS = {"x", "thoat", "thoat nhanh", "exit", "quit", "quick exit"}
KEYWORDS: dict[str, Intent] = {
    "help": Intent.HELP, "tro giup": Intent.HELP, "huong dan": Intent.HELP,
    "privacy": Intent.PRIVACY, "quyen rieng tu": Intent.PRIVACY, "bao mat": Intent.PRIVACY,
    "english": Intent.LANG_EN, "tieng anh": Intent.LANG_EN, "tieng viet": Intent.LANG_VI,
    "vietnamese": Intent.LANG_VI, "start": Intent.RESTART, "start over": Intent.RESTART,
    "restart": Intent.RESTART, "bat dau": Intent.RESTART, "bat dau lai": Intent.RESTART,
    "menu": Intent.RESTART,
}
THANKS_WORDS = {"cam on", "cam on nhieu", "cam on ban", "cam on b", "thanks", "thank you",
                "thank", "tks", "thanks a lot", "cam on nhe", "camon"}
PHONE = re.compile(r"(?<!\d)(\+?\d[\d .\-]{7,16}\d)(?!\d)")
# "sáng mai" folds to "sang mai": "ma" is a code word cue only as a word of its own, then "là"/":".
CODE_WORD = re.compile(
    r"(?:\b(?:mat khau|code word|password|tu khoa)\s*(?:la|:|is)?|\bma\s*(?:la|:))\s*(.+)$")
TIME_CUE = re.compile(r"\d|\b(sang|chieu|trua|toi|dem|gio|luc|sau|truoc|bay gio|ngay|morning|"
                      r"afternoon|evening|night|now|after|before|am|pm)\b")
# A typed time that says more than a time-of-day button: an hour or a day.
EXACT_TIME = re.compile(r"\d|\b(mai|nay|thu|chu nhat|tomorrow|today)\b")
# Family-law words: a question about them has no sourced answer here (law_notes.md covers
# the DV law only): said honestly, with where free legal aid is.
FAMILY_LAW = re.compile(r"\b(ly hon|nuoi con|quyen nuoi|gianh con|chia tai san|cap duong|phat bao"
                        r"|phat tien|bi phat|divorce|custody|alimony|child support|fine|fined)\b")
MORE_WORDS = {"them", "xem them", "them nua", "more", "show more", "see more", "xem them di",
              "cho xem them", "chi tiet", "details"}
PLACE_CUE = re.compile(r"\b(o|tai|song o|dang o|que|gan|in|at|near|from|live)\b")
CONTACT_STEPS = (Step.CONTACT_WAY, Step.CONTACT_PHONE, Step.CONTACT_TIME, Step.CONTACT_CODE)
TEXT_STEPS = (*CONTACT_STEPS, Step.SCREEN_OPEN)  # free text there is the answer, not facts
AUDIENCE_ORDER = (Audience.CHILDREN, Audience.DISABILITIES, Audience.ELDERLY, Audience.MEN,
                  Audience.TRAFFICKING_RETURNEES, Audience.WOMEN)
OFFER_STAFF = frozenset({Question.SOMEONE_COME, Question.CALL_FOR_ME})
# Questions whose answer is Vietnam's law: abroad, an honest "cannot answer" instead.
ABROAD_LAW = frozenset({Question.LAW, Question.WHERE_REPORT})
DANGER_PAGES = 2  # extra pages for danger written again on an urgent case
FIRST_LINES = 25  # phone lines of a first routine answer with places (issue 16, item 2a)
URGENT_LINES = 16  # the places shown in danger, after the six-line first answer
FIRST_CARDS = 3  # places in the first answer; the rest is one "more" away
URGENT_CARDS = 2  # cards in an urgent reply, in one message (urgent replies stay ~3 messages)

Out = Message | DeleteHistory | ToStaff


class Turn:
    """One event's worth of work; the engine itself holds no per-person state."""

    def __init__(
        self, engine: Engine, uow: UnitOfWork, key: str, channel: str, state: State,
        now: dt.datetime, address: dict[str, Any] | None = None,
    ) -> None:
        self.e = engine
        self.uow = uow
        self.key = key
        self.channel = channel
        self.s = state
        self.now = now
        self.address = address
        self.out: list[Out] = []
        self.wiped = False
        self._on_duty: bool | None = None
        self.progress = False  # help shown or an option picked: asking again is no repeat

    # -- saying things ---------------------------------------------------------------------
    def t(self, key: str, **args: object) -> str:
        return self.e.t(self.s.lang, key, **args)

    def say(self, key: str, **args: object) -> None:
        self.out.append(Message(self.t(key, **args), urgent=self.s.urgent))

    @property
    def render(self) -> Renderer:
        return Renderer(self.t, self.s.lang, self.s.urgent)

    def child(self) -> bool:
        """A child writes, or a child is at risk: 111 first. An adult who only says she has
        children gets the number that fits her danger first (children still rank the cards)."""
        s = self.s
        return (s.age_band == AgeBand.CHILD.value or s.need == Need.CHILD.value
                or "child_at_risk" in s.reasons)

    def emergency_list(self, intro: str) -> None:
        if self.s.abroad is not None and not self.s.abroad_relayed:
            # Vietnam's 113/115 cannot be called from abroad: that country's lines instead
            self.say("abroad-numbers-again", numbers=", ".join(self._danger_numbers(all_=True)))
            return
        lines = self.e.search.hotlines(self.s.province, emergency_only=True)
        self.out.append(self.render.hotlines(intro, lines, self.child()))

    def hotlines(self, intro: str) -> None:
        need = Need(self.s.need) if self.s.need else None
        lines = self.e.search.hotlines(self.s.province, need=need)
        self.out.append(self.render.hotlines(intro, lines, self.child()))

    def labels(self) -> dict[str, str]:
        return {o: self._label(o) for o in self.s.offered}

    def _label(self, wire: str) -> str:
        option = OptionId.parse(wire)
        if option is None:
            return wire
        if option.kind is Kind.PROVINCE:
            province = self.e.search.gazetteer.provinces.get(option.number)
            return province.short if province else wire
        if option.kind is Kind.PICK:
            index = option.number
            return self.s.candidates[index].label if index < len(self.s.candidates) else wire
        if option.kind is Kind.EXIT:
            return self.t("opt-exit")
        if option.kind is Kind.MORE:
            return self.t("opt-more")
        for spec in STEPS.values():
            for choice in spec.options:
                if choice.id == option:
                    return self.t(choice.label)
        return wire

    async def on_duty(self) -> bool:
        if self._on_duty is None:
            self._on_duty = await self.uow.oncall.anyone_on_call(self.now)
        return self._on_duty

    async def prompt(self, key: str | None = None) -> None:
        """Ask the current step's question, with its options and the quick exit last."""
        step = self.s.step
        # NEXT is the menu people come back to after each answer: asking it again is no loop
        # (two misses there already lead to a person or the 24/7 numbers).
        if step is self.s.last_asked and not self.progress and step not in (
                Step.START, Step.SCREEN, Step.OPEN, Step.NEXT):
            self.s.repeats += 1
        else:
            self.s.last_asked, self.s.repeats = step, 1
        if self.s.repeats >= 3:  # never the same question a third time in a row
            self.s.repeats = 0
            self._open_miss()
            self.go(Step.OPEN)
            self.s.last_asked = Step.OPEN
            self.s.offered = [Kind.EXIT.value]
            return
        spec = STEPS[step]
        choices: list[tuple[OptionId, str]] = []
        text_key = key or spec.prompt
        if step is Step.WHERE_PICK:
            choices = [(opt(Kind.PICK, i), c.label) for i, c in enumerate(self.s.candidates)]
        elif step is Step.WHERE_PROVINCE:
            gz = self.e.search.gazetteer
            for p in sorted(gz.provinces.values(), key=lambda p: fold(p.short)):
                choices.append((opt(Kind.PROVINCE, p.code), p.short))
        elif step is Step.SCREEN:
            text_key = key or f"screen-q-{screening.QUESTIONS[self.s.screen_index]}"
        choices += [(c.id, self.t(c.label)) for c in spec.options]
        if step is Step.NEXT and self.s.more is not None and self.s.more == self.s.shown:
            # after a short answer "more" comes first; in danger, a person first
            more = (opt(Kind.MORE), self.t("opt-more"))
            choices.insert(len(choices) if self.s.urgent else 0, more)
        if step is Step.START and self.s.lang == "en":
            choices = [(i, self.t("opt-lang-vi") if i.kind is Kind.LANG else label)
                       for i, label in choices]
        options = [Option(i.wire, label) for i, label in choices]
        options.append(Option(Kind.EXIT.value, self.t("opt-exit")))
        self.s.offered = [o.id for o in options]
        self.s.asked[step.value] = self.s.asked.get(step.value, 0) + 1
        label = self.t("opt-share-location") if spec.ask_location else ""
        self.out.append(Message(self.t(text_key), tuple(options), ask_location=spec.ask_location,
                                location_label=label, urgent=self.s.urgent))

    def go(self, step: Step) -> None:
        self.s.step = step

    def wipe(self) -> None:
        self.wiped = True

    # -- entry -----------------------------------------------------------------------------
    async def run(self, event: Inbound) -> list[Out]:
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
        if self.s.restarted:
            self.s.restarted = False
            self.say("session-restarted")
            if not isinstance(event, Text):
                await self.prompt()
                return self.out
        if isinstance(event, Text):
            await self._on_text(event.text)
        elif isinstance(event, Location):
            await self._on_location(event)
        elif isinstance(event, Media):
            await self._on_media(event)
        elif isinstance(event, Command):
            await self._on_command(event)
        else:
            option = OptionId.parse(event.option)
            if option is None or event.option not in self.s.offered:
                await self.miss()  # a forged or stale button changes nothing
            else:
                self.s.misses = 0
                await self.on_option(option, None)
        return self.out

    async def urgent_only(self, text: str) -> list[Out]:
        """A flooding or blocked person wrote something urgent: numbers, case, staff."""
        reading = self._read(text[:MAX_INPUT])
        self._merge(reading)
        await self.urgent([r.value for r in reading.triage.reasons], ask=False)
        return self.out

    def _is_exit(self, event: Inbound) -> bool:
        if isinstance(event, Command):
            return event.name.lower() in ("x", "exit", "thoat")
        if isinstance(event, Choice):
            return event.option == Kind.EXIT.value
        if isinstance(event, Text):
            folded = fold(event.text[:40]).strip(" .!")
            if folded in EXIT_WORDS:
                return True
            if folded.isdigit() and len(folded) <= 2 and self.s.offered:
                index = int(folded) - 1
                return 0 <= index < len(self.s.offered) and (
                    self.s.offered[index] == Kind.EXIT.value)
        return False

    async def _on_command(self, event: Command) -> None:
        intent = {"start": Intent.RESTART, "help": Intent.HELP,
                  "privacy": Intent.PRIVACY}.get(event.name)
        if event.name == "lang":
            arg = fold(event.args)
            target = arg if arg in ("vi", "en") else ("en" if self.s.lang == "vi" else "vi")
            intent = Intent.LANG_EN if target == "en" else Intent.LANG_VI
        if intent is None:
            await self.miss()
            return
        await self._always(intent)

    async def _always(self, intent: Intent) -> None:
        """Help, privacy, language and start over: available at every step."""
        if intent is Intent.RESTART:
            self.s.__dict__.update(State(lang=self.s.lang, lang_chosen=True).__dict__)
        elif intent is Intent.HELP:
            self.say("help")
        elif intent is Intent.PRIVACY:
            self.say("privacy", minutes=self.e.config.idle_minutes)
        else:
            self.s.lang = "en" if intent is Intent.LANG_EN else "vi"
            self.s.lang_chosen = True
            self.say("lang-switched")
        await self.prompt()

    async def _on_media(self, event: Media) -> None:
        if event.kind == "protected":
            # A Zalo Bot protected user (a child, a disabled person, someone who cannot read):
            # Zalo hides the content. Numbers first, and a routine case once per conversation.
            lines = {h.number: h for h in self.e.search.hotlines(self.s.province)}
            phones = tuple(PhoneLink(n, lines[n].name.get(self.s.lang))
                           for n in ("111", "113") if n in lines)
            self.out.append(Message(self.t("protected-user"), phones=phones, urgent=True))
            if not self.s.hidden_case:
                self.s.hidden_case = True
                self.s.reasons = sorted(set(self.s.reasons) | {"hidden_by_zalo"})
                await self.ensure_case("urgent" if self.s.urgent else "routine")
            return
        self.say("media-unsupported")
        await self.prompt()

    # -- text --------------------------------------------------------------------------------
    async def _on_text(self, raw: str) -> None:
        text = raw.replace("\x00", "")
        if len(text) > MAX_INPUT:
            text = text[:MAX_INPUT]
            self.say("too-long")
        if not text.strip():
            await self.miss()
            return
        reading = self._read(text)
        first = self.s.step is Step.START and not self.s.lang_chosen
        if reading.lang in ("vi", "en") and first and not reading.option_number:
            self.s.lang = reading.lang
            self.s.lang_chosen = True
        asked = next((i for i in (Intent.LANG_EN, Intent.LANG_VI) if i in reading.intents), None)
        if asked is not None and len(fold(text)) > 20:
            # "sorry my Vietnamese is bad, can we speak English? I'm ... in Da Nang": switch now,
            # and the rest of the message is still read
            target = "en" if asked is Intent.LANG_EN else "vi"
            if self.s.lang != target:
                self.s.lang = target
                self.say("lang-switched")
            self.s.lang_chosen = True
        keyword = KEYWORDS.get(fold(text[:40]).strip(" .!?"))
        # "giúp em", "I need help" are pleas, not the command list: that needs the word alone
        command = keyword or next((i for i in (Intent.PRIVACY, Intent.RESTART,
                                               Intent.LANG_EN, Intent.LANG_VI)
                                   if i in reading.intents and len(fold(text)) <= 20), None)
        if Intent.NOT_SAFE_TO_TALK in reading.intents:
            # "ck e vừa về, e phải tắt": end quietly now. When the same message is the first
            # sign of danger, the case is opened and staff alerted first, but the person sees
            # only the short goodbye with the numbers (the urgent path's question would keep a
            # conversation open on a phone someone else is about to pick up).
            if reading.urgent and not self.s.urgent:
                self._merge(reading)
                shown = len(self.out)
                await self.urgent([r.value for r in reading.triage.reasons])
                del self.out[shown:]
            await self._quiet_end()
            return
        if Intent.TEXT_ONLY in reading.intents:
            # deaf, or "he would hear me": the chat goes on; nobody is told to call, staff text
            self.s.text_only = True
            if self.s.contact.way is None:
                self.s.contact.way = Way.CHAT.value
        merged: bool | None = None
        if reading.urgent:
            reasons = [r.value for r in reading.triage.reasons]
            again = self.s.urgent and self.s.case_code is not None
            known = again and set(reasons) <= set(self.s.reasons)
            merged = self._merge(reading)
            if Intent.WANTS_HUMAN in reading.intents:
                self.s.callback_asked = True  # the urgent case is the request; details may follow
                self._take_contact_facts(reading)  # and those typed with it are kept now
            if not known:
                await self.urgent(reasons, again=again, reading=reading)
                return
            # Danger said again, nothing new in kind ("nó lại đánh em", "she's coming back
            # tonight"): the fitting numbers in one line and staff paged again, then the rest of
            # the message is read like any other (a place, a question, an answer): the six-line
            # block again would bury what the person just asked.
            await self._danger_again(reasons)
        if command is not None:
            await self._always(command)
            return
        if (reading.phone and self.s.step not in TEXT_STEPS
                and (self.s.callback_asked or _mostly_phone(reading))
                and self._take_contact_facts(reading)):
            # "so e la 0 9 8 8..." at another question: after asking for a call-back, or a
            # number typed on its own while another question waits, which asks for one
            self.s.misses = 0
            self.s.last_asked = None
            if not self.s.callback_asked:
                await self.request_staff()
                return
            await self._save_contact()
            await self._contact_next()
            return
        if (self.s.step in TEXT_STEPS and not reading.questions and merged is None
                and not self._facts_not_answer(reading) and await self._text_answer(reading)):
            self.s.misses = 0
            return
        if (self.s.more is not None and self.s.more == self.s.shown
                and fold(text[:40]).strip(" .!?") in MORE_WORDS):
            # "thêm" at any question, while a short answer has more to show
            self.s.misses = 0
            await self.show_more()
            await self.prompt()
            return
        changed = self._merge(reading) if merged is None else merged
        self._home_info(reading)
        answered = await self._answer_questions(reading)
        if Intent.TEXT_ONLY in reading.intents:
            self.say("text-only-ok")
            answered = True
        if (self.s.step is Step.RELAY_DANGER and self.s.relay_consent is None
                and matching.consents(reading)):
            # "em ấy đồng ý" asked whether she is in danger: the consent is kept, not a miss
            self.s.relay_consent = Consent.YES.value
            self.say("relay-consent-noted")
            answered = True
        if Intent.SAFE in reading.intents and self.s.urgent and not self.s.safe_said:
            # "giờ em an toàn rồi", "I'm at my mum's, safe": believed, said back, no "call now"
            self.s.safe_said = True
            self.say("safe-now-ok")
            answered = True
        if changed and self._facts_not_answer(reading):
            # "e ở Biên Hòa" typed at the call-back questions: a place, not a code word or a
            # time. Help there now, the case gets the province, and the form goes on.
            self.s.misses = 0
            if self.s.abroad is not None:
                self.show_abroad()
                await self._update_case()
            else:
                await self.show_results()
            await self._contact_next()
            return
        if Intent.WANTS_HUMAN in reading.intents:
            self.s.misses = 0
            # "cho e gặp nhân viên, gọi số 0903...": the number (a time, a code word) in the
            # same message is kept, not asked again
            self._take_contact_facts(reading)
            await self.request_staff()
            return
        offered = self.s.offered
        if self.s.step is Step.START and not offered and reading.option_number is None:
            # A first message read against the greeting's options ("k an toan de nhan tin").
            offered = [c.id.wire for c in STEPS[Step.START].options]
        option = matching.match(reading, offered, self.labels())
        if option is not None and option.kind is not Kind.EXIT and not (
                changed and option.kind is Kind.SUPPORT):
            self.s.misses = 0
            await self.on_option(option, reading)
            return
        if changed:
            self.s.misses = 0
            await self.advance()
            return
        if answered:
            if self._offers_staff(reading):
                self.go(Step.CONTACT_CONSENT)
            await self.prompt()
            return
        if Intent.SKIP in reading.intents:
            # "bỏ qua" at a question with nothing to skip ("what next?"): understood, not a miss
            self.s.misses = 0
            self.say("skip-ok", numbers=", ".join(self._danger_numbers()))
            await self.prompt()
            return
        if self.s.step in (Step.WHERE, Step.WHERE_PICK, Step.WHERE_PROVINCE, Step.DANGER_WHERE,
                           Step.OPEN) and await self._ambiguous_place(text):
            return
        if (reading.place_candidates and not reading.abroad_candidates
                and await self._ambiguous_place(text, reading)):
            # "Tân Phú" typed at the welcome or any other question: a place all the same (the
            # reader found one); which one is asked, it is never "not understood"
            return
        if Intent.THANKS in reading.intents or fold(text[:40]).strip(" .!") in THANKS_WORDS:
            self.say("thanks-reply")
            await self.prompt()
            return
        if self.s.step is Step.START and (not self.s.offered or Intent.YES in reading.intents):
            # a first "hi", or "ok" after a question was answered: the greeting, not a miss
            await self.prompt()
            return
        if merged is not None:
            await self.prompt()  # the danger was the message: answered above, no "not understood"
            return
        await self.miss()

    def _home_info(self, reading: Reading) -> None:
        """Back in Vietnam after trafficking, or papers lost: 111 and where papers are redone
        are said at once, before the place is asked (the place only adds local cards)."""
        s = self.s
        if s.abroad is not None or s.province is not None or s.home_info_said:
            return
        if Need.TRAFFICKING in reading.needs:
            self.say(Info.TRAFFICKING.value)
        if reading.papers:
            self.say("info-papers-home")
        s.home_info_said = Need.TRAFFICKING in reading.needs or reading.papers

    def _read(self, text: str) -> Reading:
        """Read a message; a reader failure never costs the person an answer (it is logged by
        type only, and the message is handled as one not understood)."""
        try:
            return read(text, self.e.search.resolver)
        except Exception as error:  # any reader bug: never the person's problem
            log.error("reader failed: %s", type(error).__name__)
            return Reading(text=text, triage=safe_triage(text))

    def _merge(self, r: Reading) -> bool:
        """Fold a reading's facts into the state; True when something new was learnt."""
        s = self.s
        changed = False
        if r.who is not Who.SELF and s.who == Who.SELF.value:
            s.who = r.who.value
            changed = True
        # A place in Vietnam named with a country is where the person is now ("em về từ Trung
        # Quốc, giờ em ở Lào Cai"); a country alone means abroad. Someone writing about another
        # person ("cháu tôi bị bán sang Quảng Tây, tôi ở Thanh Hóa") names two places: the country
        # is the other person's, the Vietnamese place the writer's; both are kept.
        foreign = r.abroad if r.abroad is not None and r.abroad.country != VIETNAM else None
        if foreign is None and r.place is None and s.abroad is not None:
            # "đang ở gần Côn Minh": a name that is also Vietnamese, in the country already known
            foreign = next((c for c in r.abroad_candidates if c.country == s.abroad), None)
        relayed = foreign is not None and (r.who is not Who.SELF or s.relay)
        if r.place is not None and r.place.province is not None:
            keep = (s.abroad, s.abroad_city) if s.abroad_relayed else None
            changed = self._set_place(r.place) or changed
            if keep is not None and not relayed:
                s.abroad, s.abroad_city = keep  # the writer's own place; the other is still away
        if foreign is not None and (relayed or r.place is None) and (
                (foreign.country, foreign.city or s.abroad_city) != (s.abroad, s.abroad_city)
                or relayed != s.abroad_relayed):
            if foreign.country != s.abroad or foreign.city:
                s.abroad_city = foreign.city
            s.abroad = foreign.country
            s.abroad_relayed = relayed
            changed = True
        if r.needs and s.need != r.needs[0].value:
            s.need = r.needs[0].value
            changed = True
        band = r.age_band
        if band is AgeBand.CHILD and not r.child_writer:
            band = None  # "có 2 con nhỏ 3 tuổi": the children are in ``audiences``
        elif band is None and r.age is not None:
            band = AgeBand.CHILD if r.age < 18 else (AgeBand.ELDERLY if r.age >= 60
                                                     else AgeBand.ADULT)
        if band is not None and s.age_band != band.value:
            s.age_band = band.value
            if band is AgeBand.CHILD:
                s.audience = Audience.CHILDREN.value
                if not r.urgent:
                    self.say("child-note")  # 111, free, any time: as soon as we know
            elif band is AgeBand.ELDERLY and s.audience is None:
                s.audience = Audience.ELDERLY.value
            changed = True
        for audience in AUDIENCE_ORDER:
            if audience in r.audiences and s.audience not in (
                    audience.value, Audience.CHILDREN.value):
                s.audience = audience.value
                changed = True
                break
        if Question.BED_TONIGHT in r.questions and s.need is None:
            s.need = Need.SHELTER.value
            changed = True
        if Question.HELP_FOR_MEN in r.questions and s.audience is None:
            s.audience = Audience.MEN.value
        return changed

    def _set_place(self, place: Resolution) -> bool:
        assert place.province is not None
        s = self.s
        region = place.province.name
        if place.legacy_province:
            region = f"{place.legacy_province} → {place.province.name}"
        local = place.commune or place.district
        label = f"{local}, {region}" if local else region
        if label == s.place_label and s.abroad is None:
            return False
        s.abroad = None
        s.abroad_city = None
        s.abroad_relayed = False
        s.province = place.province.code
        s.place_label = label
        s.place_declined = False
        s.lat, s.lon = place.lat, place.lon
        s.place_kind = (PlaceKind.COMMUNE if place.commune and place.lat is not None
                        else PlaceKind.PROVINCE)
        return True

    async def _ambiguous_place(self, text: str, reading: Reading | None = None) -> bool:
        """At a place question (or wherever the reader found a shared name), a name shared by
        several places gets a short choice."""
        ambiguous = list(reading.place_candidates) if reading is not None else []
        if not ambiguous:
            ambiguous = self.e.search.resolver.resolve(text).ambiguous
        if not ambiguous:
            return False
        self.s.candidates = [
            Candidate(province=c.province.code,
                      label=", ".join(p for p in (c.commune, c.district, c.province.name) if p))
            for c in ambiguous[:8]
        ]
        self.go(Step.WHERE_PICK)
        await self.prompt()
        return True

    async def _answer_questions(self, reading: Reading) -> bool:
        said_abroad = False
        for question in reading.questions:
            if self.s.abroad is not None and question in ABROAD_LAW:
                # Vietnam's commune and Law 13/2022 are no answer for someone in Taiwan asking
                # about divorce or being sent home: say honestly we cannot answer, and who can.
                if not said_abroad:
                    said_abroad = True
                    self.say("q-law-abroad", country=self._country_name())
                continue
            if question is Question.WHAT_TO_DO:
                if self.s.relay:  # a teacher, a neighbour, a friend: what they can do now
                    self.say("q-what_to_do-child" if self.child() else "q-what_to_do-relay")
                continue  # the person's own "what do I do?" is what follows: places, a person
            if question is Question.LANGUAGE and self.s.abroad is not None:
                self.say("q-language-abroad", numbers=", ".join(self._vietnamese_lines()))
                continue
            if question is Question.EMBASSY and self.s.abroad is not None:
                self.say("q-embassy-abroad", numbers=", ".join(self._mission_lines()))
                continue
            if question is Question.LAW and FAMILY_LAW.search(fold(reading.text)):
                self.say("q-law-family")  # no sourced answer: say so, and where legal aid is
                self.say(Info.LEGAL.value)
                continue
            self.say(f"q-{question.value}", minutes=self.e.config.idle_minutes)
        return bool(reading.questions)

    def _mission_lines(self) -> list[str]:
        """Abroad: the Vietnamese embassy or consulate lines, then the MOFA line."""
        help_ = self.e.abroad.help_for(self.s.abroad, self.s.abroad_city) if self.s.abroad else None
        lines = help_.lines if help_ else ()
        found = [x.number for x in lines if x.kind in ("embassy", "consulate")]
        found += [x.number for x in lines if x.kind == "citizen_protection"]
        return list(dict.fromkeys(found))[:4]

    def _country_name(self) -> str:
        assert self.s.abroad is not None
        name_vi, name_en = self.e.abroad.country_name(self.s.abroad)
        return name_vi if self.s.lang == "vi" else name_en

    def _vietnamese_lines(self) -> list[str]:
        """Abroad, the lines whose source says they speak Vietnamese, then the Vietnamese
        mission and the MOFA citizen-protection line (Vietnamese by nature)."""
        help_ = self.e.abroad.help_for(self.s.abroad) if self.s.abroad else None
        lines = help_.lines if help_ else ()
        mission = ("embassy", "consulate", "citizen_protection")
        chosen = [x.number for x in lines if x.in_vietnamese and x.kind not in mission]
        chosen += [x.number for x in lines if x.kind in mission]
        return list(dict.fromkeys(chosen))[:4]

    def _offers_staff(self, reading: Reading) -> bool:
        """After "can someone come?" or "call 113 for me", the next question is whether staff
        may contact the person (so a "yes" is understood, not a miss)."""
        return bool(OFFER_STAFF.intersection(reading.questions)) and self.s.case_code is None

    async def _quiet_end(self) -> None:
        """Not safe to talk: a short line with the numbers, and the conversation is wiped."""
        if self.s.abroad is not None and not self.s.abroad_relayed:
            # abroad, Vietnam's numbers cannot be called: the country's lines, in one line (a
            # relative writing from Vietnam about someone abroad gets Vietnam's numbers)
            self.say("unsafe-bye-abroad", numbers=", ".join(self._danger_numbers()))
        else:
            self.say("unsafe-bye")
            self.emergency_list("emergency-intro")
        self.wipe()

    # -- options -----------------------------------------------------------------------------
    async def on_option(self, option: OptionId, reading: Reading | None) -> None:
        self.progress = True
        handler = HANDLERS[self.s.step]
        await handler(self, option, reading)

    # -- misses: never a loop ----------------------------------------------------------------
    async def miss(self) -> None:
        """Not understood: say so kindly; after two misses, a human or the 24/7 numbers and a
        way forward. No question is put a third time in a row."""
        self.s.misses += 1
        step = self.s.step
        if self.s.misses < 2:
            if self.s.urgent:  # in danger, a miss brings the fitting numbers back, kindly
                key = "urgent-miss-text" if self.s.text_only else "urgent-miss"
                self.say(key, numbers=", ".join(self._miss_numbers()))
            elif step in (Step.WHERE, Step.DANGER_WHERE):
                self.say("where-retry")
            elif step is Step.CONTACT_PHONE:
                self.say("contact-phone-retry")
            elif step is Step.OPEN:
                self._open_miss()
                return
            else:
                self.say("not-understood")
            await self.prompt()
            return
        self.s.misses = 0
        if step in CONTACT_STEPS:
            await self._contact_next(skip=step)
            return
        if step in (Step.WHERE, Step.DANGER_WHERE):
            # Two misses at the place question ("ck dang tim e", "😭"): help that needs no place
            # now, and the place can be typed at any time; a 34-line province list would bury
            # the person (it stays one tap away from a list of candidates).
            self.s.place_declined = True
            if self.s.urgent:
                self.s.need = self.s.need or Need.SHELTER.value
            self.say("where-later")
            await self.advance()
            return
        if step is Step.WHERE_PICK:
            self.go(Step.WHERE_PROVINCE)
            await self.prompt()
            return
        if step in (Step.CONTACT_CONSENT, Step.OPEN, Step.WHERE_PROVINCE):
            self._open_miss()
            self.go(Step.OPEN)
            self.s.offered = [Kind.EXIT.value]
            return
        if await self.on_duty():
            self.go(Step.CONTACT_CONSENT)
            await self.prompt("not-understood-human")
        else:
            self.emergency_list("hotlines-24-7")
            self.go(Step.CONTACT_CONSENT)
            await self.prompt("not-understood-off-duty")

    def _open_miss(self) -> None:
        """Not understood with no question pending: what can be typed, and the 24/7 numbers
        (that country's lines when the person is abroad, never Vietnam's 113 alone)."""
        if self.s.abroad is not None and not self.s.abroad_relayed:
            self.say("open-miss-abroad")
        else:
            self.say("open-miss")
        self.emergency_list("hotlines-24-7")

    # -- what to say next --------------------------------------------------------------------
    async def advance(self) -> None:
        """Show what can be shown now, then ask the one thing still missing."""
        s = self.s
        if s.relay and s.relay_danger is None and not s.urgent:
            if s.abroad is not None and s.shown != self._shown_key():
                self.show_abroad()  # what can be answered now, before asking
            elif (s.province is not None or s.lat is not None) and s.shown != self._shown_key():
                await self.show_results()
            self.go(Step.RELAY_DANGER)
            await self.prompt()
            return
        if s.abroad is not None:
            if s.shown != self._shown_key():
                self.show_abroad()
                await self._update_case()
            self.go(Step.NEXT)
            await self.prompt()
            return
        if s.need is None and not s.need_asked and s.province is None and not s.place_declined:
            self.go(Step.NEED)
            s.need_asked = True
            await self.prompt()
            return
        if (s.who == Who.RELAY.value or s.who == Who.PROFESSIONAL.value) and (
                s.relay_consent is None and not s.urgent):
            self.go(Step.RELAY_CONSENT)
            await self.prompt()
            return
        if s.province is None and s.lat is None and not s.place_declined:
            if s.need == Need.SHELTER.value and not s.shelter_line_said:
                # a bed is needed: the line that opens the shelters now, the place only refines
                line = self._shelter_line()
                if line is not None:
                    s.shelter_line_said = True
                    self.say("shelter-line-first", **self.render.hotline_args(line))
            self.go(Step.WHERE)
            await self.prompt()
            return
        if s.urgent and s.need is None:
            s.need = Need.SHELTER.value  # in danger: a safe place first, nothing more to ask
        if s.shown != self._shown_key():
            await self.show_results(compact=s.urgent)
        if s.need is None and not s.need_asked:
            s.need_asked = True
            self.go(Step.NEED)
            await self.prompt("need-refine")
            return
        self.go(Step.NEXT)
        await self.prompt()

    def _shown_key(self) -> str:
        s = self.s
        return (f"{s.abroad}|{s.abroad_city}|{s.province}|{s.lat}|{s.need}|{s.audience}"
                f"|{s.place_declined}")

    def _danger_numbers(self, all_: bool = False) -> list[str]:
        """The numbers to repeat in danger: the country's emergency lines when abroad (with
        ``all_``, every sourced line of that country: the embassy and MOFA lines too)."""
        if self.s.abroad is not None and self.s.abroad_relayed:
            # the writer is in Vietnam: 111 for the family, the Ministry's line for the person
            help_ = self.e.abroad.help_for(self.s.abroad)
            home = [line.number for line in (help_.from_vietnam if help_ else ())]
            protection = [line.number for line in (help_.lines if help_ else ())
                          if line.kind == "citizen_protection"]
            return [*home[:1], *protection[:1]]
        if self.s.abroad is not None:
            help_ = self.e.abroad.help_for(self.s.abroad)
            every = [line.number for line in (help_.lines if help_ else ())]
            if all_:
                return every[:4]
            lines = [line.number for line in (help_.lines if help_ else ())
                     if line.kind in ("emergency", "police", "ambulance")]
            return lines[:2] or every[:2]
        return first_numbers(self.s.reasons, self.child())

    def _miss_numbers(self) -> list[str]:
        """The danger numbers, and for a bed tonight the national shelter line."""
        numbers = self._danger_numbers()
        if self.s.abroad is None and self.s.need == Need.SHELTER.value:
            line = self._shelter_line()
            if line is not None and line.number not in numbers:
                numbers.append(line.number)
        return numbers

    def _shelter_line(self) -> Hotline | None:
        """The national line for women facing violence: the way into the Peace House shelters."""
        return next((h for h in self.e.search.hotlines(self.s.province, emergency_only=True)
                     if Audience.WOMEN in h.audiences), None)

    def show_abroad(self, full: bool = False) -> None:
        s = self.s
        assert s.abroad is not None
        self.progress = True
        help_ = self.e.abroad.help_for(s.abroad, near=s.abroad_city)
        trafficking = s.need == Need.TRAFFICKING.value or (
            "confinement_trafficking" in s.reasons)
        s.shown = self._shown_key()
        if s.abroad_relayed:
            self.out.append(self.render.relay_abroad(help_, s.abroad, trafficking))
        elif full or help_ is None:
            self.out.append(self.render.abroad(help_, s.abroad, trafficking))
        else:
            # the first answer abroad stays short (issue 16, 7b): the rest on "more"
            self.out.append(self.render.abroad(help_, s.abroad, trafficking, short=True))
            more = len(short_lines(help_)) < len(help_.lines)
            s.more = s.shown if more else None

    async def _search(self) -> SearchResult:
        s = self.s
        need = Need(s.need) if s.need else None
        audience = Audience(s.audience) if s.audience else None
        limit = self.e.config.result_limit
        result = await self._search_for(need, audience, limit)
        if not result.sourced and not result.info and need is not None:
            result = await self._search_for(None, audience, limit)  # any help near, not none
        return result

    async def _search_for(self, need: Need | None, audience: Audience | None,
                          limit: int) -> SearchResult:
        s = self.s
        on_duty = await self.on_duty()
        exact = s.place_kind in (PlaceKind.POINT, PlaceKind.COMMUNE)
        if s.lat is not None and s.lon is not None and exact:
            result = self.e.search.nearest(s.lat, s.lon, need, audience, limit,
                                           staff_on_duty=on_duty)
            if not result.outside_vietnam:
                return result
        return self.e.search.near_province(s.province, need, audience, limit,
                                           staff_on_duty=on_duty)

    async def show_results(self, compact: bool = False) -> None:
        """What can help, short enough for a phone: the best few places for this person (two in
        danger, three otherwise) in two or three lines each, one line for the commune's own
        People's Committee and police, the one or two numbers that fit, and "more" for the
        rest (full cards with addresses and hours, information, every number). Distances are
        honest and only places reachable now are shown."""
        s = self.s
        self.progress = True  # help was shown: asking the open question again is no loop
        result = await self._search()
        on_duty = await self.on_duty()
        hits = [h for h in result.hits if reachable(h, on_duty)]
        sourced = [h for h in hits if h.scope is not Scope.COMMUNE]
        fitting = [h for h in sourced if self._serves(h)]
        first = fitting[:URGENT_CARDS if compact else FIRST_CARDS]
        s.shown = self._shown_key()
        render = self.render
        none_near = not any(h.service.province == s.province and s.province
                             for h in result.sourced)
        if s.place_label and none_near:
            rows = [self.t("results-intro-none-near", place=s.place_label)]
        elif s.place_label:
            rows = [self.t("results-intro", place=s.place_label)]
        else:
            rows = [self.t("results-intro-national")]
        card_numbers = {p for h in first for p in h.service.phones}
        card_numbers |= {h.service.referral for h in first if h.service.referral}
        lines = self._fitting_lines(first, card_numbers, compact)
        call = [render.call_line(lines)] if lines else []
        phones = [PhoneLink(h.number, h.name.get(s.lang)) for h in lines]
        if self.child() and any(h.number == "111" for h in lines):
            rows.extend(call)  # under 18: 111 first among the numbers (safety.md, 7)
            call = []
        tail: list[str] = []
        if any(h.scope is Scope.COMMUNE for h in hits):
            tail.append(self.t("results-commune-line"))
        province_name = self._province_name()
        infos = [self.t(key, province=province_name) for key in result.info]
        tail.extend(call)
        budget = URGENT_LINES if compact else FIRST_LINES
        shown = 0
        for hit in first:
            text, links = render.short_card(hit, s.province, s.place_kind, self._elsewhere(hit))
            used = phone_lines("\n".join([*rows, text, *tail, self.t("results-more-hint")]))
            if shown and used > budget:
                break  # what a phone shows at once: the rest is one "more" away
            rows.append(text)
            phones.extend(links)
            shown += 1
        if not shown:
            if s.place_label:  # no "nearest:" with nothing after it
                rows[0] = self.t("results-intro", place=s.place_label)
            rows.insert(1, self.t("results-none-near"))
        if shown < 2:  # nothing (or one place) near: the information is the answer
            tail[:0] = infos
            infos = []
        rows.extend(tail)
        more = len(hits) > shown or bool(infos) or not compact
        if more:
            rows.append(self.t("results-more-hint"))
        s.more = s.shown if more else None
        police = next((h for h in self.e.search.hotlines(s.province, emergency_only=True)
                       if h.number == "113"), None)
        if police is not None and all(p.number != "113" for p in phones):
            phones.append(PhoneLink("113", police.name.get(s.lang)))  # the hint names it
        # one map pin: the first place shown whose address is public
        venue = next((v for v in (render.venue(h) for h in first[:shown]) if v), None)
        self.out.append(Message("\n".join(rows)[:MAX_TEXT], phones=tuple(phones), venue=venue,
                                urgent=s.urgent))
        await self._update_case()

    async def show_more(self) -> None:
        """Everything the short answer left out: each place in full (address, hours, notes,
        the age of the source), information cards, and every national number."""
        s = self.s
        s.more = None
        if s.abroad is not None:
            self.show_abroad(full=True)
            s.more = None
            return
        result = await self._search()
        on_duty = await self.on_duty()
        hits = [h for h in result.hits if reachable(h, on_duty)]
        hits.sort(key=lambda h: not self._serves(h))
        self.out.extend(self.render.card(h, s.province, s.place_kind, self._elsewhere(h))
                        for h in hits)
        province_name = self._province_name()
        self.out.extend(Message(self.t(key, province=province_name), urgent=s.urgent)
                        for key in result.info)
        if any(h.service.kind.value == "trusted_address" for h in hits):
            self.say("trusted-address-notice")
        self.hotlines("hotlines-close")

    def _province_name(self) -> str:
        provinces = self.e.search.gazetteer.provinces
        return provinces[self.s.province].short if self.s.province in provinces else ""

    def _elsewhere(self, hit: Hit) -> str | None:
        provinces = self.e.search.gazetteer.provinces
        code = hit.service.province
        return provinces[code].short if code in provinces else None

    def _serves(self, hit: Hit) -> bool:
        """A place fits the person: one only for children (child protection, orphans) is no
        first card for an adult or an old person; one only for women is none for a man."""
        service = hit.service
        if hit.scope is Scope.COMMUNE:
            return True
        children_only = {Audience.CHILDREN, Audience.ORPHANS}
        if not self.child():
            if service.offers and set(service.offers) <= {Offer.CHILD_PROTECTION}:
                return False
            if service.audiences and set(service.audiences) <= children_only:
                return False
        women_only = bool(service.audiences) and Audience.MEN not in service.audiences and (
            Audience.WOMEN in service.audiences)
        return not (self.s.audience == Audience.MEN.value and women_only)

    def _fitting_lines(self, hits: list[Hit], shown: set[str], compact: bool) -> list[Hotline]:
        """The one or two phone lines that fit the person and the need, not already on a card:
        111 first for a child or trafficking; the national line for women facing violence (the
        way into the Peace House shelters); for a man, a line not only for women."""
        s = self.s
        if compact:
            line = self._dv_line(hits, shown)
            chosen_ = [line] if line is not None else []
            if self.child():  # a child in danger: 111 with the places, first
                child_line = next((h for h in self.e.search.hotlines(s.province)
                                   if h.number == "111" and h.number not in shown), None)
                chosen_ = [child_line, *chosen_] if child_line is not None else chosen_
            return chosen_
        need = Need(s.need) if s.need else None
        audience = Audience(s.audience) if s.audience else None
        first_111 = self.child() or need is Need.TRAFFICKING
        chosen: list[Hotline] = []
        for h in self.e.search.hotlines(s.province, need=need):
            if h.number in ("113", "114", "115"):
                continue
            if h.number == "111":
                if first_111:
                    chosen.insert(0, h)
                elif audience is Audience.CHILDREN:
                    chosen.append(h)  # her children: 111 too, after the line for her
                continue
            if not h.audiences and audience in (None, Audience.WOMEN):
                continue  # a general line only where no line is for this person
            if h.audiences:
                women_line = Audience.WOMEN in h.audiences and audience is not Audience.MEN
                if not (women_line or (audience is not None and audience in h.audiences)):
                    continue
            chosen.append(h)
        # the fitting lines, less those a card already shows (no stand-in for them)
        two = first_111 or audience is Audience.CHILDREN
        return [h for h in chosen[:2 if two else 1] if h.number not in shown]

    def _dv_line(self, hits: list[Hit], shown: set[str]) -> Hotline | None:
        """A bed tonight or a relay, and no shelter of their own province among the cards: the
        national line for women facing violence (the way into the Peace House shelters)."""
        s = self.s
        if s.need != Need.SHELTER.value and s.who == Who.SELF.value:
            return None
        if s.audience == Audience.MEN.value:
            return None  # the line is for women and children
        if any(h.scope in (Scope.NEAR, Scope.PROVINCE) and h.service.phones
               and Offer.EMERGENCY_SHELTER in h.service.offers for h in hits):
            return None
        return next((h for h in self.e.search.hotlines(s.province, emergency_only=True)
                     if Audience.WOMEN in h.audiences and h.number not in shown), None)

    # -- danger ------------------------------------------------------------------------------
    def _page_again(self, again: bool) -> int:
        """Danger written again on a case already urgent pages staff again, at most
        ``DANGER_PAGES`` times per conversation (a new threat must reach a person; a page per
        message would not)."""
        if not again or self.s.danger_pages >= DANGER_PAGES:
            return 0
        self.s.danger_pages += 1
        return self.s.danger_pages

    async def _danger_again(self, reasons: list[str]) -> None:
        s = self.s
        numbers = first_numbers(reasons, self.child()) if s.abroad is None else (
            self._danger_numbers())
        page = self._page_again(True)
        await self.ensure_case("urgent", again=page)
        text = self.t("urgent-again-text" if s.text_only else "urgent-again",
                      numbers=", ".join(numbers))
        if page:  # staff were paged again: say truthfully whether someone is on duty
            text += "\n" + self.t(
                "staff-on-duty-short" if await self.on_duty() else "staff-off-duty-short")
        self.out.append(Message(text, urgent=True))

    async def urgent(self, reasons: list[str], ask: bool = True, again: bool = False,
                     reading: Reading | None = None) -> None:
        """The short first answer: fitting numbers, one sentence, then what the person asked
        (answered before the question, not after it), then one question."""
        safe = reading is not None and Intent.SAFE in reading.intents
        s = self.s
        s.urgent = True
        if self.child() and "child_at_risk" not in reasons:
            reasons = [*reasons, "child_at_risk"]
        s.reasons = sorted(set(s.reasons) | set(reasons))
        await self.ensure_case("urgent", again=self._page_again(again))
        staff = self.t("staff-on-duty-short" if await self.on_duty() else "staff-off-duty-short")
        advice = next((MEDICAL_ADVICE[r] for r in ("strangulation", "sexual_violence",
                                                   "self_harm") if r in s.reasons), None)
        if advice is not None and not s.medical_said:
            s.medical_said = True
            sentence = self.t(advice)
        elif s.abroad is not None and s.abroad_relayed:
            sentence = self.t("relay-abroad-sentence")
        elif s.abroad is not None:
            sentence = self.t("abroad-danger-sentence")
        elif s.relay:
            sentence = self.t("relay-urgent")
        elif s.text_only:
            sentence = self.t("danger-sentence-text")
        elif safe:
            sentence = self.t("danger-sentence-safe-now")
        else:
            sentence = self.t("danger-sentence")
        if s.abroad is not None:
            self.show_abroad()
            self.out.append(Message(f"{sentence}\n{staff}", urgent=True))
        else:
            lines = self.e.search.hotlines(s.province, emergency_only=True)
            # the numbers that fit what this message says (a threat after an injury: 113)
            numbers = first_numbers(reasons or s.reasons, self.child())
            # someone who cannot call (deaf, or he would hear) is not told to call
            intro = "emergency-intro-text" if s.text_only else "emergency-intro"
            self.out.append(self.render.danger_first(lines, numbers, f"{sentence}\n{staff}",
                                                     intro))
        if reading is not None:
            await self._answer_questions(reading)
        if not ask:
            return
        if s.abroad is None and s.province is None and s.lat is None:
            self.go(Step.DANGER_WHERE)
        else:
            if s.abroad is None and s.shown != self._shown_key():
                s.need = s.need or Need.SHELTER.value
                await self.show_results(compact=True)
            self.go(Step.NEXT)
        await self.prompt()

    async def _to_staff(self, code: str, text: str) -> None:
        """During a handoff the person's words go to their staff member, after the crisis
        check: danger still gets the emergency numbers first and makes the case urgent."""
        verdict = safe_triage(text)
        if verdict.urgent:
            self.s.urgent = True
            self.emergency_list("emergency-intro")
            self.s.reasons = sorted(set(self.s.reasons) | {r.value for r in verdict.reasons})
            await self.uow.cases.raise_urgent(code, self.s.reasons, self.now)
        self.out.append(ToStaff(code, text))

    # -- cases -------------------------------------------------------------------------------
    def _may_open(self) -> bool:
        """A relayed story opens a case only with the person's consent, or in danger."""
        s = self.s
        return not s.relay or s.urgent or s.relay_consent == Consent.YES.value

    async def ensure_case(self, tier: str, details: dict[str, Any] | None = None,
                          force: bool = False, again: int = 0) -> None:
        s = self.s
        if s.case_code is None:
            if not (force or self._may_open()):
                return
            volunteer = s.relay and await self.uow.volunteers.is_volunteer(self.key)
            draft = CaseDraft(
                tier=tier, channel=self.channel, conversation=self.key, province=s.province,
                needs=[s.need] if s.need else [], reasons=list(s.reasons), relayed=s.relay,
                consent=s.relay_consent == Consent.YES.value or not s.relay,
                details=details or {}, address=self.address, volunteer=volunteer,
                abroad=s.abroad,
            )
            s.case_code = await self.uow.cases.open(draft, self.now)
            return
        if tier == "urgent":
            await self.uow.cases.raise_urgent(s.case_code, s.reasons, self.now, again=again)
        await self._update_case(details)

    async def _update_case(self, details: dict[str, Any] | None = None) -> None:
        """A new place or need updates the open case (its alert is not sent twice)."""
        s = self.s
        if s.case_code is None:
            return
        await self.uow.cases.update(s.case_code, self.now, province=s.province, details=details,
                                    needs=[s.need] if s.need else None, abroad=s.abroad)

    async def request_staff(self) -> None:
        """The person asked for a human: the case and the alert exist now, whatever follows."""
        self.s.callback_asked = True
        await self.ensure_case("urgent" if self.s.urgent else "routine", force=True)
        self.say("staff-on-duty" if await self.on_duty() else "staff-off-duty-message")
        await self._contact_next()

    # -- location ----------------------------------------------------------------------------
    async def _on_location(self, event: Location) -> None:
        if not valid_coordinates(event.lat, event.lon):
            await self.miss()
            return
        s = self.s
        self.s.misses = 0
        self.progress = True
        country = self.e.abroad.country_at(event.lat, event.lon)
        if country is not None and country != VIETNAM:
            s.abroad = country
            s.abroad_city = None
            s.province = None
            s.place_label = None
            s.lat = s.lon = None
            s.shown = None  # a location shared abroad: that country's help again, at once
            if s.urgent:
                await self.ensure_case("urgent")
            await self.advance()
            return
        located = self.e.search.gazetteer.locate(event.lat, event.lon)
        if located is None:
            self.say("where-outside")
            self.hotlines("hotlines-close")
            self.go(Step.NEXT)
            await self.prompt()
            return
        commune, _ = located
        if not s.abroad_relayed:  # a relative's own location: the other person is still away
            s.abroad = None
        s.province = commune.province
        s.place_label = self.e.search.gazetteer.provinces[commune.province].short
        s.lat, s.lon = event.lat, event.lon
        s.place_kind = PlaceKind.POINT
        s.place_declined = False
        if s.step in CONTACT_STEPS:
            # shared while the call-back details are asked: help near her, the case gets the
            # province, and the detail still missing is asked again
            await self.show_results()
            await self._contact_next()
            return
        if s.urgent and s.case_code is not None and s.step is Step.DANGER_WHERE:
            s.pending_location = (event.lat, event.lon)
            s.need = s.need or Need.SHELTER.value
            await self.show_results(compact=True)
            self.go(Step.DANGER_CONSENT)
            await self.prompt()
            return
        await self.advance()

    # -- contact -----------------------------------------------------------------------------
    async def _contact_next(self, skip: Step | None = None) -> None:
        """Ask the next missing contact detail; each one is saved in the case as it comes."""
        c = self.s.contact
        if skip is Step.CONTACT_WAY and c.way is None:
            c.way = Way.CHAT.value
        if skip is Step.CONTACT_PHONE and c.phone is None:
            c.way = Way.CHAT.value
        if skip is Step.CONTACT_TIME and c.time is None:
            c.time = "any"
        if c.way is None:
            self.go(Step.CONTACT_WAY)
        elif c.way == Way.CALL.value and c.phone is None:
            self.go(Step.CONTACT_PHONE)
        elif c.time is None:
            self.go(Step.CONTACT_TIME)
        elif c.code_word is None and skip is not Step.CONTACT_CODE:
            self.go(Step.CONTACT_CODE)
        else:
            await self._contact_done()
            return
        await self.prompt()

    async def _save_contact(self) -> None:
        contact = self.s.contact.model_dump(exclude_none=True)
        if contact:
            await self.ensure_case("urgent" if self.s.urgent else "routine",
                                   {"contact": contact}, force=True)

    async def _contact_done(self) -> None:
        await self._save_contact()
        self.say("contact-done", code=self.s.case_code or "")
        self.s.contact.code_word = self.s.contact.code_word or ""
        self.go(Step.NEXT)
        await self.prompt()

    def _facts_not_answer(self, reading: Reading) -> bool:
        """At a call-back question, a message that names a place (or a country) is where the
        person is, not the answer; at the code-word question only with a cue ("e ở Biên Hòa"),
        since a bare word there may well be the code word."""
        if self.s.step not in CONTACT_STEPS or reading.code_word is not None:
            return False
        place = reading.place is not None and reading.place.province is not None
        if not (place or reading.abroad is not None):
            return False
        if self.s.step is Step.CONTACT_CODE:
            return PLACE_CUE.search(fold(reading.text)) is not None
        return True

    def _take_contact_facts(self, reading: Reading) -> bool:
        """A phone number, a time or a code word typed anywhere in the contact steps."""
        c = self.s.contact
        took = False
        phone = reading.phone or _phone(reading.text)
        if phone and c.phone is None:
            c.phone = phone
            c.way = Way.CALL.value
            took = True
        if reading.time_words and c.time is None:
            c.time = reading.time_words[:100]
            took = True
            # the time said back in words, so a mishearing is caught now
            self.say("contact-time-kept", time=time_said_back(c.time))
        code = CODE_WORD.search(fold(reading.text[:200]))
        if c.code_word is None and reading.code_word:
            # "cứ hỏi là chị Lan bán hàng", "mã là hoa hồng": the reader cut it out as typed
            c.code_word = reading.code_word[:100]
            took = True
            if self.s.step is not Step.CONTACT_CODE:
                self.say("contact-code-kept", code=c.code_word)
        elif code and c.code_word is None and self.s.step is not Step.CONTACT_CODE:
            start = len(reading.text[:200]) - len(code.group(1))
            c.code_word = reading.text[:200][start:].strip()[:100] or None
            took = took or c.code_word is not None
        if took and c.way is None:
            # a time or a code word for the caller, before the way was chosen: a call is meant
            c.way = Way.CALL.value
        return took

    async def _text_answer(self, reading: Reading) -> bool:
        """Free text at a step that takes text as the answer (contact details, worries)."""
        step = self.s.step
        offered = matching.match(reading, self.s.offered, self.labels())
        if step is Step.CONTACT_TIME and reading.time_words and offered is not None and (
                offered.kind is not Kind.EXIT) and EXACT_TIME.search(fold(reading.time_words)):
            offered = None  # "sáng mai tầm 10h" is more than the "morning" button: keep the words
        if offered is not None and offered.kind is not Kind.EXIT:
            await self.on_option(offered, reading)
            return True
        if step is Step.SCREEN_OPEN:
            await self._finish_screen({"worries": reading.text.strip()[:MAX_INPUT]})
            return True
        took = self._take_contact_facts(reading)
        if step is Step.CONTACT_TIME and self.s.contact.time is None and not took:
            if TIME_CUE.search(fold(reading.text)) or self.s.contact.note is not None:
                self.s.contact.time = reading.text.strip()[:100]
                self.say("contact-time-kept", time=time_said_back(self.s.contact.time))
            else:  # words for staff ("say you are from the insurance"): kept, time asked again
                self.s.contact.note = reading.text.strip()[:200]
                self.say("contact-note-kept")
            took = True
        if step is Step.CONTACT_CODE and self.s.contact.code_word is None:
            # "ko cần mã", "không": no code word, not the code word "ko cần mã"
            declined = Intent.NO in reading.intents or Intent.SKIP in reading.intents
            self.s.contact.code_word = "" if declined else reading.text.strip()[:100]
            took = True
        if not took:
            return False
        # something was learnt: the next question, even the same one, is no repeat
        self.s.last_asked = None
        await self._save_contact()
        await self._contact_next()
        return True

    # -- screen ------------------------------------------------------------------------------
    async def _finish_screen(self, details: dict[str, Any] | None = None) -> None:
        s = self.s
        outcome = screening.decide(s.screen_answers)
        self.say("screen-thanks")
        payload = dict(details or {})
        if s.screen_answers:
            payload["screen"] = dict(s.screen_answers)
        if outcome.medical_check and not s.medical_said:
            self.say("screen-medical")
        if outcome.urgent:
            self.say("screen-urgent")
            s.urgent = True
            s.reasons = sorted(set(s.reasons) | {"screen_high_danger"})
            await self.ensure_case("urgent", payload, force=True)
            self.say("staff-on-duty" if await self.on_duty() else "staff-off-duty")
        elif payload.get("worries") or s.case_code is not None:
            await self.ensure_case("urgent" if s.urgent else "routine", payload)
        s.screen_answers = {}
        s.screen_index = 0
        self.go(Step.NEXT)
        await self.prompt()


def safe_triage(text: str) -> TriageResult:
    """Triage that cannot take the conversation down with it."""
    try:
        return triage(text)
    except Exception as error:  # a triage bug must not cost the person an answer
        log.error("triage failed: %s", type(error).__name__)
        return TriageResult(Level.ROUTINE)


def _mostly_phone(reading: Reading) -> bool:
    """A phone number with little else ("0912 345 678", "sdt e 0912..."): a wish to be called."""
    rest = PHONE.sub(" ", fold(reading.text))
    return reading.phone is not None and len(rest.split()) <= 5


def _phone(text: str) -> str | None:
    match = PHONE.search(text)
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return match.group(1).strip() if 9 <= len(digits) <= 13 else None


# -- step handlers: one per step, for an option picked (by tap, number, words or meaning) ------
Handler = Callable[[Turn, OptionId, Reading | None], Awaitable[None]]


async def _start(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    if option.kind is Kind.DANGER:
        await turn.urgent(["violence_now"])
    elif option.kind is Kind.SUPPORT:
        if s.age_band is None and s.need is None and s.province is None:
            turn.go(Step.AGE)
            await turn.prompt()
        else:
            await turn.advance()
    elif option.kind is Kind.OTHER:
        if s.who == Who.SELF.value:
            s.who = Who.RELAY.value
        await turn.advance()
    elif option.kind is Kind.UNSAFE:
        await turn._quiet_end()
    elif option.kind is Kind.LANG:
        await turn._always(Intent.LANG_VI if s.lang == "en" else Intent.LANG_EN)


async def _age(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    if option.kind is Kind.UNDER18:
        s.age_band = AgeBand.CHILD.value
        s.audience = Audience.CHILDREN.value
        turn.say("child-note")
        turn.emergency_list("emergency-intro")
    elif option.kind is Kind.ADULT:
        s.age_band = s.age_band or AgeBand.ADULT.value
    await turn.advance()


async def _need(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    assert isinstance(option.value, Need)
    s.need = option.value.value
    s.need_asked = True
    if option.value is Need.CHILD and not s.relay:
        turn.emergency_list("emergency-intro")
    await turn.advance()


async def _where(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    if option.kind is Kind.PICK:
        if option.number >= len(s.candidates):
            await turn.miss()
            return
        chosen = s.candidates[option.number]
        s.province = chosen.province
        s.place_label = chosen.label
        s.place_kind = PlaceKind.PROVINCE
        s.lat = s.lon = None
        s.candidates = []
    elif option.kind is Kind.PROVINCE:
        if option.number not in turn.e.search.gazetteer.provinces:
            await turn.miss()
            return
        s.province = option.number
        s.place_label = turn._label(option.wire)
        s.place_kind = PlaceKind.PROVINCE
        s.lat = s.lon = None
    elif option.kind is Kind.NONE:
        turn.go(Step.WHERE_PROVINCE)
        await turn.prompt()
        return
    else:  # no place, skip
        s.place_declined = True
        s.need = s.need or (Need.SHELTER.value if s.urgent else None)
    s.abroad = None
    await turn.advance()


async def _danger_consent(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    lat, lon = s.pending_location or (None, None)
    s.pending_location = None
    if option.kind is Kind.YES and lat is not None:
        await turn.ensure_case("urgent", {"location": {"lat": lat, "lon": lon}})
        turn.say("location-shared")
    else:
        turn.say("location-kept-private")
    await turn.advance()


async def _next(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    if option.kind is Kind.MORE:
        await turn.show_more()
        await turn.prompt()
    elif option.kind is Kind.TALK:
        await turn.request_staff()
    elif option.kind is Kind.SCREEN:
        turn.say("screen-intro")
        s.screen_index = 0
        turn.go(Step.SCREEN)
        await turn.prompt()
    elif option.kind is Kind.ANOTHER:
        s.province = None
        s.place_label = None
        s.lat = s.lon = None
        s.abroad = None
        s.place_declined = False
        turn.go(Step.WHERE)
        await turn.prompt()
    elif option.kind is Kind.DONE:
        turn.say("goodbye")
        turn.wipe()


async def _contact_consent(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    if option.kind is Kind.YES:
        await turn.request_staff()
    else:
        turn.say("contact-declined")
        turn.go(Step.NEXT)
        await turn.prompt()


async def _contact(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    c = turn.s.contact
    if reading is not None:
        turn._take_contact_facts(reading)
    if option.kind is Kind.WAY:
        c.way = option.value.value if isinstance(option.value, Way) else Way.CHAT.value
    elif option.kind is Kind.TIME and option.value is not None:
        c.time = option.value.value if not isinstance(option.value, int) else None
    elif option.kind is Kind.SKIP:
        if turn.s.step is Step.CONTACT_PHONE:
            c.way = Way.CHAT.value
        elif turn.s.step is Step.CONTACT_CODE:
            c.code_word = ""
    await turn._save_contact()
    await turn._contact_next()


async def _screen(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    if option.kind is Kind.SKIP_SCREEN:
        await turn._finish_screen()
        return
    assert isinstance(option.value, Answer)
    question = screening.QUESTIONS[s.screen_index]
    s.screen_answers[question] = option.value.value
    if question == "strangled" and option.value is Answer.YES and not s.medical_said:
        s.medical_said = True
        turn.say("advice-strangulation")  # at once, not at the end of the screen
    if s.case_code is not None:  # answers given are kept even if the screen is left
        await turn.ensure_case("urgent" if s.urgent else "routine",
                               {"screen": dict(s.screen_answers)})
    s.screen_index += 1
    if s.screen_index >= len(screening.QUESTIONS):
        turn.go(Step.SCREEN_OPEN)
    await turn.prompt()


async def _screen_open(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    await turn._finish_screen()


async def _relay_danger(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    answer = matching.relay_answer(option)
    s.relay_danger = answer.value if answer else Answer.UNSURE.value
    if answer is Answer.YES:
        await turn.urgent(["violence_now"])
        return
    await turn.advance()


async def _relay_consent(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    s = turn.s
    s.relay_consent = option.value.value if isinstance(option.value, Consent) else "no"
    if s.relay_consent != Consent.YES.value:
        turn.say("relay-no-consent")
    await turn.advance()


async def _open(turn: Turn, option: OptionId, reading: Reading | None) -> None:
    await turn.advance()


HANDLERS: dict[Step, Handler] = {
    Step.START: _start,
    Step.AGE: _age,
    Step.NEED: _need,
    Step.WHERE: _where,
    Step.WHERE_PICK: _where,
    Step.WHERE_PROVINCE: _where,
    Step.DANGER_WHERE: _where,
    Step.DANGER_CONSENT: _danger_consent,
    Step.NEXT: _next,
    Step.CONTACT_CONSENT: _contact_consent,
    Step.CONTACT_WAY: _contact,
    Step.CONTACT_PHONE: _contact,
    Step.CONTACT_TIME: _contact,
    Step.CONTACT_CODE: _contact,
    Step.SCREEN: _screen,
    Step.SCREEN_OPEN: _screen_open,
    Step.RELAY_DANGER: _relay_danger,
    Step.RELAY_CONSENT: _relay_consent,
    Step.OPEN: _open,
}

__all__ = ["EXIT_WORDS", "HANDLERS", "MAX_INPUT", "Turn"]
