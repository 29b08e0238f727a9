"""Place resolution: from what a person types to a 2025 province (and commune where named).

People write "em đang ở bac giang", "toi song o tien giang", "Q9", "TP.HCM", "Đà Lạt" or a commune
with a typo. The resolver folds the text (``knowledge.text``), looks up every run of up to six
words in one exact index of names and aliases, old and new, and only then tries fuzzy matching.

Rules that keep it honest:
- A province-level name (new, old or a shorthand) and a well-known city may stand inside a
  sentence. A district or commune name may not, unless the person typed little else or a province
  in the same text contains it: many commune names are ordinary words ("Hòa Bình", "Thống Nhất").
- A name that exists in several provinces is returned as ``ambiguous``, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from pydantic import BaseModel
from rapidfuzz import fuzz, process

from knowledge.gazetteer import Commune, Gazetteer, LegacyDistrict
from knowledge.text import compact, fold, tokens

MAX_NGRAM = 6
_KEY = re.compile(r"[a-z0-9]+")  # already a compact key: no folding needed
MAX_CANDIDATES = 8

UNIT_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Thành phố": ("tp", "thanh pho"),
    "Thị xã": ("tx", "thi xa"),
    "Thị trấn": ("tt", "thi tran"),
    "Quận": ("q", "quan", "district"),
    "Huyện": ("h", "huyen"),
    "Phường": ("p", "phuong", "ward"),
    "Xã": ("x", "xa", "commune"),
    "Đặc khu": ("dac khu",),
    "Tỉnh": ("tinh", "province"),
}

# Words around a place that carry no place: pronouns, "I live in", particles, unit words.
FILLER = frozenset(
    """
    em toi minh tao anh chi co ba ong con chau chung ban dang o song tai nha gan khu vuc thuoc
    tinh thanh pho huyen quan xa phuong thi tran la a ah nhe nha oi dia cua que hien nay gio
    bay day ben phia va voi the vay i im am in at live living near from city province district
    ward commune town my home of hi hello chao xin vo chong duoc dc
    """.split()
)


class Level(IntEnum):
    """How big a unit a name denotes; smaller is bigger and wins a tie on the same words."""

    PROVINCE = 0
    LEGACY_PROVINCE = 1
    CITY = 2
    DISTRICT = 3
    COMMUNE = 4
    LEGACY_COMMUNE = 5


@dataclass(frozen=True, slots=True)
class Target:
    level: Level
    province: int  # the 2025 province the name lies in
    legacy_province: int | None = None  # the old province, when the name is an old unit
    district: LegacyDistrict | None = None
    communes: tuple[int, ...] = ()  # the 2025 commune(s) the name denotes
    label: str = ""
    full_name: bool = False  # typed with its unit word ("xã Tân An"): stands in a sentence

    @property
    def tier(self) -> int:
        """Province (new or old), district (city or not), commune (new or old)."""
        if self.level <= Level.LEGACY_PROVINCE:
            return 0
        return 1 if self.level <= Level.DISTRICT else 2

    @property
    def free(self) -> bool:
        return self.level <= Level.CITY or self.full_name


class ProvinceRef(BaseModel):
    code: int
    name: str


class Candidate(BaseModel):
    province: ProvinceRef
    district: str | None = None
    commune: str | None = None


class Resolution(BaseModel):
    """What a text names. ``province`` is None when nothing or several places were found."""

    input: str
    province: ProvinceRef | None = None
    legacy_province: str | None = None
    district: str | None = None
    commune: str | None = None
    commune_code: int | None = None
    ambiguous: list[Candidate] = []
    lat: float | None = None
    lon: float | None = None
    fuzzy: bool = False

    @property
    def found(self) -> bool:
        return self.province is not None

    def public(self) -> dict[str, object]:
        """The CLI's JSON shape (``binhan where``)."""
        return {
            "input": self.input,
            "province": self.province.model_dump() if self.province else None,
            "legacy_province": self.legacy_province,
            "commune": self.commune,
            "ambiguous": [c.model_dump(exclude_none=True) for c in self.ambiguous],
        }


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    targets: tuple[Target, ...]


