"""Nearest search ordering and fallbacks, on a small directory built here with known positions."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.directory import Directory
from knowledge.models import Audience, Need, Service
from knowledge.search import Scope, ServiceSearch


def service(sid: str, **fields) -> Service:
    base = {
        "id": sid,
        "name": {"vi": sid},
        "kind": "trusted_address",
        "offers": ["emergency_shelter"],
        "source": "test fixture",
        "verified": True,
        "verified_on": dt.date(2026, 11, 1),
    }
    base.update(fields)
    return Service.model_validate(base)


def at(lat: float, lon: float) -> dict[str, object]:
    return {"lat": lat, "lon": lon, "precision": "exact"}


@pytest.fixture(scope="module")
def small(gazetteer) -> ServiceSearch:
    services = [
        service("hn-1km", province=1, location=at(21.035, 105.85)),
        service("hn-10km", province=1, location=at(21.12, 105.85)),
        service("hn-legal", kind="legal_aid", offers=["legal_aid"], province=1,
                location=at(21.03, 105.86)),
        service("hn-province-only", province=1),
        service("hn-children", province=1, audiences=["children"], location=at(21.04, 105.85)),
        service("haiphong", province=31, location=at(20.86, 106.68)),
        service("danang", province=48, location=at(16.05, 108.2)),
        service("national-line", kind="hotline", offers=["counselling", "emergency_shelter"]),
    ]
    return ServiceSearch(Directory(services=services), gazetteer)


def ids(result) -> list[str]:
    return [hit.service.id for hit in result.hits]


def test_nearest_first_then_province_then_wider_then_national(small) -> None:
    result = small.nearest(21.03, 105.85, need=Need.SHELTER, limit=10)
    assert ids(result) == [
        "hn-1km", "hn-children", "hn-10km", "hn-province-only", "haiphong", "national-line",
    ]  # Đà Nẵng, 760 km away, is beyond WIDE_KM: national services come first
    scopes = [hit.scope for hit in result.hits]
    assert scopes == [Scope.NEAR, Scope.NEAR, Scope.NEAR, Scope.PROVINCE, Scope.WIDER,
                      Scope.NATIONAL]
    distances = [h.distance_km for h in result.hits if h.scope is Scope.NEAR]
    assert distances == sorted(distances)
    assert result.province == 1


def test_need_and_audience_filter(small) -> None:
    legal = small.nearest(21.03, 105.85, need=Need.LEGAL)
    assert ids(legal) == ["hn-legal"]
    children = small.nearest(21.03, 105.85, need=Need.SHELTER, audience=Audience.CHILDREN)
    assert "hn-children" in ids(children)
    adults_only = small.nearest(21.03, 105.85, need=Need.SHELTER, audience=Audience.MEN)
    assert "hn-children" not in ids(adults_only)


def test_limit_is_respected(small) -> None:
    assert len(small.nearest(21.03, 105.85, limit=2).hits) == 2


def test_far_from_everything_falls_back_to_national(small) -> None:
    result = small.nearest(10.03, 105.77, need=Need.COUNSELLING)  # Cần Thơ
    assert ids(result) == ["national-line"]
    assert result.hits[0].scope is Scope.NATIONAL


@pytest.mark.parametrize(
    ("lat", "lon"), [(12.0, 114.5), (0.0, 0.0), (48.85, 2.35), (35.0, 139.0), (15.0, 111.0)]
)
def test_outside_vietnam_is_flagged(small, lat: float, lon: float) -> None:
    result = small.nearest(lat, lon)
    assert result.outside_vietnam
    assert result.hits == []


def test_nan_coordinates_are_outside(small) -> None:
    assert small.nearest(float("nan"), 105.0).outside_vietnam


def test_search_from_a_typed_place(small) -> None:
    place = small.resolver.resolve("ha noi")
    result = small.near_place(place, need=Need.SHELTER, limit=3)
    assert result.province == 1
    assert all(hit.service.province in (1, None) for hit in result.hits)


def test_unresolved_place_still_gets_national(small) -> None:
    result = small.near_place(small.resolver.resolve("xin chào"), need=Need.SHELTER)
    assert ids(result) == ["national-line"]


def test_bundled_confidential_shelter_never_discloses_address(search) -> None:
    result = search.nearest(21.03, 105.85, need=Need.SHELTER)
    peace = [h for h in result.hits if h.service.kind.value == "peace_house"]
    assert peace, "the bundled Hà Nội Peace Houses should be offered for shelter"
    assert all(h.public()["address"] is None for h in peace)
    assert all(h.service.phones for h in peace)


def test_bundled_hotlines_order_and_obsolete_hidden(search) -> None:
    numbers = [h.number for h in search.hotlines()]
    assert numbers[:4] == ["113", "1900 969 680", "111", "115"]
    assert "1800 1567" not in numbers
    # 1800 1744 (Thanh Hóa one-stop centre): no source gives it (issue 12), shown nowhere.
    assert "1800 1744" not in [h.number for h in search.hotlines(province=38)]
