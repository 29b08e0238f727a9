"""Rendering of hotline lists, service cards and help abroad: words only, no decisions.

Kept out of the dialogue so the state machine stays about what to ask, and so each card's rules
(how to reach the place now, an honest distance) live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handlers.catalogue import MAX_TEXT
from handlers.conversation.state import PlaceKind
from handlers.events import Message, PhoneLink, Venue
from knowledge.abroad import AbroadLine, CountryHelp
from knowledge.models import Hotline
from knowledge.search import Hit, Scope

Translate = Callable[..., str]

# The numbers that fit each danger reason, most fitting first (safety.md, issue 16 item 8).
REASON_NUMBERS: dict[str, tuple[str, ...]] = {
    "strangulation": ("115", "113"),
    "self_harm": ("115",),
    "injury": ("115", "113"),
    "sexual_violence": ("115", "113"),
    "child_at_risk": ("111", "113"),
    "violence_now": ("113",),
    "weapon": ("113",),
    "threat_to_kill": ("113",),
    "confinement_trafficking": ("113", "111"),
}
REASON_ORDER = ("self_harm", "strangulation", "injury", "child_at_risk", "sexual_violence",
                "violence_now", "weapon", "threat_to_kill", "confinement_trafficking")
MEDICAL_ADVICE = {"strangulation": "advice-strangulation",
                  "sexual_violence": "advice-sexual-violence",
                  "self_harm": "advice-self-harm"}


def first_numbers(reasons: Sequence[str], child: bool) -> list[str]:
    """One or two numbers that fit the reasons, the best first."""
    chosen: list[str] = []
    if child:
        chosen.append("111")
    for reason in REASON_ORDER:
        if reason in reasons:
            for number in REASON_NUMBERS[reason]:
                if number not in chosen:
                    chosen.append(number)
    if not chosen:
        chosen.append("113")
    return chosen[:2]


@dataclass
class Renderer:
    t: Translate
    lang: str
    urgent: bool

    def hotline_args(self, h: Hotline) -> dict[str, str]:
        """number, name and " (24/7, cost)" of a line, for the texts that show one."""
        extras = [self.t("hotline-24-7")] if h.open_24_7 else []
        if h.cost is not None:
            extras.append(h.cost.get(self.lang))
        extra = f" ({', '.join(extras)})" if extras else ""
        return {"number": h.number, "name": h.name.get(self.lang), "extra": extra}

    def hotline_row(self, h: Hotline) -> str:
        return self.t("hotline-line", **self.hotline_args(h))

    def hotlines(self, intro: str, lines: Sequence[Hotline], children_first: bool) -> Message:
        if children_first:
            lines = sorted(lines, key=lambda h: (h.number != "111", h.order))
        rows = [self.t(intro), *(self.hotline_row(h) for h in lines)]
        phones = tuple(PhoneLink(h.number, h.name.get(self.lang)) for h in lines)
        return Message("\n".join(rows), phones=phones, urgent=self.urgent)

    def danger_first(self, lines: Sequence[Hotline], numbers: Sequence[str],
                     sentence: str, intro: str = "emergency-intro") -> Message:
        """The short first answer: the fitting numbers on their own lines, the others on one
        line, then one sentence. At most six lines, so nothing scrolls away on a phone."""
        by_number = {h.number: h for h in lines}
        first = [by_number[n] for n in numbers if n in by_number]
        rest = [h for h in lines if h not in first]
        rows = [self.t(intro), *(self.hotline_row(h) for h in first)]
        if rest:
            others = " · ".join(f"{h.number} {h.name.get(self.lang)}" for h in rest)
            rows.append(self.t("emergency-others", others=others))
        rows.append(sentence)
        phones = tuple(PhoneLink(h.number, h.name.get(self.lang)) for h in [*first, *rest])
        return Message("\n".join(rows), phones=phones, urgent=True)

    def _where(self, hit: Hit, province: int | None, place_kind: PlaceKind | None,
               elsewhere: str | None) -> str:
        """A distance only from a shared point or a typed commune; from a typed province, "in
        your province" or the other province's name (never km from a centre)."""
        s = hit.service
        exact = place_kind in (PlaceKind.POINT, PlaceKind.COMMUNE)
        if hit.scope is Scope.COMMUNE:
            return self.t("card-commune")
        if hit.distance_km is not None and exact and hit.approximate:
            return self.t("card-approximate", km=_km(hit.distance_km))
        if hit.distance_km is not None and exact:
            return self.t("card-distance", km=_km(hit.distance_km))
        if hit.scope is Scope.NATIONAL or (s.province is None and s.location is None):
            return self.t("card-national")
        if province is not None and s.province == province:
            return self.t("card-province")
        if hit.distance_km is not None and elsewhere:
            # a place 300 km away is not just "in another province": the distance from the
            # typed province's centre, rounded and said to be approximate
            return self.t("card-elsewhere-km", province=elsewhere, km=_rough_km(hit.distance_km))
        if elsewhere:
            return self.t("card-elsewhere", province=elsewhere)
        return self.t("card-neighbour")

    def _reach(self, hit: Hit) -> str:
        """How to reach the place now: its phone, the line that refers to it, in person."""
        s = hit.service
        if s.phones and not s.staff_referral:
            return self.t("card-phone", phones=", ".join(s.phones))
        if s.referral:
            return self.t("card-referral", number=s.referral)
        if hit.scope is Scope.COMMUNE:
            return self.t("card-in-person")
        return self.t("card-staff-referral")

    def short_card(self, hit: Hit, province: int | None, place_kind: PlaceKind | None,
                   elsewhere: str | None = None) -> tuple[str, tuple[PhoneLink, ...]]:
        """One place in two or three phone lines (the first answer): name and where, what it
        offers, how to reach it now. The full card (address, hours, notes) is one "more" away."""
        s = hit.service
        lines = [f"• {s.name.get(self.lang)} · {self._where(hit, province, place_kind, elsewhere)}"]
        if s.offers:
            lines.append(self.t("card-offers", offers=", ".join(
                self.t(f"offer-{o.value}") for o in s.offers)))
        if s.phones and not s.staff_referral:
            reach = self.t("card-phone-short", phones=", ".join(s.phones))
        elif s.referral:
            reach = self.t("card-referral-short", number=s.referral)
        else:
            reach = self._reach(hit)
        if s.may_have_changed or not s.verified:
            reach += " " + self.t("card-check-short")
        lines.append(reach)
        walk = hit.distance_km is not None and hit.distance_km <= WALK_KM
        if hit.scope is Scope.NEAR and walk and s.disclose_address and s.address:
            lines.append(self.t("card-address", address=s.address))  # close: worth going to
        numbers = s.phones or ([s.referral] if s.referral else [])
        return "\n".join(lines), tuple(PhoneLink(p, s.name.get(self.lang)) for p in numbers)

    def venue(self, hit: Hit) -> Venue | None:
        """A map pin for a place whose address is public (Telegram venue, a Zalo map link)."""
        s = hit.service
        if not s.disclose_address or not s.address or s.location is None:
            return None
        return Venue(s.name.get(self.lang), s.address, s.location.lat, s.location.lon)

    def call_line(self, lines: Sequence[Hotline]) -> str:
        """The one or two numbers that fit, on one line."""
        return self.t("results-call", numbers=" · ".join(
            f"{h.number} ({h.name.get(self.lang)})" for h in lines))

    def card(self, hit: Hit, province: int | None, place_kind: PlaceKind | None,
             elsewhere: str | None = None) -> Message:
        """One place, in full: where, what, how to reach it, address or why it is kept
        confidential, hours, the source's note and how old the source is."""
        s = hit.service
        head = f"{s.name.get(self.lang)} · {self._where(hit, province, place_kind, elsewhere)}"
        lines = [head]
        if s.offers:
            lines.append(self.t("card-offers", offers=", ".join(
                self.t(f"offer-{o.value}") for o in s.offers)))
        lines.append(self._reach(hit))
        venue = self.venue(hit)
        if not s.disclose_address:
            lines.append(self.t("card-confidential"))
        elif s.address:
            lines.append(self.t("card-address", address=s.address))
        if s.open_24_7:
            lines.append(self.t("card-24-7"))
        elif s.hours:
            lines.append(self.t("card-hours", hours=s.hours))
        if s.note is not None:
            lines.append(s.note.get(self.lang))
        if s.may_have_changed:
            lines.append(self.t("card-may-have-changed"))
        elif not s.verified:
            lines.append(self.t("card-unverified"))
        numbers = s.phones or ([s.referral] if s.referral else [])
        phones = tuple(PhoneLink(p, s.name.get(self.lang)) for p in numbers)
        return Message("\n".join(lines)[:MAX_TEXT], phones=phones, venue=venue,
                       urgent=self.urgent)

    def abroad(self, help_: CountryHelp | None, country: str, trafficking: bool,
               short: bool = False) -> Message:
        """That country's numbers first, then the Vietnamese mission and the MOFA line. With
        ``short`` (the first answer): the emergency numbers, one help line (one that speaks
        Vietnamese if the source says so), the nearest mission and one MOFA line; the rest is
        one "more" away."""
        name = (help_.name_vi if self.lang == "vi" else help_.name_en) if help_ else country
        rows = [self.t("abroad-intro", country=name)]
        phones: list[PhoneLink] = []
        for line in (short_lines(help_) if short else help_.lines) if help_ else ():
            label = line.name_vi if self.lang == "vi" else line.name_en
            note = line.note_vi if self.lang == "vi" else line.note_en
            rows.append(self.t("hotline-line", number=line.number, name=label,
                               extra=f" ({note})" if note else ""))
            phones.append(PhoneLink(line.number, label))
        if help_ is None or not help_.lines:
            rows.append(self.t("abroad-unknown"))
        if trafficking:
            rows.append(self.t("abroad-111-family"))
        rows.append(self.t("abroad-not-vietnam"))
        text = "\n".join(rows)
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1].rsplit("\n", 1)[0]
        return Message(text, phones=tuple(phones), urgent=self.urgent)

    def relay_abroad(self, help_: CountryHelp | None, country: str,
                     trafficking: bool) -> Message:
        """Someone in Vietnam writes about a person held abroad: two short routes. For the
        person there: that country's police, the nearest Vietnamese mission (the one named for
        the city said, else the first), the Ministry's citizen-protection line. For the family
        here: 111 (trafficking). Every number from the sourced abroad file."""
        name = (help_.name_vi if self.lang == "vi" else help_.name_en) if help_ else country
        lines = help_.lines if help_ else ()
        local = [x for x in lines if x.kind in ("emergency", "police")][:1]
        helplines = [x for x in lines if x.kind in ("dv_line", "migrant_line",
                                                    "trafficking_line")]
        # a local line that speaks Vietnamese (Korea's 1366, Taiwan's 113): one the person can
        # use in her language; with no police number sourced there, the first local line
        local += [x for x in helplines if x.in_vietnamese][:1] or ([] if local else helplines[:1])
        mission = [x for x in lines if x.kind in ("embassy", "consulate")][:1]
        protection = [x for x in lines if x.kind == "citizen_protection"][:1]
        rows = [self.t("relay-abroad-intro", country=name),
                self.t("relay-abroad-there", country=name)]
        phones: list[PhoneLink] = []
        for line in (*local, *mission, *protection):
            label = line.name_vi if self.lang == "vi" else line.name_en
            rows.append(self.t("hotline-line", number=line.number, name=label, extra=""))
            phones.append(PhoneLink(line.dial or line.number, label))
        if not lines:
            rows.append(self.t("abroad-unknown"))
        home = help_.from_vietnam[:1] if help_ and trafficking else ()
        for line in home:
            rows.append(self.t("relay-abroad-family", number=line.number))
            phones.append(PhoneLink(line.number, line.name_vi if self.lang == "vi"
                                    else line.name_en))
        if not home:
            rows.append(self.t("relay-abroad-family-protection"))
        text = "\n".join(rows)
        return Message(text[:MAX_TEXT], phones=tuple(phones), urgent=self.urgent)


