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
    TRAFFICKING_SHELTER = "trafficking_shelter"
    HOSPITAL_ONE_STOP = "hospital_one_stop"
    NGO = "ngo"
    WOMENS_UNION_CENTRE = "womens_union_centre"
    # The commune People's Committee (generated for every commune: knowledge.fallback).
    COMMUNE_COMMITTEE = "commune_committee"


class Audience(StrEnum):
    WOMEN = "women"
    CHILDREN = "children"
    MEN = "men"
    TRAFFICKING_RETURNEES = "trafficking_returnees"
    ELDERLY = "elderly"
    DISABILITIES = "people_with_disabilities"
    # Children without parental care (residential care): not every child who asks for help.
    ORPHANS = "orphans"


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
    # Receives reports of violence (Law 13/2022/QH15, Art. 19): police, commune People's Committee.
    REPORT_INTAKE = "report_intake"


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


class Confidence(StrEnum):
    """How far a source can be trusted (research README): high = official page dated 2023 or
    later; medium = news from 2023 or later, or an older or undated official page; low = older
    news, an undated third-party page, or indirect."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# The 2025 reorganisation (Resolution 202/2025/QH15): a source older than this may name a
# province, a unit or a number that has since changed.
REORGANISED = dt.date(2025, 7, 1)


class Precision(StrEnum):
    EXACT = "exact"
    COMMUNE = "commune"
    PROVINCE = "province"


# need -> (offers that satisfy it, kinds that satisfy it, audience it implies)
NEED_RULES: dict[Need, tuple[frozenset[Offer], frozenset[ServiceKind], Audience | None]] = {
    Need.SHELTER: (
        frozenset({Offer.EMERGENCY_SHELTER}),
        frozenset(
            {
                ServiceKind.SHELTER,
                ServiceKind.PEACE_HOUSE,
                ServiceKind.TRUSTED_ADDRESS,
                ServiceKind.TRAFFICKING_SHELTER,
            }
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
        frozenset({ServiceKind.CLUB, ServiceKind.WOMENS_UNION_CENTRE}),
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
# A source's date as precise as the source gives it: 2020, 2023-11 or 2025-08-27.
_PARTIAL_DATE = r"^[12][0-9]{3}(-[01][0-9](-[0-3][0-9])?)?$"


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


def _date_text(value: object) -> object:
    """YAML reads 2025-08-27 as a date and 2020 as a number: keep the source's own precision."""
    if isinstance(value, dt.date | int):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


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
    # Not aimed at people facing violence (e.g. residential care for elderly people and orphans):
    # still a place that can refer, so it is offered, but never before a place that is.
    referral_point: bool = False
    source: str = Field(min_length=3)
    source_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    source_date: str | None = Field(default=None, pattern=_PARTIAL_DATE)
    confidence: Confidence | None = None
    verified_on: dt.date | None = None
    verified: bool = False

    _phones = field_validator("phones")(_check_phones)
    _source_date = field_validator("source_date", mode="before")(_date_text)

    @field_validator("referral")
    @classmethod
    def _referral(cls, value: str | None) -> str | None:
        if value is not None:
            _check_phones([value])
        return value

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

    @property
    def in_person(self) -> bool:
        """A place a person can go to (everything but a phone line)."""
        return self.kind is not ServiceKind.HOTLINE

    @property
    def reachable(self) -> bool:
        """Whether a card can tell the person how to get there (issue 12: every card reachable)."""
        return bool(self.phones) or self.referral is not None or self.staff_referral

    @property
    def source_day(self) -> dt.date | None:
        """The source's date, read as its first day when only a year or a month is given."""
        if self.source_date is None:
            return None
        parts = [int(p) for p in self.source_date.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])

    @property
    def may_have_changed(self) -> bool:
        """Say "may have changed": the source is weak, undated, or older than the 2025
        reorganisation. Entries checked by the project (no research confidence) are judged by
        ``verified`` alone."""
        if self.confidence is None:
            return False
        day = self.source_day
        return self.confidence is Confidence.LOW or day is None or day < REORGANISED

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
    source_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    source_date: str | None = Field(default=None, pattern=_PARTIAL_DATE)
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


class CommuneBody(BaseModel):
    """A body every 2025 commune has by law, written once and generated for all 3,321 communes
    (``knowledge.fallback``). ``{unit}`` in a text becomes the commune's name ("phường Tân An";
    in English "Tân An ward"). No street address and no phone: none is sourced per commune."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]{1,30}$")  # no hyphen: ids are built with one
    name: Localized
    # A different name for one type of unit (gazetteer ``type``: "Xã", "Phường", "Đặc khu").
    names_by_type: dict[str, Localized] = Field(default_factory=dict)
    kind: ServiceKind
    offers: list[Offer] = Field(default_factory=list)
    note: Localized
    referral: str | None = None
    # Needs for which this body is offered first among the commune's bodies.
    first_for: list[Need] = Field(default_factory=list)
    source: str = Field(min_length=3)
    source_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    source_date: str | None = Field(default=None, pattern=_PARTIAL_DATE)
    verified_on: dt.date

    _source_date = field_validator("source_date", mode="before")(_date_text)

    @field_validator("referral")
    @classmethod
    def _referral(cls, value: str | None) -> str | None:
        if value is not None:
            _check_phones([value])
        return value


class UnitWords(BaseModel):
    """How a commune is named inside a sentence when its name is known, and when it is not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    types: dict[str, Localized]
    unknown: Localized
