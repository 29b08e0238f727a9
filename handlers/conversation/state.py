"""What a conversation remembers between messages (stored encrypted, wiped on exit or idle).

The dialogue keeps facts, not a script: danger, place, need, age band, who is writing, language,
country abroad. Each new message may add or change any of them (mixed initiative), and the next
question is chosen from what is still missing.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class Step(StrEnum):
    """The question the person was last asked (its spec is in ``steps.STEPS``)."""

    START = "start"
    AGE = "age"
    NEED = "need"
    WHERE = "where"
    WHERE_PICK = "where_pick"
    WHERE_PROVINCE = "where_province"
    DANGER_WHERE = "danger_where"
    DANGER_CONSENT = "danger_consent"
    NEXT = "next"
    CONTACT_CONSENT = "contact_consent"
    CONTACT_WAY = "contact_way"
    CONTACT_PHONE = "contact_phone"
    CONTACT_TIME = "contact_time"
    CONTACT_CODE = "contact_code"
    SCREEN = "screen"
    SCREEN_OPEN = "screen_open"
    RELAY_DANGER = "relay_danger"
    RELAY_CONSENT = "relay_consent"
    OPEN = "open"  # no question pending: after two misses, anything the person says is read


class PlaceKind(StrEnum):
    """How precisely the place is known: it decides whether a distance in km is honest."""

    POINT = "point"  # a shared location
    COMMUNE = "commune"  # a typed commune or ward with coordinates
    PROVINCE = "province"  # only a province (or an old district): no km from its centre


class Candidate(BaseModel):
    province: int
    label: str


class Contact(BaseModel):
    way: str | None = None
    phone: str | None = None
    time: str | None = None
    code_word: str | None = None
    note: str | None = None  # anything else staff should know before calling


class State(BaseModel):
    step: Step = Step.START
    lang: str = "vi"
    lang_chosen: bool = False  # set once the language was detected or chosen
    offered: list[str] = Field(default_factory=list)
    misses: int = 0  # messages not understood in a row, anywhere
    asked: dict[str, int] = Field(default_factory=dict)  # times each step's question was put
    last_asked: Step | None = None
    repeats: int = 0  # the same question put this many times in a row
    # what is known
    urgent: bool = False
    reasons: list[str] = Field(default_factory=list)
    danger_pages: int = 0  # staff paged again for danger written again (capped)
    text_only: bool = False  # deaf, or cannot speak where she is: never told to call
    safe_said: bool = False  # "I'm safe now" was said back once
    shelter_line_said: bool = False  # the national shelter line given before the place
    need: str | None = None
    need_asked: bool = False
    audience: str | None = None  # children, men, elderly, people_with_disabilities
    age_band: str | None = None
    who: str = "self"
    relay_danger: str | None = None
    relay_consent: str | None = None
    province: int | None = None
    place_label: str | None = None
    place_kind: PlaceKind | None = None
    lat: float | None = None
    lon: float | None = None
    place_declined: bool = False
    place_misses: int = 0
    abroad: str | None = None  # ISO code of the country the person is in
    abroad_city: str | None = None
    # The country abroad is where the person written about is held; the writer is in Vietnam (a
    # relative about a niece sold to China): both routes are shown, the writer's place is kept.
    abroad_relayed: bool = False
    candidates: list[Candidate] = Field(default_factory=list)
    pending_location: tuple[float, float] | None = None
    shown: str | None = None  # the (place, need, audience) whose results were last shown
    more: str | None = None  # those results have a "more" (full cards, every number) not shown
    # the case
    case_code: str | None = None
    hidden_case: bool = False  # a routine case for a protected Zalo user was opened
    screen_index: int = 0
    screen_answers: dict[str, str] = Field(default_factory=dict)
    medical_said: bool = False
    contact: Contact = Field(default_factory=Contact)
    home_info_said: bool = False  # 111 and where papers are redone, told once before the place
    callback_asked: bool = False  # asked for staff: a phone typed at any later step is for them

    restarted: bool = False  # the stored step was unknown (an upgrade): say we start over

    @model_validator(mode="before")
    @classmethod
    def _known_step(cls, data: object) -> object:
        """A step name from an older or newer version starts over politely, never crashes."""
        if isinstance(data, dict) and data.get("step", "start") not in Step._value2member_map_:
            return {**data, "step": Step.START.value, "offered": [], "restarted": True}
        return data

    @property
    def relay(self) -> bool:
        return self.who != "self"
