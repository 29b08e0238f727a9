"""The table of steps: for each question, its prompt, its options and what it accepts.

One declarative table instead of step names spread over methods: the dialogue looks a step up
here to ask it, to match a typed answer against its options, and to know whether free text or a
location is an answer. Handlers live in ``dialogue`` (``HANDLERS``, one per step; a test checks
the two tables cover the same steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from handlers.conversation.options import Answer, CallTime, Consent, Kind, OptionId, Way, opt
from handlers.conversation.state import Step
from knowledge.models import Need


class Accept(StrEnum):
    OPTION = "option"
    TEXT = "text"  # free text is an answer (a place name, a code word, a worry)
    LOCATION = "location"
    PHONE = "phone"


@dataclass(frozen=True)
class Choice:
    id: OptionId
    label: str  # catalogue key


@dataclass(frozen=True)
class StepSpec:
    prompt: str  # catalogue key of the question
    options: tuple[Choice, ...] = ()
    accepts: frozenset[Accept] = field(default_factory=lambda: frozenset({Accept.OPTION}))
    ask_location: bool = False
    dynamic: bool = False  # options built from state (candidates, provinces, screen question)


def _c(kind: Kind, label: str, value: StrEnum | int | None = None) -> Choice:
    return Choice(opt(kind, value), label)


YES_NO = (_c(Kind.YES, "opt-yes"), _c(Kind.NO, "opt-no"))
TEXT_PLACE = frozenset({Accept.OPTION, Accept.TEXT, Accept.LOCATION})

STEPS: dict[Step, StepSpec] = {
    Step.START: StepSpec("greeting", (
        _c(Kind.DANGER, "opt-danger"), _c(Kind.SUPPORT, "opt-support"),
        _c(Kind.OTHER, "opt-other"), _c(Kind.UNSAFE, "opt-unsafe"), _c(Kind.LANG, "opt-lang"))),
    Step.AGE: StepSpec("age-question", (
        _c(Kind.UNDER18, "opt-under18"), _c(Kind.ADULT, "opt-adult"),
        _c(Kind.AGE_SKIP, "opt-age-skip"))),
    Step.NEED: StepSpec("need-question", tuple(_c(Kind.NEED, f"need-{n.value}", n) for n in Need)),
    Step.WHERE: StepSpec("where-question", (_c(Kind.NO_PLACE, "opt-no-place"),),
                         TEXT_PLACE, ask_location=True),
    Step.WHERE_PICK: StepSpec("where-pick", (_c(Kind.NONE, "opt-none-of-these"),), TEXT_PLACE,
                              dynamic=True),
    Step.WHERE_PROVINCE: StepSpec("where-provinces", (_c(Kind.NO_PLACE, "opt-no-place"),),
                                  TEXT_PLACE, dynamic=True),
    Step.DANGER_WHERE: StepSpec("danger-ask-location", (_c(Kind.SKIP, "opt-skip"),), TEXT_PLACE,
                                ask_location=True),
    Step.DANGER_CONSENT: StepSpec("danger-share-consent", YES_NO),
    Step.NEXT: StepSpec("next-question", (
        _c(Kind.TALK, "opt-talk"), _c(Kind.SCREEN, "opt-screen"),
        _c(Kind.ANOTHER, "opt-another-place"), _c(Kind.DONE, "opt-done"))),
    Step.CONTACT_CONSENT: StepSpec("contact-consent", YES_NO),
    Step.CONTACT_WAY: StepSpec("contact-way", (
        _c(Kind.WAY, "opt-way-chat", Way.CHAT), _c(Kind.WAY, "opt-way-call", Way.CALL)),
        frozenset({Accept.OPTION, Accept.PHONE})),
    Step.CONTACT_PHONE: StepSpec("contact-phone", (_c(Kind.SKIP, "opt-skip"),),
                                 frozenset({Accept.OPTION, Accept.PHONE})),
    Step.CONTACT_TIME: StepSpec("contact-time", tuple(
        _c(Kind.TIME, f"opt-time-{t.value}", t) for t in CallTime),
        frozenset({Accept.OPTION, Accept.TEXT})),
    Step.CONTACT_CODE: StepSpec("contact-code", (_c(Kind.SKIP, "opt-skip"),),
                                frozenset({Accept.OPTION, Accept.TEXT})),
    Step.SCREEN: StepSpec("screen-q", (
        _c(Kind.ANSWER, "opt-ans-yes", Answer.YES), _c(Kind.ANSWER, "opt-ans-no", Answer.NO),
        _c(Kind.ANSWER, "opt-ans-unsure", Answer.UNSURE),
        _c(Kind.SKIP_SCREEN, "opt-skip-screen")), dynamic=True),
    Step.SCREEN_OPEN: StepSpec("screen-open", (_c(Kind.SKIP, "opt-skip"),),
                               frozenset({Accept.OPTION, Accept.TEXT})),
    Step.RELAY_DANGER: StepSpec("relay-danger", (
        _c(Kind.RELAY, "opt-relay-yes", Answer.YES), _c(Kind.RELAY, "opt-relay-no", Answer.NO),
        _c(Kind.RELAY, "opt-relay-unsure", Answer.UNSURE))),
    Step.RELAY_CONSENT: StepSpec("relay-consent", (
        _c(Kind.CONSENT, "opt-consent-yes", Consent.YES),
        _c(Kind.CONSENT, "opt-consent-no", Consent.NO),
        _c(Kind.CONSENT, "opt-consent-unsafe", Consent.UNSAFE))),
    Step.OPEN: StepSpec("open-prompt", (), TEXT_PLACE, ask_location=True),
}
