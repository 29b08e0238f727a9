"""Nearest-service search: from coordinates or a resolved place to a short, honest list.

Order of what is offered, so the list is never empty and never pretends:
1. places aimed at the person's need and audience, in three bands: within ``NEAR_KM`` nearest
   first; then the rest of the person's own province (places known only to their province, which
   have no distance worth showing); then farther places, up to ``WIDE_KM``, with km (approximate
   when the place is known only to its province: its distance is to that province's centre);
   then national ones;
2. "referral points" (places not aimed at people facing violence, e.g. a centre mainly for elderly
   people and orphans), offered only near the person or in their province, each after the fitting
   places of its band, and never first while any fitting place is offered;
3. after the ``limit`` sourced places, always: the bodies of the person's own commune that must
   receive a report of domestic violence (``knowledge.fallback``), or the generic wording when the
   commune is not known.
Places reached only through staff are left out when no one is on duty. Where no sourced place
answers a need, ``SearchResult.info`` names the catalogue's information cards to show instead.
National hotlines always close the list (the conversation adds them). Coordinates outside Vietnam
give no services and a clear ``outside_vietnam`` flag.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache

import numpy as np

from knowledge.abroad import default_abroad
from knowledge.directory import Directory, load_directory
from knowledge.fallback import CommuneBodies, commune_bodies
from knowledge.gazetteer import Gazetteer, default_gazetteer
from knowledge.geo import PointIndex
from knowledge.models import NEED_RULES, Audience, Hotline, Need, Precision, Service
from knowledge.places import PlaceResolver, Resolution

NEAR_KM = 60.0
WIDE_KM = 300.0
# Small cells keep the candidates per box few where trusted addresses are dense (benchmarks:
# at 100,000 services, nearest-5 p99 fell from about 46 ms with 0.25° cells to about 5 ms, and
# under 1 ms with the NumPy index).
SERVICE_CELL_DEGREES = 0.05


class Scope(StrEnum):
    NEAR = "near"
    PROVINCE = "province"
    WIDER = "wider"
    NATIONAL = "national"
    COMMUNE = "commune"  # a body of the person's own commune (the fallback everywhere)


class Info(StrEnum):
    """Catalogue keys (handlers/locales) of information cards for needs no sourced place meets."""

    LEGAL = "info-legal"
    LIVELIHOOD = "info-livelihood"
    PAPERS = "info-papers"
    TRAFFICKING = "info-trafficking-111"
    NONE_KNOWN = "info-none-known-province"


# Needs whose answer, where no sourced place is near, is an information card.
NEED_INFO: dict[Need, Info] = {
    Need.LEGAL: Info.LEGAL,
    Need.LIVELIHOOD: Info.LIVELIHOOD,
    Need.FOREIGN_MARRIAGE: Info.PAPERS,
}


@dataclass(frozen=True)
class Hit:
    service: Service
    scope: Scope
    distance_km: float | None = None
    # The distance is to the centre of the province the place is known in, not to the place.
    approximate: bool = False

    def public(self, lang: str = "vi") -> dict[str, object]:
        s = self.service
        return {
            "id": s.id,
            "name": s.name.get(lang),
            "kind": s.kind.value,
            "scope": self.scope.value,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "approximate": self.approximate,
            "province": s.province,
            "phones": s.phones,
            "referral": s.referral,
            "staff_referral": s.staff_referral,
            "address": s.address if s.disclose_address else None,
            "verified": s.verified,
            "may_have_changed": s.may_have_changed,
            "source_date": s.source_date,
        }


@dataclass
class SearchResult:
    hits: list[Hit] = field(default_factory=list)
    province: int | None = None
    outside_vietnam: bool = False
    commune: int | None = None
    country: str | None = None  # ISO code when outside Vietnam and on a country's land or coast
    # Catalogue keys of information cards to show after the places (see ``Info``).
    info: list[str] = field(default_factory=list)

    @property
    def sourced(self) -> list[Hit]:
        """The places from the directory files, without the commune fallback."""
        return [h for h in self.hits if h.scope is not Scope.COMMUNE]


class ServiceSearch:
    """Directory + gazetteer, indexed once; queries never scan the whole directory."""

    def __init__(self, directory: Directory, gazetteer: Gazetteer) -> None:
        self.directory = directory
        self.gazetteer = gazetteer
        self.resolver = PlaceResolver(gazetteer)
        # Ids of the services placed only at their province's centre.
        self._approximate: set[str] = set()
        # What each service fits, worked out once: the hot path then tests set membership.
        self._needs: dict[str, frozenset[Need | None]] = {
            s.id: frozenset([None, *(n for n in Need if s.serves(n, None))])
            for s in directory.services
        }
        self._in_province: dict[int, list[Service]] = defaultdict(list)
        self._national: list[Service] = []
        placed: list[tuple[float, float, Service]] = []
        for service in directory.services:
            position = self.position(service)
            if position is not None:
                lat, lon, approximate = position
                placed.append((lat, lon, service))
                if approximate:
                    self._approximate.add(service.id)
            if service.province is None:
                self._national.append(service)
            else:
                self._in_province[service.province].append(service)
        self._grid: PointIndex[Service] = PointIndex(placed, SERVICE_CELL_DEGREES)
        self._columns = _Columns(self._grid.items, self._needs)
        self.bodies: CommuneBodies = commune_bodies(directory, gazetteer)
        self._has_points = any(s.referral_point for s in directory.services)
        self._none_known = {
            code
            for code in gazetteer.provinces
            if not any(s.in_person for s in self._in_province.get(code, ()))
        }

    def position(self, service: Service) -> tuple[float, float, bool] | None:
        """Where a service is for distances: its own position, or (approximate) the centre of
        the old province it is known in, or of its 2025 province; None for national ones."""
        loc = service.location
        if loc is not None and loc.precision in (Precision.EXACT, Precision.COMMUNE):
            return loc.lat, loc.lon, False
        if loc is not None:
            return loc.lat, loc.lon, True
        if service.province is None:
            return None
        legacy = self._legacy_centre(service)
        if legacy is not None:
            return legacy[0], legacy[1], True
        province = self.gazetteer.provinces.get(service.province)
        if province is None:
            return None
        return province.lat, province.lon, True

    def _legacy_centre(self, service: Service) -> tuple[float, float] | None:
        if not service.legacy_province:
            return None
        for legacy in self.gazetteer.legacy_provinces.values():
            named = service.legacy_province in (legacy.short, legacy.name)
            if named and legacy.province == service.province:
                return legacy.lat, legacy.lon
        return None

    def in_province(self, province: int) -> list[Service]:
        """The sourced services of a 2025 province (for coverage and "none known")."""
        return list(self._in_province.get(province, ()))

    def hotlines(
        self, province: int | None = None, emergency_only: bool = False, need: Need | None = None
    ) -> list[Hotline]:
        """Hotlines to show: national ones and the person's province, in their set order; where
        trafficking is the need, 111 (the national anti-trafficking line, Decree 162/2025) first."""
        lines = [
            h
            for h in self.directory.hotlines
            if h.show
            and (h.province is None or h.province == province)
            and (not emergency_only or h.emergency)
        ]
        first = "111" if need is Need.TRAFFICKING else None
        return sorted(lines, key=lambda h: (h.number != first, h.order, h.id))

    def nearest(
        self,
        lat: float,
        lon: float,
        need: Need | None = None,
        audience: Audience | None = None,
        limit: int = 5,
        *,
        staff_on_duty: bool = True,
    ) -> SearchResult:
        located = self.gazetteer.locate(lat, lon)
        if located is None:
            return SearchResult(outside_vietnam=True, country=default_abroad().country_at(lat, lon))
        commune, _ = located
        return self._search(
            lat, lon, commune.province, commune.code, need, audience, limit, staff_on_duty
        )

    def near_province(
        self,
        province: int | None,
        need: Need | None = None,
        audience: Audience | None = None,
        limit: int = 5,
        *,
        staff_on_duty: bool = True,
    ) -> SearchResult:
        """From a province's centroid (a province chosen from a list, or none at all)."""
        known = self.gazetteer.provinces.get(province) if province is not None else None
        if known is None:
            fits = self._fits(need, audience, staff_on_duty)
            hits = self._fill([], fits, limit)
            return self._finish(SearchResult(hits=hits), None, need)
        return self._search(
            known.lat, known.lon, known.code, None, need, audience, limit, staff_on_duty
        )

    def near_place(
        self,
        place: Resolution,
        need: Need | None = None,
        audience: Audience | None = None,
        limit: int = 5,
        *,
        staff_on_duty: bool = True,
    ) -> SearchResult:
        if place.province is None or place.lat is None or place.lon is None:
            return self.near_province(None, need, audience, limit, staff_on_duty=staff_on_duty)
        return self._search(
            place.lat, place.lon, place.province.code, place.commune_code, need, audience, limit,
            staff_on_duty,
        )

    def _fits(
        self,
        need: Need | None,
        audience: Audience | None,
        staff_on_duty: bool,
        referral_point: bool | None = None,
    ) -> _Fit:
        """The filter for one query; ``referral_point`` picks one tier (None: both)."""
        return _Fit(self._needs, self._columns, need, audience, staff_on_duty, referral_point)

    def _search(
        self,
        lat: float,
        lon: float,
        province: int,
        commune: int | None,
        need: Need | None,
        audience: Audience | None,
        limit: int,
        staff_on_duty: bool,
    ) -> SearchResult:
        limit = max(1, min(limit, 20))
        aimed = self._fits(need, audience, staff_on_duty, False)
        hits = self._fill(self._banded(lat, lon, province, limit, aimed), aimed, limit)
        if self._has_points:
            # Referral points are local help: offered near the person or in their province,
            # after the fitting places of the same band, and never first.
            points = self._fits(need, audience, staff_on_duty, True)
            local = [
                h for h in self._banded(lat, lon, province, limit, points)
                if h.scope in (Scope.NEAR, Scope.PROVINCE)
            ]
            hits = _merge_bands(hits, local)[:limit]
        result = SearchResult(hits=hits, province=province, commune=commune)
        return self._finish(result, province, need)

    def _banded(
        self,
        lat: float,
        lon: float,
        province: int,
        limit: int,
        accept: _Fit,
    ) -> list[Hit]:
        """Up to ``limit`` accepted services: near, then own province, then wider."""
        found = self._grid.nearest(lat, lon, limit, accept=accept.mask, max_km=WIDE_KM)
        crowded = len(found) < limit or any(
            d > NEAR_KM and s.province != province for d, s in found
        )
        if crowded:
            # Farther places of another province may hide the person's own province's places,
            # which come first: look for those on their own (rare: only where places are few).
            own = self._grid.nearest(
                lat, lon, limit, accept=replace(accept, province=province).mask, max_km=WIDE_KM
            )
            seen = {s.id for _, s in found}
            found += [(d, s) for d, s in own if s.id not in seen]
        near: list[Hit] = []
        own_province: list[Hit] = []
        own_vague: list[Hit] = []
        wider: list[Hit] = []
        for distance, service in sorted(found, key=lambda e: e[0]):
            approximate = service.id in self._approximate
            if service.province == province and approximate:
                own_vague.append(Hit(service, Scope.PROVINCE))
            elif distance <= NEAR_KM and not approximate:
                near.append(Hit(service, Scope.NEAR, distance))
            elif service.province == province:
                own_province.append(Hit(service, Scope.PROVINCE, distance))
            else:
                wider.append(Hit(service, Scope.WIDER, distance, approximate))
        return (near + own_province + own_vague + wider)[:limit]

    def _fill(self, hits: list[Hit], fits: _Fit, limit: int) -> list[Hit]:
        """National services that fit, after the local ones, up to the limit."""
        for service in self._national:
            if len(hits) >= limit:
                break
            if fits(service):
                hits.append(Hit(service, Scope.NATIONAL))
        return hits

    def _finish(
        self, result: SearchResult, province: int | None, need: Need | None
    ) -> SearchResult:
        """The commune's bodies after the sourced places, and the information cards."""
        result.hits += [
            Hit(body, Scope.COMMUNE) for body in self.bodies.ordered(result.commune, need)
        ]
        local = [h for h in result.hits if h.scope in (Scope.NEAR, Scope.PROVINCE)]
        info = NEED_INFO.get(need) if need is not None else None
        if info is not None and need is not None and not any(
            _answers(h.service, need) for h in local
        ):
            result.info.append(info.value)
        if need is Need.TRAFFICKING:
            result.info.append(Info.TRAFFICKING.value)
        if province is not None and province in self._none_known:
            result.info.append(Info.NONE_KNOWN.value)
        return result


