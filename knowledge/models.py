"""The directory's vocabulary: services, hotlines and the needs that select them.

Every fact a person is shown comes from one of these records, so each record carries its source,
the date it was last verified and whether it is verified at all (safety.md, "Directory data").
An unknown phone, address or hour stays empty: the models make empty the normal case, not an error.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ServiceKind(StrEnum):
    TRUSTED_ADDRESS = "trusted_address"
    SHELTER = "shelter"
    PEACE_HOUSE = "peace_house"
    SOCIAL_WORK_CENTRE = "social_work_centre"
    SOCIAL_ASSISTANCE = "social_assistance"
    ONE_STOP_CENTRE = "one_stop_centre"
    HOTLINE = "hotline"
    POLICE = "police"
    HEALTH = "health"
    LEGAL_AID = "legal_aid"
    CLUB = "club"
    SELF_HELP_GROUP = "self_help_group"


class Audience(StrEnum):
    WOMEN = "women"
    CHILDREN = "children"
    MEN = "men"
    TRAFFICKING_RETURNEES = "trafficking_returnees"
    ELDERLY = "elderly"
    DISABILITIES = "people_with_disabilities"


class Offer(StrEnum):
    EMERGENCY_SHELTER = "emergency_shelter"
    COUNSELLING = "counselling"
    PSYCHOTHERAPY = "psychotherapy"
    MEDICAL_CARE = "medical_care"
    LEGAL_AID = "legal_aid"
    VOCATIONAL_TRAINING = "vocational_training"
    LIVELIHOOD = "livelihood"
    CIVIL_REGISTRATION = "civil_registration"
    TRAVEL_ALLOWANCE = "travel_allowance"
    CHILD_PROTECTION = "child_protection"


class Need(StrEnum):
    """What a person asks for in the conversation; ``NEED_RULES`` maps each to the directory."""

    SHELTER = "shelter"
    COUNSELLING = "counselling"
    LEGAL = "legal"
    MEDICAL = "medical"
    CHILD = "child"
    TRAFFICKING = "trafficking"
    FOREIGN_MARRIAGE = "foreign_marriage"
    LIVELIHOOD = "livelihood"
    INFO = "info"


class Precision(StrEnum):
    EXACT = "exact"
    COMMUNE = "commune"
    PROVINCE = "province"


# need -> (offers that satisfy it, kinds that satisfy it, audience it implies)
NEED_RULES: dict[Need, tuple[frozenset[Offer], frozenset[ServiceKind], Audience | None]] = {
    Need.SHELTER: (
        frozenset({Offer.EMERGENCY_SHELTER}),
        frozenset(
            {ServiceKind.SHELTER, ServiceKind.PEACE_HOUSE, ServiceKind.TRUSTED_ADDRESS}
        ),
        None,
    ),
    Need.COUNSELLING: (
        frozenset({Offer.COUNSELLING, Offer.PSYCHOTHERAPY}),
        frozenset({ServiceKind.ONE_STOP_CENTRE, ServiceKind.SELF_HELP_GROUP}),
        None,
    ),
    Need.LEGAL: (frozenset({Offer.LEGAL_AID}), frozenset({ServiceKind.LEGAL_AID}), None),
    Need.MEDICAL: (frozenset({Offer.MEDICAL_CARE}), frozenset({ServiceKind.HEALTH}), None),
    Need.CHILD: (frozenset({Offer.CHILD_PROTECTION}), frozenset(), Audience.CHILDREN),
    Need.TRAFFICKING: (frozenset(), frozenset(), Audience.TRAFFICKING_RETURNEES),
    Need.FOREIGN_MARRIAGE: (
        frozenset({Offer.CIVIL_REGISTRATION, Offer.LEGAL_AID}),
        frozenset({ServiceKind.CLUB}),
        None,
    ),
    Need.LIVELIHOOD: (
        frozenset({Offer.VOCATIONAL_TRAINING, Offer.LIVELIHOOD}),
        frozenset(),
        None,
    ),
    Need.INFO: (frozenset(), frozenset(), None),
}

_PHONE = re.compile(r"^\+?[0-9][0-9 .]{1,18}[0-9]$")


class Coordinates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    precision: Precision


class Localized(BaseModel):
    """A text in Vietnamese and, where someone has written it, English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vi: str = Field(min_length=1)
    en: str | None = None

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.vi


def _check_phones(phones: list[str]) -> list[str]:
    for phone in phones:
        if not _PHONE.match(phone):
            raise ValueError(f"phone {phone!r} is not a phone number (digits and spaces)")
    return phones


class Service(BaseModel):
    """One place or group that can help. ``province`` is the 2025 code; None means national."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: Localized
    kind: ServiceKind
    audiences: list[Audience] = Field(default_factory=list)
    offers: list[Offer] = Field(default_factory=list)
    province: int | None = None
    legacy_province: str | None = None
    address: str | None = None
    disclose_address: bool = True
    phones: list[str] = Field(default_factory=list)
    hours: str | None = None
    open_24_7: bool = False
    location: Coordinates | None = None
    languages: list[str] = Field(default_factory=lambda: ["vi"])
    note: Localized | None = None
    # How to reach a place with no phone of its own: the number of the line that refers people
    # to it (issue 12: every card reachable). CONTRACT for this round's directory/conversation.
    referral: str | None = None
    # Reachable only through Bình An's staff: offered only while someone is on duty.
    staff_referral: bool = False
    source: str = Field(min_length=3)
    verified_on: dt.date | None = None
    verified: bool = False

    _phones = field_validator("phones")(_check_phones)

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        if self.verified and self.verified_on is None:
            raise ValueError("a verified entry needs verified_on (the date it was checked)")
        located_by_province = (
            self.location is not None and self.location.precision is Precision.PROVINCE
        )
        if located_by_province and self.province is None:
            raise ValueError("province-precision coordinates need a province")
        return self

    @property
    def national(self) -> bool:
        return self.province is None

    def serves(self, need: Need | None, audience: Audience | None) -> bool:
        """Whether this service fits a need and audience (an empty audience list serves all)."""
        if audience is not None and self.audiences and audience not in self.audiences:
            return False
        if need is None or need is Need.INFO:
            return True
        offers, kinds, implied = NEED_RULES[need]
        if implied is not None and implied not in self.audiences:
            return False
        if not offers and not kinds:
            return True
        return bool(offers.intersection(self.offers)) or self.kind in kinds


class Hotline(BaseModel):
    """A phone line. ``emergency`` lines are shown at once when someone is in danger."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    number: str
    name: Localized
    what: Localized
    open_24_7: bool = False
    hours: str | None = None
    cost: Localized | None = None
    emergency: bool = False
    province: int | None = None
    audiences: list[Audience] = Field(default_factory=list)
    order: int = 100
    show: bool = True
    confidence: str = Field(pattern=r"^(high|medium|medium-low|low)$")
    source: str = Field(min_length=3)
    verified_on: dt.date | None = None
    verified: bool = False

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        _check_phones([value])
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Hotline:
        if self.verified and self.verified_on is None:
            raise ValueError("a verified entry needs verified_on (the date it was checked)")
        return self