class PlaceResolver:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gz = gazetteer
        self._index: dict[str, list[Target]] = {}
        self._spaced: set[str] = set()  # short names with their word breaks, for fuzzy matching
        self._build()
        self._big_keys = [
            k for k, ts in self._index.items() if any(t.level <= Level.CITY for t in ts)
        ]
        self._spaced_keys = list(self._spaced)

    # -- index -------------------------------------------------------------------------------
    def _add(self, name: str, target: Target) -> None:
        key = compact(name)
        if not key:
            return
        bucket = self._index.setdefault(key, [])
        if target not in bucket:
            bucket.append(target)

    def _add_unit(self, unit_type: str, short: str, target: Target) -> None:
        """Index a unit by its short name (unless it is a bare number) and its typed full names."""
        from dataclasses import replace

        if not compact(short).isdigit():
            self._add(short, target)
            self._spaced.add(fold(short))
        for prefix in UNIT_ABBREVIATIONS.get(unit_type, ()):
            self._add(f"{prefix} {short}", replace(target, full_name=True))

    def _build(self) -> None:
        gz = self.gz
        for p in gz.provinces.values():
            target = Target(Level.PROVINCE, p.code, label=p.short)
            self._add_unit("Tỉnh", p.short, target)
            self._add_unit("Thành phố", p.short, target)
            self._add(p.name, target)
        for lp in gz.legacy_provinces.values():
            current = gz.provinces[lp.province]
            if compact(lp.short) == compact(current.short):
                continue  # unchanged name: the 2025 entry already covers it
            target = Target(Level.LEGACY_PROVINCE, lp.province, lp.code, label=lp.short)
            self._add_unit("Tỉnh", lp.short, target)
            self._add_unit("Thành phố", lp.short, target)
        for d in gz.legacy_districts.values():
            level = Level.CITY if d.is_city else Level.DISTRICT
            target = Target(
                level, d.province, d.legacy_province, d, tuple(sorted(d.communes)), d.short
            )
            self._add_unit(d.type, d.short, target)
        for c in gz.communes.values():
            target = Target(Level.COMMUNE, c.province, communes=(c.code,), label=c.short)
            self._add_unit(c.type, c.short, target)
        for lc in gz.legacy_communes:
            unit_type = next(
                (t for t in ("Phường", "Xã", "Thị trấn") if lc.name.startswith(t + " ")), ""
            )
            short = lc.name[len(unit_type) + 1 :] if unit_type else lc.name
            district = gz.legacy_districts[(lc.legacy_province, lc.district)]
            province = gz.communes[lc.communes[0]].province
            target = Target(
                Level.LEGACY_COMMUNE, province, lc.legacy_province, district, lc.communes, short
            )
            self._add_unit(unit_type, short, target)
        self._add_numbered_bases()
        for alias in gz.aliases:
            self._add_alias(alias.alias, alias.kind, alias.target)

    def _add_numbered_bases(self) -> None:
        """Old wards split by number ("Mỹ Đình 1", "Mỹ Đình 2") are said without it ("Mỹ
        Đình"): the bare name is indexed too, as one place when the numbered units shared a
        district (its communes together), otherwise as each of them (all in one province: that
        province; in several: ambiguous). Only for two or more numbered units of one name, so a
        lone "Hòa Bình 1" does not make the common words "Hòa Bình" a commune."""
        from dataclasses import replace

        gz = self.gz
        groups: dict[tuple[str, str], list[Target]] = {}
        names: dict[tuple[str, str], set[str]] = {}
        for c in gz.communes.values():
            base = _numbered_base(c.short)
            if base:
                groups.setdefault((c.type, base), []).append(
                    Target(Level.COMMUNE, c.province, communes=(c.code,), label=base))
                names.setdefault((c.type, base), set()).add(c.name)
        for lc in gz.legacy_communes:
            unit_type = next(
                (t for t in ("Phường", "Xã", "Thị trấn") if lc.name.startswith(t + " ")), ""
            )
            base = _numbered_base(lc.name[len(unit_type) + 1 :] if unit_type else lc.name)
            if not base:
                continue
            district = gz.legacy_districts[(lc.legacy_province, lc.district)]
            province = gz.communes[lc.communes[0]].province
            groups.setdefault((unit_type, base), []).append(Target(
                Level.LEGACY_COMMUNE, province, lc.legacy_province, district, lc.communes, base))
            names.setdefault((unit_type, base), set()).add(f"{lc.legacy_province}/{lc.name}")
        for key, targets in groups.items():
            unit_type, base = key
            if len(names[key]) < 2:
                continue
            districts = {id(t.district) for t in targets}
            if len(districts) == 1 and targets[0].district is not None:
                communes = tuple(sorted({c for t in targets for c in t.communes}))
                targets = [replace(targets[0], communes=communes)]
            for target in targets:
                self._add_unit(unit_type, base, target)

    def _add_alias(self, alias: str, kind: str, ref: str) -> None:
        gz = self.gz
        if kind == "province":
            p = gz.provinces[int(ref)]
            self._add(alias, Target(Level.PROVINCE, p.code, label=p.short))
        elif kind == "legacy_province":
            lp = gz.legacy_provinces[int(ref)]
            self._add(alias, Target(Level.LEGACY_PROVINCE, lp.province, lp.code, label=lp.short))
        elif kind == "legacy_district":
            code, name = ref.split("/", 1)
            d = gz.legacy_districts[(int(code), name)]
            self._add(
                alias,
                Target(Level.CITY, d.province, d.legacy_province, d, tuple(sorted(d.communes)),
                       d.short),
            )

    def is_name(self, text: str) -> bool:
        """Whether the text is exactly a place name or alias (any level, old or new, any spelling).

        Lets a reader check that the words after "ở" / "tại" spell a place before it resolves
        them, so an ordinary word next to a name is never stretched into one."""
        key = text if _KEY.fullmatch(text) else compact(text)
        return key in self._index

    # -- resolution --------------------------------------------------------------------------
    def resolve(self, text: str, *, small_typos: bool = True) -> Resolution:
        """What the text names. ``small_typos=False`` keeps fuzzy matching to provinces and
        cities: a reader that will not act on a commune guessed from a typo skips that search."""
        words = tokens(text)[:60]
        result = Resolution(input=text)
        matches = self._exact_matches(words)
        chosen = self._accept(matches, words)
        if not chosen:
            matched = {i for m in matches for i in range(m.start, m.end)}
            chosen = self._fuzzy(words, matched, small_typos)
            result.fuzzy = bool(chosen)
        if chosen:
            self._decide(chosen, result)
        return result

    def _exact_matches(self, words: list[str]) -> list[_Match]:
        found: list[_Match] = []
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + MAX_NGRAM) + 1):
                targets = self._index.get("".join(words[start:end]))
                if targets:
                    found.append(_Match(start, end, tuple(targets)))
        kept: list[_Match] = []
        for match in _best_cover(found, words):
            best = min(t.tier for t in match.targets)
            top = tuple(t for t in match.targets if t.tier == best)
            kept.append(_Match(match.start, match.end, top))
        return kept

    def _accept(self, matches: list[_Match], words: list[str]) -> list[Target]:
        """Keep what may stand where it stands (see the module docstring)."""
        covered = {i for m in matches for i in range(m.start, m.end)}
        leftover = [w for i, w in enumerate(words) if i not in covered and w not in FILLER]
        standalone = not leftover
        free = [t for m in matches for t in m.targets if t.free]
        provinces = {t.province for t in free if t.level <= Level.CITY}
        accepted: list[Target] = []
        for match in matches:
            filler_only = all(w in FILLER for w in words[match.start : match.end])
            for target in match.targets:
                if filler_only and not target.full_name:
                    continue  # "đang" is also a commune (Xã Dang): a filler word names nothing
                if target.free or standalone or target.province in provinces:
                    accepted.append(target)
        return accepted

    def _fuzzy(self, words: list[str], matched: set[int], small: bool = True) -> list[Target]:
        """Small typos. Province-level names anywhere in the text; a commune only when the text
        is little more than that name (a fuzzy commune inside a sentence is a guess)."""
        for size in (3, 2, 1, 4):
            for start in range(len(words) - size + 1):
                run = words[start : start + size]
                if all(w in FILLER for w in run) or matched & set(range(start, start + size)):
                    continue
                key = "".join(run)
                if len(key) < 5:
                    continue
                hit = process.extractOne(key, self._big_keys, scorer=fuzz.ratio, score_cutoff=88)
                if hit is not None:
                    return [t for t in self._index[hit[0]] if t.level <= Level.CITY]
        content = [w for w in words if w not in FILLER]
        if not small or matched or not 2 <= len(content) <= 3:
            return []
        spaced = " ".join(content)
        hit = process.extractOne(spaced, self._spaced_keys, scorer=fuzz.ratio, score_cutoff=90)
        if hit is None or hit[0].count(" ") != spaced.count(" "):
            return []
        return list(self._index[compact(hit[0])])

    def _decide(self, targets: list[Target], result: Resolution) -> None:
        """Pick the single most precise place named, or report the places it could be."""
        gz = self.gz
        big = [t for t in targets if t.tier == 0]
        provinces = {t.province for t in big}
        if len(provinces) > 1:
            result.ambiguous = self._candidates(big)
            return
        mid = [t for t in targets if t.tier == 1 and (not provinces or t.province in provinces)]
        small = [t for t in targets if t.tier == 2 and (not provinces or t.province in provinces)]
        if mid and small:
            # A district named with a commune keeps the communes inside it (or none at all).
            small = [
                c
                for c in small
                if any(d.district is not None and set(c.communes) <= d.district.communes
                       for d in mid)
            ]
        pick: Target | None = None
        for level in (small, mid):
            if not level:
                continue
            places = _unique_places(level)
            if len({t.province for t in places}) > 1:
                result.ambiguous = self._candidates(places)
                return
            if len(places) == 1:
                pick = places[0]
            break
        anchor = pick or next(iter(small or mid or big), None)
        if anchor is None:
            return
        province = gz.provinces[anchor.province]
        result.province = ProvinceRef(code=province.code, name=province.short)
        legacy = anchor.legacy_province or next(
            (t.legacy_province for t in big if t.legacy_province), None
        )
        if legacy is not None and gz.legacy_provinces[legacy].short != province.short:
            result.legacy_province = gz.legacy_provinces[legacy].short
        result.lat, result.lon = province.lat, province.lon
        if anchor.level is Level.LEGACY_PROVINCE and anchor.legacy_province is not None:
            old = gz.legacy_provinces[anchor.legacy_province]
            result.lat, result.lon = old.lat, old.lon
        if pick is None:
            return
        if pick.district is not None:
            result.district = pick.district.name
            result.lat, result.lon = pick.district.lat, pick.district.lon
        if pick.tier == 2 and len(pick.communes) == 1:
            commune: Commune = gz.communes[pick.communes[0]]
            result.commune = commune.name
            result.commune_code = commune.code
            result.lat, result.lon = commune.lat, commune.lon

    def _candidates(self, targets: list[Target]) -> list[Candidate]:
        unique: dict[tuple[object, ...], Candidate] = {}
        for target in targets:
            candidate = self._candidate(target)
            key = (candidate.province.code, candidate.district, candidate.commune)
            unique.setdefault(key, candidate)
        return list(unique.values())[:MAX_CANDIDATES]

    def _candidate(self, target: Target) -> Candidate:
        province = self.gz.provinces[target.province]
        commune = None
        if target.level >= Level.COMMUNE and len(target.communes) == 1:
            commune = self.gz.communes[target.communes[0]].name
        district = target.district.name if target.district is not None else None
        return Candidate(
            province=ProvinceRef(code=province.code, name=province.short),
            district=district,
            commune=commune,
        )