class _Columns:
    """What each placed service fits, as arrays in the grid's item order, so a query's filter
    is a few array look-ups on the candidates (``_Fit.mask``) rather than a call per service."""

    def __init__(self, services: list[Service], needs: dict[str, frozenset[Need | None]]) -> None:
        count = len(services)
        # One pass over the services, noting which rows are true for each column; then each
        # column is set at once (a column per need by generator took ~0.8 s at 100,000).
        by_need: dict[Need | None, list[int]] = {need: [] for need in (None, *Need)}
        by_audience: dict[Audience, list[int]] = {a: [] for a in Audience}
        points, staff_only, everyone, provinces = [], [], [], []
        for row, service in enumerate(services):
            for need in needs[service.id]:
                by_need[need].append(row)
            for audience in service.audiences:
                by_audience[audience].append(row)
            if not service.audiences:  # no audience list: serves all
                everyone.append(row)
            if service.referral_point:
                points.append(row)
            if service.staff_referral and not service.phones:
                staff_only.append(row)
            provinces.append(-1 if service.province is None else service.province)

        def column(rows: list[int]) -> np.ndarray:
            values = np.zeros(count, dtype=bool)
            values[rows] = True
            return values

        self.need: dict[Need | None, np.ndarray] = {n: column(r) for n, r in by_need.items()}
        self.audience: dict[Audience, np.ndarray] = {
            a: column(r) for a, r in by_audience.items()
        }
        self.referral_point = column(points)
        self.staff_only = column(staff_only)
        self.everyone = column(everyone)
        self.province = np.array(provinces, dtype=np.int64)


