"""Nearest-service search: from coordinates or a resolved place to a short, honest list.

Order of what is offered, so the list is never empty and never pretends:
1. services with a real position (exact or commune precision) within ``NEAR_KM``, nearest first;
2. services of the person's own province whose position is known only to the province;
3. farther positioned services (up to ``WIDE_KM``);
4. national services.
National hotlines always close the list (the conversation adds them). Coordinates outside Vietnam
give no services and a clear ``outside_vietnam`` flag.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from knowledge.abroad import default_abroad
from knowledge.directory import Directory, load_directory
from knowledge.gazetteer import Gazetteer, default_gazetteer
from knowledge.geo import GridIndex
from knowledge.models import Audience, Hotline, Need, Precision, Service
from knowledge.places import PlaceResolver, Resolution

NEAR_KM = 60.0
WIDE_KM = 300.0
# Small cells keep the candidates per ring few where trusted addresses are dense (benchmarks:
# at 100,000 services, nearest-5 p99 fell from about 46 ms with 0.25° cells to about 5 ms).
SERVICE_CELL_DEGREES = 0.05


class Scope(StrEnum):
    NEAR = "near"
    PROVINCE = "province"
    WIDER = "wider"
    NATIONAL = "national"


@dataclass(frozen=True)
class Hit:
    service: Service
    scope: Scope
    distance_km: float | None = None

    def public(self, lang: str = "vi") -> dict[str, object]:
        s = self.service
        return {
            "id": s.id,
            "name": s.name.get(lang),
            "kind": s.kind.value,
            "scope": self.scope.value,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "province": s.province,
            "phones": s.phones,
            "address": s.address if s.disclose_address else None,
            "verified": s.verified,
        }


@dataclass
class SearchResult:
    hits: list[Hit] = field(default_factory=list)
    province: int | None = None
    outside_vietnam: bool = False
    country: str | None = None  # ISO code when outside Vietnam and on a country's land or coast


class ServiceSearch:
    """Directory + gazetteer, indexed once; queries never scan the whole directory."""

    def __init__(self, directory: Directory, gazetteer: Gazetteer) -> None:
        self.directory = directory
        self.gazetteer = gazetteer
        self.resolver = PlaceResolver(gazetteer)
        self._grid: GridIndex[Service] = GridIndex(cell_degrees=SERVICE_CELL_DEGREES)
        # What each service fits, worked out once: the hot path then tests set membership.
        self._needs: dict[str, frozenset[Need | None]] = {
            s.id: frozenset([None, *(n for n in Need if s.serves(n, None))])
            for s in directory.services
        }
        self._by_province: dict[int, list[Service]] = defaultdict(list)
        self._national: list[Service] = []
        for service in directory.services:
            located = service.location is not None and service.location.precision in (
                Precision.EXACT,
                Precision.COMMUNE,
            )
            if located:
                assert service.location is not None
                self._grid.add(service.location.lat, service.location.lon, service)
            elif service.province is not None:
                self._by_province[service.province].append(service)
            else:
                self._national.append(service)

    def hotlines(self, province: int | None = None, emergency_only: bool = False) -> list[Hotline]:
        """Hotlines to show: national ones and the person's province, in their set order."""
        lines = [
            h
            for h in self.directory.hotlines
            if h.show
            and (h.province is None or h.province == province)
            and (not emergency_only or h.emergency)
        ]
        return sorted(lines, key=lambda h: (h.order, h.id))

    def nearest(
        self,
        lat: float,
        lon: float,
        need: Need | None = None,
        audience: Audience | None = None,
        limit: int = 5,
    ) -> SearchResult:
        located = self.gazetteer.locate(lat, lon)
        if located is None:
            return SearchResult(outside_vietnam=True, country=default_abroad().country_at(lat, lon))
        commune, _ = located
        return self._search(lat, lon, commune.province, need, audience, limit)

    def near_province(
        self,
        province: int | None,
        need: Need | None = None,
        audience: Audience | None = None,
        limit: int = 5,
    ) -> SearchResult:
        """From a province's centroid (a province chosen from a list, or none at all)."""
        known = self.gazetteer.provinces.get(province) if province is not None else None
        if known is None:
            return SearchResult(hits=self._fill([], need, audience, limit))
        return self._search(known.lat, known.lon, known.code, need, audience, limit)

    def near_place(
        self,
        place: Resolution,
        need: Need | None = None,
        audience: Audience | None = None,
        limit: int = 5,
    ) -> SearchResult:
        if place.province is None or place.lat is None or place.lon is None:
            return self.near_province(None, need, audience, limit)
        return self._search(place.lat, place.lon, place.province.code, need, audience, limit)

    def _search(
        self,
        lat: float,
        lon: float,
        province: int,
        need: Need | None,
        audience: Audience | None,
        limit: int,
    ) -> SearchResult:
        limit = max(1, min(limit, 20))

        needs = self._needs

        def fits(service: Service) -> bool:
            if need not in needs[service.id]:
                return False
            return audience is None or not service.audiences or audience in service.audiences

        found = self._grid.nearest(lat, lon, limit, accept=fits, max_km=WIDE_KM)
        hits = [Hit(s, Scope.NEAR, d) for d, s in found if d <= NEAR_KM]
        farther = [(d, s) for d, s in found if d > NEAR_KM]
        for distance, service in farther:
            if service.province == province and len(hits) < limit:
                hits.append(Hit(service, Scope.PROVINCE, distance))
        for service in self._by_province.get(province, ()):
            if fits(service) and len(hits) < limit:
                hits.append(Hit(service, Scope.PROVINCE))
        for distance, service in farther:
            if service.province != province and len(hits) < limit:
                hits.append(Hit(service, Scope.WIDER, distance))
        return SearchResult(
            hits=self._fill(hits, need, audience, limit), province=province
        )

    def _fill(
        self,
        hits: list[Hit],
        need: Need | None,
        audience: Audience | None,
        limit: int,
    ) -> list[Hit]:
        for service in self._national:
            if len(hits) >= limit:
                break
            if service.serves(need, audience):
                hits.append(Hit(service, Scope.NATIONAL))
        return hits


@cache
def default_search() -> ServiceSearch:
    """The bundled directory and gazetteer, loaded once per process."""
    gazetteer = default_gazetteer()
    return ServiceSearch(load_directory(province_codes=gazetteer.provinces), gazetteer)
