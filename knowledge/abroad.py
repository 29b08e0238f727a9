"""Help for Vietnamese people outside Vietnam: where a point or a typed name is, who helps there.

CONTRACT (shared by the abroad, understanding and conversation work this round): the names below
are the interface; fields may be added, not renamed.

Why a real border and not a box: Hà Khẩu (China) and the Cambodian casino towns lie inside any box
drawn around Vietnam, and a woman there must not be told "in your province, call 113". The
borders are Natural Earth polygons (``data/abroad/*.geojson``, see the README there), tested with
a small ray-casting routine over an edge index (``knowledge.borders``).

Why typed names are matched with care: the short forms people use for countries are also
ordinary words once diacritics are gone ("lao dong" is work, "co thai" is pregnant, "cam" is
orange) and some foreign towns share a name with a Vietnamese commune (Đông Hưng). Those aliases
count only with a cue ("sang Nhật", "ở bên Lào") and never inside a Vietnamese place name.

Facts come only from ``data/abroad/abroad_help.csv`` (copied from the research folder, every row
with its source URL and date). 111 is a Vietnamese short code: it is never listed as a number to
dial from abroad, only as the line family in Vietnam can call.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path

from knowledge.borders import Borders
from knowledge.geo import valid_coordinates
from knowledge.text import fold

VIETNAM = "VN"

# A point in none of the polygons but this close to Vietnam's (Natural Earth's coastline is
# generalised) and this close to a commune centre is a seaside place in Vietnam.
COAST_KM = 5.0
COMMUNE_KM = 15.0
# Island communes smaller than the 1:10m map can draw: this close to their centre is Vietnam.
ISLAND_KM = 3.0
# A point this close to a foreign country's polygon (a port, a beach) is in that country.
FOREIGN_COAST_KM = 5.0


class LineKind(StrEnum):
    """What a number is for; the values are the contract's strings."""

    EMERGENCY = "emergency"
    POLICE = "police"
    AMBULANCE = "ambulance"
    DV_LINE = "dv_line"
    MIGRANT_LINE = "migrant_line"
    TRAFFICKING_LINE = "trafficking_line"
    EMBASSY = "embassy"
    CONSULATE = "consulate"
    CITIZEN_PROTECTION = "citizen_protection"


# The research file's kinds, mapped to the contract's.
_KINDS = {
    "emergency": LineKind.EMERGENCY,
    "emergency_police": LineKind.POLICE,
    "emergency_medical": LineKind.AMBULANCE,
    "dv_hotline": LineKind.DV_LINE,
    "migrant_hotline": LineKind.MIGRANT_LINE,
    "trafficking_hotline": LineKind.TRAFFICKING_LINE,
    "embassy": LineKind.EMBASSY,
    "consulate": LineKind.CONSULATE,
    "vn_citizen_protection": LineKind.CITIZEN_PROTECTION,
}

# The order help is shown in: emergency first, then help lines, then missions, then Hà Nội.
_ORDER = {
    LineKind.EMERGENCY: 0,
    LineKind.POLICE: 1,
    LineKind.AMBULANCE: 2,
    LineKind.DV_LINE: 3,
    LineKind.MIGRANT_LINE: 4,
    LineKind.TRAFFICKING_LINE: 5,
    LineKind.EMBASSY: 6,
    LineKind.CONSULATE: 7,
    LineKind.CITIZEN_PROTECTION: 8,
}



_FIRST_NUMBER = re.compile(r"[+#]?\d[\d \-]*\d")


