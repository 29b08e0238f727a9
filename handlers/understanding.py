"""One message in, a structured reading out: what the person told us, whatever the question was.

The dialogue (``handlers.conversation``) never looks at raw text: it acts on a ``Reading``. So a
first message that tells the whole story ("toi o Ca Mau, can cho o tam, co 2 con nho") fills in
place, need and children at once, and an answer to a different question is still understood
(safety.md, "Use what the person said").

CONTRACT (shared by the understanding and conversation work this round): the fields of
``Reading`` and the enums below are the interface. Add fields if needed; do not rename or remove.
This first version is a deliberately small stub so the dialogue can be built against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from handlers.triage import Level, TriageResult, triage
from knowledge.models import Audience, Need
from knowledge.places import PlaceResolver, Resolution
from knowledge.text import fold


class Who(StrEnum):
    """Who is writing, as far as the text says."""

    SELF = "self"  # the person at risk (the default when nothing says otherwise)
    RELAY = "relay"  # a friend, relative or volunteer writing for a named someone else
    BYSTANDER = "bystander"  # a neighbour or passer-by witnessing violence
    PROFESSIONAL = "professional"  # a teacher, health worker, counsellor asking for a case


class Intent(StrEnum):
    """Short answers and commands, in Vietnamese, teencode and English ("uk", "ko", "oke")."""

    YES = "yes"
    NO = "no"
    SKIP = "skip"
    EXIT = "exit"  # quick exit words ("thoát", "x", "exit")
    HELP = "help"
    PRIVACY = "privacy"
    RESTART = "restart"
    THANKS = "thanks"  # "cảm ơn", "thanks": a polite close, not a request
    SAFE = "safe"  # "tôi an toàn", "i'm safe"
    NOT_SAFE_TO_TALK = "not_safe_to_talk"  # "chồng đang ở cạnh, không nhắn được"
    WANTS_HUMAN = "wants_human"  # "cho em nói chuyện với người thật", "can I talk to someone"
    LANG_EN = "lang_en"
    LANG_VI = "lang_vi"


class Question(StrEnum):
    """Questions people ask, answered from the catalogue at any step (issue 16, item 11)."""

    WHO_READS = "who_reads"  # who reads my messages
    STORED = "stored"  # are my messages kept
    DELETE = "delete"  # can they be deleted
    WHAT_BOT_IS = "what_bot_is"  # are you a person / a bot
    CALL_FOR_ME = "call_for_me"  # "call 113 for me", "báo công an giúp em"
    HELP_FOR_MEN = "help_for_men"
    SOMEONE_COME = "someone_come"  # can someone come to my house
    BED_TONIGHT = "bed_tonight"  # somewhere to sleep tonight
    PHONE_COUNSELLING = "phone_counselling"
    WHERE_REPORT = "where_report"  # where do I report (Law 13/2022 Art. 19)
    LAW = "law"  # other questions about the law (not an emergency)


class AgeBand(StrEnum):
    CHILD = "child"  # under 18
    ADULT = "adult"
    ELDERLY = "elderly"


@dataclass(frozen=True)
class Abroad:
    """A country outside Vietnam the person is in (ISO 3166 alpha-2), and a city if named."""

    country: str
    city: str | None = None


@dataclass(frozen=True)
class Reading:
    text: str
    triage: TriageResult
    lang: str | None = None  # "vi" / "en" when the text clearly is; None when it cannot tell
    place: Resolution | None = None  # only when the text clearly names a place in Vietnam
    abroad: Abroad | None = None
    needs: tuple[Need, ...] = ()
    age: int | None = None  # years, when said ("em 14 tuổi", "30t")
    age_band: AgeBand | None = None
    audiences: tuple[Audience, ...] = ()  # who the help is for: children, men, elderly...
    who: Who = Who.SELF
    intents: frozenset[Intent] = field(default_factory=frozenset)
    questions: tuple[Question, ...] = ()
    phone: str | None = None  # a phone number typed for a call-back
    time_words: str | None = None  # "sau 8h toi", "buổi sáng": when it is safe to call
    option_number: int | None = None  # the message is just a menu number ("2")

    @property
    def urgent(self) -> bool:
        return self.triage.level is Level.URGENT


def read(text: str, resolver: PlaceResolver) -> Reading:
    """Read one message. STUB: triage, an exact place, menu numbers and a few intents only."""
    folded = fold(text)
    intents: set[Intent] = set()
    if folded in ("x", "thoat", "thoat nhanh", "exit", "quit"):
        intents.add(Intent.EXIT)
    if folded in ("co", "yes", "u", "uk", "vang", "da"):
        intents.add(Intent.YES)
    if folded in ("khong", "ko", "k", "no", "hok"):
        intents.add(Intent.NO)
    number = int(folded) if folded.isdigit() and len(folded) <= 2 else None
    place = None
    if number is None and folded:
        resolution = resolver.resolve(text)
        place = resolution if resolution.found else None
    return Reading(text=text, triage=triage(text), place=place, intents=frozenset(intents),
                   option_number=number)
