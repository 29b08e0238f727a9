"""Typed option ids: what a button or a numbered menu line means, never parsed by slicing.

On the wire (``Choice.option``, Zalo OA button payloads) an option is a short string such as
``need:shelter`` or ``prov:24``; inside the dialogue it is an ``OptionId`` with a kind and a typed
value. ``OptionId.parse`` is the only place the wire form is read, and it refuses anything that
is not an option the dialogue could have offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from knowledge.models import Need


class Kind(StrEnum):
    """Options without a value (the id is the kind) and families with one (``kind:value``)."""

    # plain options
    DANGER = "danger"
    SUPPORT = "support"
    OTHER = "other"
    UNSAFE = "unsafe"
    LANG = "lang"
    UNDER18 = "under18"
    ADULT = "adult"
    AGE_SKIP = "age-skip"
    NO_PLACE = "no-place"
    SKIP = "skip"
    YES = "yes"
    NO = "no"
    TALK = "talk"
    SCREEN = "screen"
    ANOTHER = "another"
    DONE = "done"
    NONE = "none"
    SKIP_SCREEN = "skip-screen"
    EXIT = "exit"
    MORE = "more"  # the rest of the results: full cards, information, every number
    # families
    NEED = "need"
    PROVINCE = "prov"
    PICK = "pick"
    WAY = "way"
    TIME = "time"
    ANSWER = "ans"
    RELAY = "relay"
    CONSENT = "consent"


FAMILIES = frozenset({Kind.NEED, Kind.PROVINCE, Kind.PICK, Kind.WAY, Kind.TIME, Kind.ANSWER,
                      Kind.RELAY, Kind.CONSENT})


class Way(StrEnum):
    CHAT = "chat"
    CALL = "call"


class CallTime(StrEnum):
    NOW = "now"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ANY = "any"


class Answer(StrEnum):
    """An answer to a danger-screen question, or to "is the person in danger now?"."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Consent(StrEnum):
    YES = "yes"
    NO = "no"
    UNSAFE = "unsafe"


_VALUES: dict[Kind, type[StrEnum] | type[int]] = {
    Kind.NEED: Need, Kind.WAY: Way, Kind.TIME: CallTime, Kind.ANSWER: Answer,
    Kind.RELAY: Answer, Kind.CONSENT: Consent, Kind.PROVINCE: int, Kind.PICK: int,
}


@dataclass(frozen=True)
class OptionId:
    kind: Kind
    value: StrEnum | int | None = None

    @property
    def wire(self) -> str:
        """The string a channel carries (the same ids the previous engine used)."""
        if self.value is None:
            return self.kind.value
        value = self.value.value if isinstance(self.value, StrEnum) else str(self.value)
        return f"{self.kind.value}:{value}"

    @property
    def number(self) -> int:
        """The integer value of a ``prov`` or ``pick`` option."""
        assert isinstance(self.value, int)
        return self.value

    @classmethod
    def parse(cls, wire: str) -> OptionId | None:
        kind_text, sep, value_text = wire.partition(":")
        try:
            kind = Kind(kind_text)
        except ValueError:
            return None
        if not sep:
            return None if kind in FAMILIES else cls(kind)
        if kind not in FAMILIES:
            return None
        value_type = _VALUES[kind]
        try:
            if value_type is int:
                if not value_text.isdigit() or len(value_text) > 4:
                    return None
                return cls(kind, int(value_text))
            return cls(kind, value_type(value_text))  # type: ignore[call-arg]
        except ValueError:
            return None


def opt(kind: Kind, value: StrEnum | int | None = None) -> OptionId:
    return OptionId(kind, value)