@dataclass(frozen=True)
class AbroadLine:
    """One number to call abroad: local emergency, a help line, an embassy or consulate."""

    kind: str  # a LineKind value: "emergency" | "police" | "ambulance" | "dv_line" |
    #  "migrant_line" | "trafficking_line" | "embassy" | "consulate" | "citizen_protection"
    name_vi: str
    name_en: str
    number: str  # as the source gives it; may hold several ("15999; WhatsApp +60 19-261 5999")
    languages: tuple[str, ...] = ()
    note_vi: str = ""
    note_en: str = ""
    source: str = ""
    source_date: str = ""
    country: str = ""  # ISO code of the country the line serves (VN for Hà Nội's lines)
    city: str = ""
    hours: str = ""
    cost: str = ""
    confidence: str = ""  # high | medium | low, from the research file
    research_note: str = ""  # the researcher's note, for staff and maintainers, not for display
    dialable_abroad: bool = True  # False for Vietnamese short codes such as 111
    conflicting: bool = False  # sources disagree on the number: confirm before use

    @property
    def may_have_changed(self) -> bool:
        """Old or indirect sources: the bot says the number may have changed."""
        return self.confidence != "high"

    @property
    def dial(self) -> str:
        """The first number in ``number``, as written ("15999; WhatsApp +60 ..." gives "15999"),
        for a tap-to-call link; the full text stays what the person reads."""
        found = _FIRST_NUMBER.search(self.number)
        return found.group(0).strip() if found else ""

    @property
    def in_vietnamese(self) -> bool:
        """The source lists Vietnamese among the languages (by phone, chat or interpreter)."""
        return any("vietnamese" in x.lower() and "not stated" not in x for x in self.languages)


@dataclass(frozen=True)
class CountryHelp:
    country: str  # ISO 3166 alpha-2
    name_vi: str
    name_en: str
    lines: tuple[AbroadLine, ...]  # emergency numbers first, then help lines, then missions
    # Lines only family or friends in Vietnam can call for the person (111 for trafficking).
    from_vietnam: tuple[AbroadLine, ...] = ()


class PlaceKind(StrEnum):
    COUNTRY = "country"
    REGION = "region"
    CITY = "city"


@dataclass(frozen=True)
class AbroadAlias:
    """One way people type a country or a place in it (``abroad_aliases.csv``)."""

    country: str
    alias: str  # as written in the file, for display ("Busan", "Hà Khẩu")
    note: str
    place: PlaceKind
    key: tuple[str, ...]  # folded words
    ambiguous: bool  # the file says "ask": never taken alone as an answer
    needs_cue: bool  # an ordinary word or a Vietnamese place name once folded


@dataclass(frozen=True)
class AbroadMatch:
    """A name found in a message: which country, and the city or region if one was named."""

    country: str
    alias: AbroadAlias
    start: int  # word offsets in the folded text
    end: int
    # The name is also a Vietnamese commune, district or province ("Hà Khẩu" is a ward of Hạ
    # Long, "Đông Hưng" a commune of Hưng Yên): abroad only if the country is named too.
    also_vietnamese: bool = False

    @property
    def city(self) -> str | None:
        return None if self.alias.place is PlaceKind.COUNTRY else self.alias.alias

    @property
    def ambiguous(self) -> bool:
        """Not to be taken alone: ask which is meant."""
        return self.alias.ambiguous or self.also_vietnamese


# Short forms that are ordinary Vietnamese once folded (tàu = ship, lào/lao in "lao động",
# thái/thai = pregnancy, cam = orange, miên/miền, hàn/hạn, nhật/nhất, đài/dài, sing, mã/mà,
# đại hàn/dài hạn, nam hàn/năm hạn, bên trung/bên trung tâm): they count only after a cue word.
_COMMON_WORDS = {
    "tau", "lao", "thai", "cam", "mien", "han", "nhat", "dai", "sing", "ma", "dl", "hq",
    "dai han", "nam han", "ben trung", "a rap", "kl", "xe ut",
}
# Words before a short form that make it a place: "ở/tại/sang/qua/bên/nước/đến/về/đi/xứ/từ".
# Not "tới": folded it is "tôi" (I), and "tôi nhặt" is not "to Japan".
_CUES = {"o", "tai", "sang", "qua", "ben", "nuoc", "den", "ve", "di", "xu", "tu"}
# Narrower cues where a common phrase would read wrong: "đi tàu" (by train), "quá hạn" (overdue).
# "hàn" is also "hắn" (him): "em đang ở bên hắn", "kể về hắn", "từ hắn" must stay him.
_CUES_FOR = {
    "tau": {"ben", "sang", "nuoc"},
    "han": {"o", "tai", "sang", "nuoc", "di", "xu"},
}
_NOT_ALONE = {"tau", "cam", "mien", "dai", "ma"}
# "đêm qua", "hôm qua", "năm qua": "qua" after a time word is "last", not "over to".
_TIME_BEFORE_QUA = {"dem", "hom", "toi", "chieu", "sang", "trua", "nam", "tuan", "thang", "vua",
                    "mua", "ngay", "khuya"}