def _best_cover(found: list[_Match], words: list[str]) -> list[_Match]:
    """Names that do not overlap and cover the most words; among those, the fewest names (the
    longest), then the biggest units. "xã Tân Phú, Đồng Nai" is a commune and its province, not
    "Tân Phú Đông" (a district of Đồng Tháp) with "nai" left over, as the longest name alone
    would have it. Filler words ("ở", "em") count for nothing: "ở Lâm Đồng" is not "Xã Ô Lâm"
    and a "Đông"."""
    size = len(words)
    by_start: dict[int, list[_Match]] = {}
    for match in found:
        by_start.setdefault(match.start, []).append(match)
    # best[i]: (content words covered, -names, words covered, -sum of levels) from word i on,
    # and the names taken ("xã Tân Phú" typed with its unit word beats the district "Tân Phú")
    Score = tuple[int, int, int, int]
    best: list[tuple[Score, list[_Match]]] = [((0, 0, 0, 0), [])] * (size + 1)
    for i in range(size - 1, -1, -1):
        choice = best[i + 1]
        for match in by_start.get(i, ()):
            (covered, names, spanned, levels), rest = best[match.end]
            level = min(t.level for t in match.targets)
            content = sum(w not in FILLER for w in words[match.start:match.end])
            score = (covered + content, names - 1, spanned + match.end - match.start,
                     levels - level)
            if score > choice[0]:
                choice = (score, [match, *rest])
        best[i] = choice
    return best[0][1]


_NUMBERED = re.compile(r"^(\D+?)\s+\d{1,2}$")


def _numbered_base(short: str) -> str | None:
    """"Mỹ Đình 1" -> "Mỹ Đình"; None for a name without a number or a one-word base ("Lộ 25",
    "Đường 10": too common a word to stand alone)."""
    m = _NUMBERED.match(short)
    if m is None or len(m.group(1).split()) < 2:
        return None
    return m.group(1)


def _unique_places(targets: list[Target]) -> list[Target]:
    seen: dict[tuple[int, tuple[int, ...]], Target] = {}
    for target in sorted(targets, key=lambda t: t.level):
        seen.setdefault((target.province, target.communes), target)
    return list(seen.values())