HELP_KINDS = ("dv_line", "migrant_line", "trafficking_line")


def short_lines(help_: CountryHelp) -> list[AbroadLine]:
    """The few lines of a first answer abroad, in the order they are shown."""
    lines = help_.lines
    emergency = [x for x in lines if x.kind in ("emergency", "police", "ambulance")][:2]
    helps = sorted((x for x in lines if x.kind in HELP_KINDS), key=lambda x: not x.in_vietnamese)
    mission = [x for x in lines if x.kind in ("embassy", "consulate")][:1]
    protection = [x for x in lines if x.kind == "citizen_protection"][:1]
    return [*emergency, *helps[:1], *mission, *protection]


WALK_KM = 20  # a place this close gets its address in the first answer
PHONE_COLUMNS = 36  # characters a phone shows on one line in a chat bubble (360 dp, default font)


def phone_lines(text: str, columns: int = PHONE_COLUMNS) -> int:
    """How many lines a text takes on a phone: each line wraps at ``columns`` characters, and
    an empty line still takes a line. Used for the length budgets of first answers."""
    return sum(max(1, -(-len(line) // columns)) for line in text.split("\n"))


def reachable(hit: Hit, on_duty: bool) -> bool:
    """A card is shown only if the person can reach the place now: a phone, a referral line,
    or (only while someone is on duty) Bình An's staff."""
    s = hit.service
    if s.staff_referral:
        return on_duty
    # the commune's own People's Committee and police take reports in person (Law 13/2022,
    # Art. 19): reachable without a sourced phone
    return bool(s.phones or s.referral) or on_duty or hit.scope is Scope.COMMUNE


def _rough_km(distance: float) -> str:
    """A distance measured from a province's centre: to the nearest 10 km (5 below 10)."""
    return str(max(5, round(distance / 10) * 10)) if distance >= 7.5 else "5"


def _km(distance: float) -> str:
    return f"{distance:.0f}" if distance >= 10 else f"{distance:.1f}"