_TYPED_WORD = re.compile(r"[^\W_]+")


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()
# Short forms that also name a Vietnamese place people abbreviate the same way: "ĐL" is Đà Lạt.
_ALSO_VIETNAMESE_SHORT = {"dl"}
# Words after a short form that make it an ordinary word again ("đi tàu hỏa", "lao động").
_NOT_AFTER = {
    "tau": {"hoa", "thuy", "bien", "ca", "xe", "dien", "cao", "ngam", "bay", "lua", "khach", "ra",
            "vao", "di", "chay", "con", "do", "nay", "cuoi", "dau", "tu", "ho"},
    "lao": {"dong", "cong", "vao", "ra", "toi", "xuong", "len", "di", "dau", "tam", "luc", "xao",
            "dao", "ly", "phoi", "khoa", "nhanh", "theo", "tu", "qua", "ve"},
    "thai": {"do", "nhi", "ky", "phu", "san", "hoa", "giam", "qua", "duong",
             "nghen", "ngen", "lan"},
    "cam": {"on", "ket", "thay", "xuc", "giac", "tinh", "dong", "nhan", "lanh", "cum", "bien",
            "xe", "phong", "tu", "do", "sanh", "nang", "chung", "thong"},
    "mien": {"bac", "nam", "trung", "tay", "dong", "phi", "ha", "que", "nui", "bien", "xa",
             "nuoc", "dat"},
    "han": {"che", "quoc", "tu", "dinh", "hoa", "gan", "han", "nha", "ben", "do", "day", "luon",
            "voi", "lai", "roi", "o", "trong", "ngoai", "ngay", "mot", "chua"},
    "nhat": {"la", "dinh", "thiet", "quyet", "tam", "tri", "rac", "do", "duoc", "lai", "len",
             "cua", "tien", "chai", "lua", "rau", "cui", "ve"},
    "dai": {"loan", "hoc", "bieu", "dien", "truyen", "phat", "ly", "su", "gia", "khai", "han",
            "dong", "doan", "ca", "tam", "tien"},
    "ben trung": {"tam", "thu", "uong", "hoc", "cap", "gian", "thanh", "binh", "ta", "doan",
                  "doi", "uy", "si", "ga", "tinh", "nien"},
}


@dataclass
class _Help:
    lines: list[AbroadLine] = field(default_factory=list)
    name_vi: str = ""
    name_en: str = ""