@dataclass(frozen=True)
class _Fit:
    """One query's filter: for one service (a call) or for grid items at once (``mask``); both
    say the same (tests/test_search_index.py)."""

    needs: dict[str, frozenset[Need | None]]
    columns: _Columns
    need: Need | None
    audience: Audience | None
    staff_on_duty: bool
    referral_point: bool | None = None
    province: int | None = None  # only this province's services

    def __call__(self, service: Service) -> bool:
        if self.need not in self.needs[service.id]:
            return False
        if self.referral_point is not None and service.referral_point is not self.referral_point:
            return False
        if not self.staff_on_duty and service.staff_referral and not service.phones:
            return False
        if self.province is not None and service.province != self.province:
            return False
        audience = self.audience
        return audience is None or not service.audiences or audience in service.audiences

    def mask(self, ids: np.ndarray) -> np.ndarray:
        c = self.columns
        ok = c.need[self.need][ids]
        if self.referral_point is not None:
            ok &= c.referral_point[ids] == self.referral_point
        if not self.staff_on_duty:
            ok &= ~c.staff_only[ids]
        if self.province is not None:
            ok &= c.province[ids] == self.province
        if self.audience is not None:
            ok &= c.everyone[ids] | c.audience[self.audience][ids]
        return ok


_BAND = {Scope.NEAR: 0, Scope.PROVINCE: 1, Scope.WIDER: 2, Scope.NATIONAL: 3, Scope.COMMUNE: 4}


def _merge_bands(aimed: list[Hit], points: list[Hit]) -> list[Hit]:
    """Referral points after the fitting places of their band; a fitting place always first."""
    merged = sorted([*aimed, *points], key=lambda h: (_BAND[h.scope], h.service.referral_point))
    if merged and merged[0].service.referral_point and aimed:
        merged.remove(aimed[0])
        merged.insert(0, aimed[0])
    return merged


def _answers(service: Service, need: Need) -> bool:
    """Whether a place meets the need itself (not only through the audience it serves)."""
    offers, kinds, _ = NEED_RULES[need]
    return bool(offers.intersection(service.offers)) or service.kind in kinds


@cache
def default_search() -> ServiceSearch:
    """The bundled directory and gazetteer, loaded once per process."""
    gazetteer = default_gazetteer()
    return ServiceSearch(load_directory(province_codes=gazetteer.provinces), gazetteer)
