"""Help for Vietnamese people outside Vietnam: where a point or a typed name is, who helps there.

CONTRACT (shared by the abroad, understanding and conversation work this round): the names below
are the interface; fields may be added, not renamed. This first version is a stub that knows no
country, so the dialogue can be built against it before the data lands.
"""

from __future__ import annotations

from dataclasses import dataclass

VIETNAM = "VN"


@dataclass(frozen=True)
class AbroadLine:
    """One number to call abroad: local emergency, a help line, an embassy or consulate."""

    kind: str  # "emergency" | "police" | "ambulance" | "dv_line" | "migrant_line" |
    #            "trafficking_line" | "embassy" | "consulate" | "citizen_protection"
    name_vi: str
    name_en: str
    number: str
    languages: tuple[str, ...] = ()
    note_vi: str = ""
    note_en: str = ""
    source: str = ""
    source_date: str = ""


@dataclass(frozen=True)
class CountryHelp:
    country: str  # ISO 3166 alpha-2
    name_vi: str
    name_en: str
    lines: tuple[AbroadLine, ...]  # emergency numbers first, then help lines, then missions


class Abroad:
    """Country lookups: by coordinates (a real border, not a bounding box) and by typed names."""

    def country_at(self, lat: float, lon: float) -> str | None:
        """ISO code of the country at a point; VIETNAM inside Vietnam; None when unknown (sea)."""
        return None

    def find_in_text(self, text: str) -> tuple[str, str | None] | None:
        """(country ISO code, city or None) when the text names a foreign country or city."""
        return None

    def help_for(self, country: str) -> CountryHelp | None:
        """The sourced help for a country; the citizen-protection line is always among them."""
        return None


_DEFAULT: Abroad | None = None


def default_abroad() -> Abroad:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Abroad()
    return _DEFAULT