def data_folder() -> Path:
    return Path(str(resources.files("knowledge") / "data" / "abroad"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _languages(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r",(?![^(]*\))", text) if part.strip())


def _line(row: dict[str, str]) -> AbroadLine:
    number = row["phone"].strip()
    return AbroadLine(
        kind=_KINDS[row["kind"]].value,
        name_vi=row["name_vi"],
        name_en=row["name_en"],
        number=number,
        languages=_languages(row["languages"]),
        source=row["source_url"],
        source_date=row["source_date"],
        country=row["country_code"],
        city=row["city"],
        hours=row["hours"],
        cost=row["cost"],
        confidence=row["confidence"],
        research_note=row["notes"],
        # Vietnam's own short codes (111) cannot be dialled from abroad: no source says they can.
        dialable_abroad=not (row["country_code"] == VIETNAM and not number.startswith("+")),
        conflicting=row["notes"].upper().startswith("CONFLICT"),
    )


def _mission_rank(line: AbroadLine, near: str) -> float:
    """Missions that name the place first among missions; every other line keeps its rank.

    The place may be the mission's city ("Côn Minh") or the region its sourced name gives
    ("Tổng lãnh sự quán ... tại Nam Ninh (Quảng Tây)": a relative who says "Quảng Tây")."""
    if line.kind not in (LineKind.EMBASSY, LineKind.CONSULATE):
        return _ORDER[LineKind(line.kind)]
    wanted = f" {fold(near)} "
    said = " ".join(fold(x) for x in (line.city, line.research_note, line.name_vi, line.name_en))
    named = wanted.strip() and wanted in f" {said} "
    return _ORDER[LineKind.EMBASSY] - 0.5 if named else _ORDER[LineKind.EMBASSY]


class Abroad:
    """Country lookups: by coordinates (a real border, not a bounding box) and by typed names."""

    def __init__(
        self,
        folder: Path | None = None,
        commune_km: Callable[[float, float, float], float | None] | None = None,
        vietnamese_places: Iterable[str] | None = None,
    ) -> None:
        """``commune_km(lat, lon, max_km)`` gives the km to the nearest commune centre (the
        gazetteer's, by default); ``vietnamese_places`` are names that must never read as abroad
        (the gazetteer's, by default)."""
        self.folder = folder or data_folder()
        self._commune_km = commune_km
        self._vietnamese_places = vietnamese_places
        rows = _rows(self.folder / "abroad_help.csv")
        self.lines: tuple[AbroadLine, ...] = tuple(_line(row) for row in rows)
        self._help: dict[str, _Help] = {}
        for line, row in zip(self.lines, rows, strict=True):
            entry = self._help.setdefault(line.country, _Help())
            entry.lines.append(line)
            entry.name_vi = entry.name_vi or row["country_vi"]
            entry.name_en = entry.name_en or row["country_en"]
        self.aliases: tuple[AbroadAlias, ...] = tuple(self._load_aliases())

    # --- borders -------------------------------------------------------------------------

    @cached_property
    def borders(self) -> Borders:
        return Borders.load(
            [self.folder / "borders-near.geojson", self.folder / "world-50m.geojson"]
        )

    def country_at(self, lat: float, lon: float) -> str | None:
        """ISO code of the country at a point; VIETNAM inside Vietnam; None when unknown (sea)."""
        if not valid_coordinates(lat, lon):
            return None
        inside = self.borders.country_at(lat, lon)
        if inside is not None:
            return inside
        # At sea or on a border river by the map: the nearest coast or bank decides. A seaside
        # commune the generalised coastline leaves out is Vietnam; so is a small island commune.
        near_commune = self._nearest_commune_km(lat, lon, COMMUNE_KM)
        if near_commune is not None and near_commune <= ISLAND_KM:
            nearest = self.borders.nearest_country(lat, lon, ISLAND_KM)
            if nearest is None or nearest[0] == VIETNAM:
                return VIETNAM
        nearest = self.borders.nearest_country(lat, lon, max(COAST_KM, FOREIGN_COAST_KM))
        if nearest is None:
            return None
        country, km = nearest
        if country == VIETNAM:
            return VIETNAM if km <= COAST_KM and near_commune is not None else None
        return country if km <= FOREIGN_COAST_KM else None

    def _nearest_commune_km(self, lat: float, lon: float, max_km: float) -> float | None:
        if self._commune_km is None:
            from knowledge.gazetteer import default_gazetteer  # the gazetteer also imports us

            gazetteer = default_gazetteer()

            def commune_km(lat: float, lon: float, max_km: float) -> float | None:
                found = gazetteer.nearest_commune(lat, lon, max_km)
                return None if found is None else found[1]

            self._commune_km = commune_km
        return self._commune_km(lat, lon, max_km)

    def country_name(self, country: str) -> tuple[str, str]:
        """(Vietnamese name, English name); the English map name when the data has no row."""
        known = self._help.get(country)
        if known is not None:
            return known.name_vi, known.name_en
        english = self.borders.name(country) or country
        return english, english

    # --- help ----------------------------------------------------------------------------

    def help_for(self, country: str, near: str | None = None) -> CountryHelp | None:
        """The sourced help for a country; the citizen-protection line is always among them.

        Local emergency numbers first, then DV, migrant and trafficking lines, then Vietnam's
        embassy and consulates, then the Ministry's citizen-protection lines in Hà Nội. Numbers
        the sources disagree on and rows with no number are left out; 111 goes in
        ``from_vietnam`` (family in Vietnam can call it), never in ``lines``.

        ``near``, a city or region the person named ("Hà Khẩu", from ``find_in_text``), puts
        first among the missions the one whose city or sourced note names it (the consulate in
        Kunming covers Hà Khẩu); the order is otherwise the file's.
        """
        country = (country or "").strip().upper()
        if len(country) != 2 or not country.isalpha() or country == VIETNAM:
            return None
        local = self._help.get(country, _Help()).lines
        home = self._help.get(VIETNAM, _Help()).lines
        usable = [
            line
            for line in local
            if line.number and line.dialable_abroad and not line.conflicting
        ]
        usable.sort(key=lambda line: _ORDER[LineKind(line.kind)])  # stable: file order within
        if near:
            usable.sort(key=lambda line: _mission_rank(line, near))
        protection = [
            line for line in home if line.kind == LineKind.CITIZEN_PROTECTION and line.number
        ]
        from_vietnam = tuple(line for line in home if not line.dialable_abroad)
        name_vi, name_en = self.country_name(country)
        return CountryHelp(
            country=country,
            name_vi=name_vi,
            name_en=name_en,
            lines=tuple(usable + protection),
            from_vietnam=from_vietnam,
        )

    def entries(self, country: str) -> tuple[AbroadLine, ...]:
        """Directory entries for a country (issue 12, help abroad): every sourced row with a
        number, in the order ``help_for`` shows them, conflicting ones included but flagged."""
        country = (country or "").strip().upper()
        rows = [line for line in self.lines if line.country == country and line.number]
        return tuple(sorted(rows, key=lambda line: _ORDER[LineKind(line.kind)]))

    def countries(self) -> tuple[str, ...]:
        """Countries the research file has rows for (Vietnam aside)."""
        return tuple(code for code in self._help if code != VIETNAM)

    # --- names in text -------------------------------------------------------------------

    def _load_aliases(self) -> list[AbroadAlias]:
        found: list[AbroadAlias] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for row in _rows(self.folder / "abroad_aliases.csv"):
            note = row["note"]
            ambiguous = "ambiguous" in note.lower() or note.rstrip().lower().endswith("; ask")
            # "Hà Nam (TQ)": the bracket says which Hà Nam; people type the name without it.
            written = re.sub(r"\s*\([^)]*\)", "", row["alias"]).strip()
            spellings = [written, *re.findall(r"also '([^']+)'", note)]
            for spelling in spellings:
                key = tuple(fold(spelling).split())
                if not key or (row["country_code"], key) in seen:
                    continue
                seen.add((row["country_code"], key))
                found.append(
                    AbroadAlias(
                        country=row["country_code"],
                        alias=written,
                        note=note,
                        place=PlaceKind(row["place"]),
                        key=key,
                        ambiguous=ambiguous,
                        needs_cue=" ".join(key) in _COMMON_WORDS,
                    )
                )
        return found

    @cached_property
    def _spellings(self) -> dict[tuple[str, ...], set[str]]:
        """How each folded key is written in the file (lower case): "lao" is "lào" or "lao"."""
        found: dict[tuple[str, ...], set[str]] = {}
        for alias in self.aliases:
            for spelling in [alias.alias, *re.findall(r"also '([^']+)'", alias.note)]:
                if tuple(fold(spelling).split()) == alias.key:
                    found.setdefault(alias.key, set()).add(_lower(spelling))
        return found

    @cached_property
    def _by_first_word(self) -> dict[str, list[AbroadAlias]]:
        index: dict[str, list[AbroadAlias]] = {}
        for alias in self.aliases:
            index.setdefault(alias.key[0], []).append(alias)
        for bucket in index.values():
            bucket.sort(key=lambda a: -len(a.key))  # longest first
        return index

    @cached_property
    def _place_names(self) -> dict[str, list[tuple[str, ...]]]:
        """Vietnamese place names (folded words) by first word: never read as abroad."""
        names = self._vietnamese_places
        if names is None:
            from knowledge.gazetteer import default_gazetteer

            names = default_gazetteer().place_names()
        index: dict[str, list[tuple[str, ...]]] = {}
        for name in names:
            key = tuple(fold(name).split())
            if key:
                index.setdefault(key[0], []).append(key)
        return index

    def _vietnamese_place(self, words: list[str], start: int, end: int) -> int:
        """0 when words[start:end] is not a Vietnamese place; 1 when it is exactly one; 2 when
        it lies inside a longer one ("Lào" in "Lào Cai", "Nhật" in "Nhật Tân")."""
        found = 0
        for begin in range(max(0, start - 3), start + 1):
            for name in self._place_names.get(words[begin], ()):
                stop = begin + len(name)
                if stop >= end and tuple(words[begin:stop]) == name:
                    if begin < start or stop > end:
                        return 2
                    found = 1
        return found

    def find_all(self, text: str) -> list[AbroadMatch]:
        """Every foreign country or place named in a text, longest match first at each word,
        ambiguous ones included (``alias.ambiguous``) so the caller can ask which is meant."""
        words = fold(text or "").split()
        typed = [_lower(w) for w in _TYPED_WORD.findall(text or "")]
        if len(typed) != len(words):
            typed = words  # cannot line the typed words up: judge on the folded ones alone
        matches: list[AbroadMatch] = []
        i = 0
        while i < len(words):
            match = self._match_at(words, i)
            if match is not None and match.alias.needs_cue and not self._spelled_so(
                    typed[match.start:match.end], match.alias):
                match = None  # "lão" (him) typed with its marks is not "Lào"
            if match is None:
                i += 1
                continue
            matches.append(match)
            i = match.end
        return matches

    def _match_at(self, words: list[str], i: int) -> AbroadMatch | None:
        for alias in self._by_first_word.get(words[i], ()):
            end = i + len(alias.key)
            if tuple(words[i:end]) != alias.key:
                continue
            if alias.needs_cue and not self._cued(words, i, end, alias):
                continue
            place = self._vietnamese_place(words, i, end)
            if place == 2:
                return None
            also_vietnamese = place == 1 or " ".join(alias.key) in _ALSO_VIETNAMESE_SHORT
            return AbroadMatch(alias.country, alias, i, end, also_vietnamese=also_vietnamese)
        return None

    def _spelled_so(self, typed: list[str], alias: AbroadAlias) -> bool:
        """A short form typed with diacritics must be one of its own spellings."""
        written = " ".join(typed)
        return fold(written) == written or written in self._spellings.get(alias.key, {written})

    @staticmethod
    def _cued(words: list[str], start: int, end: int, alias: AbroadAlias) -> bool:
        key = " ".join(alias.key)
        if start == 0 and end == len(words):
            # The whole message: an answer to "where are you?" ("nhat", "TQ", "malay"), but not
            # for the commonest words ("tàu", "cam", "miên", "đài" alone are not a country).
            return key not in _NOT_ALONE
        if start == 0 or words[start - 1] not in _CUES_FOR.get(key, _CUES):
            return False
        if words[start - 1] == "qua" and start >= 2 and words[start - 2] in _TIME_BEFORE_QUA:
            return False  # "đêm qua lão…": last night, not "over to Laos"
        following = words[end] if end < len(words) else ""
        return following not in _NOT_AFTER.get(key, set())

    def find_in_text(self, text: str) -> tuple[str, str | None] | None:
        """(country ISO code, city or None) when the text names a foreign country or city.

        A city gives its country ("Busan" is KR). When a country and a city of it are both
        named, both come back. Ambiguous names ("Mã", "Ả Rập", "Tam giác vàng") and foreign
        names that are also Vietnamese places ("Hà Khẩu", "Đông Hưng", "Quảng Châu") are not
        taken alone; ``find_all`` reports them so the caller can ask which is meant.
        """
        found = self.find_all(text)
        clear = [m for m in found if not m.ambiguous]
        if not clear:
            return None
        country = clear[0].country
        # A city of that country, even one that is also a Vietnamese name ("Đông Hưng, TQ").
        city = next(
            (m.city for m in found if m.country == country and m.city and not m.alias.ambiguous),
            None,
        )
        return country, city


_DEFAULT: Abroad | None = None


def default_abroad() -> Abroad:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Abroad()
    return _DEFAULT
