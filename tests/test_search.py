"""Nearest search ordering and fallbacks, on a small directory built here with known positions."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from knowledge.directory import Directory
from knowledge.models import Audience, Need, Offer, Service
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


# -- issue 12 and issue 16 item 13: the bundled directory for people anywhere in Vietnam -------

def sourced_ids(result) -> list[str]:
    return [hit.service.id for hit in result.sourced]


def commune_hits(result):
    return [hit for hit in result.hits if hit.scope is Scope.COMMUNE]


def commune_at(gazetteer, province: int, name: str):
    return next(c for c in gazetteer.communes.values() if c.province == province and c.name == name)


def test_every_commune_has_its_police_and_peoples_committee(search, gazetteer) -> None:
    assert len(gazetteer.communes) == 3321
    assert len(search.bodies) == 2 * 3321
    for commune in gazetteer.communes.values():
        police, committee = search.bodies.for_commune(commune.code)
        for body in (police, committee):
            assert commune.short in body.name.vi and commune.short in (body.name.en or "")
            assert "Luật 13/2022, Điều 19" in body.name.vi
            assert body.address is None and body.phones == []  # nothing invented
            assert body.location.lat == commune.lat and body.location.lon == commune.lon
            assert body.province == commune.province and body.verified
        assert police.name.vi.startswith("Công an") and police.referral == "113"
        assert committee.name.vi.startswith("Ủy ban nhân dân ") and committee.referral is None
        if commune.type == "Đặc khu":
            # 3,319 commune police units for 3,321 units: a special zone's card names the
            # nearest police or border-guard post (Art. 19(1)(b)), not a unit that may not exist.
            assert "Đồn Biên phòng" in police.name.vi, commune.name
    assert "3.319" in police.note.vi and "Điều 19" in committee.note.vi


def test_the_commune_comes_after_the_real_places_everywhere(search, gazetteer) -> None:
    for commune in list(gazetteer.communes.values())[::7]:
        result = search.nearest(commune.lat, commune.lon, need=Need.SHELTER)
        scopes = [h.scope for h in result.hits]
        assert scopes[-2:] == [Scope.COMMUNE, Scope.COMMUNE], commune.name
        assert Scope.COMMUNE not in scopes[:-2]
        assert {h.service.id for h in commune_hits(result)} == {
            f"commune-police-{commune.code}", f"commune-committee-{commune.code}"
        }
        assert result.sourced, commune.name  # a sourced place with km (or the province's)


def test_tan_an_ward_police_card_reads_as_the_law_says(search, gazetteer) -> None:
    tan_an = commune_at(gazetteer, 92, "Phường Tân An")
    result = search.nearest(tan_an.lat, tan_an.lon)
    police = next(h.service for h in commune_hits(result) if h.service.kind.value == "police")
    assert police.name.vi == (
        "Công an phường Tân An — nơi tiếp nhận tin báo bạo lực gia đình (Luật 13/2022, Điều 19)"
    )
    assert police.name.en.startswith("Police of Tân An ward")
    assert "113" in police.note.vi and "Điều 20" in police.note.vi
    # The Cần Thơ social work centre is in this ward: first, within a few km.
    assert result.hits[0].service.id == "ctxh-cantho" and result.hits[0].distance_km < 5


def test_ca_mau_shelter_finds_the_can_tho_peace_house(search, resolver) -> None:
    place = resolver.resolve("em o ca mau, can cho o")
    assert place.province.code == 96
    result = search.near_place(place, need=Need.SHELTER, audience=Audience.WOMEN)
    peace = next(h for h in result.hits if h.service.id == "peace-house-cantho")
    assert peace.scope is Scope.WIDER and peace.approximate and 50 < peace.distance_km < 200
    assert result.hits[0].service.id == "peace-house-cantho"
    assert "bttxh-baclieu" not in sourced_ids(result)  # elderly and orphans: not a shelter
    assert [h.service.kind.value for h in commune_hits(result)] == ["commune_committee", "police"]


def test_a_sixteen_year_old_in_ca_mau_never_gets_the_elderly_centre_first(
    search, gazetteer
) -> None:
    hung_hoi = commune_at(gazetteer, 96, "Xã Hưng Hội")  # where the Bạc Liêu centre is
    for audience in (Audience.CHILDREN, None, Audience.WOMEN):
        result = search.nearest(hung_hoi.lat, hung_hoi.lon, audience=audience)
        assert result.hits[0].service.id != "bttxh-baclieu", audience
        assert not result.hits[0].service.referral_point, audience
    # It is still offered, as a referral point, to someone it serves.
    elderly = search.nearest(hung_hoi.lat, hung_hoi.lon, audience=Audience.ELDERLY, limit=10)
    assert "bttxh-baclieu" in sourced_ids(elderly)


def test_referral_points_are_never_first_and_follow_their_band(search, gazetteer) -> None:
    band = {Scope.NEAR: 0, Scope.PROVINCE: 1, Scope.WIDER: 2, Scope.NATIONAL: 3}
    for province in gazetteer.provinces:
        for audience in (None, Audience.CHILDREN, Audience.WOMEN):
            hits = search.near_province(province, audience=audience, limit=8).sourced
            if any(not h.service.referral_point for h in hits):
                assert not hits[0].service.referral_point, (province, audience)
            for a, b in itertools.pairwise(hits[1:]):  # the first may be pulled forward
                assert band[a.scope] <= band[b.scope], (province, audience)
                if band[a.scope] == band[b.scope]:
                    assert (a.service.referral_point, b.service.referral_point) != (True, False)
            assert all(h.scope in (Scope.NEAR, Scope.PROVINCE)
                       for h in hits if h.service.referral_point), (province, audience)


def test_legal_help_in_thu_duc(search, resolver) -> None:
    place = resolver.resolve("phuong thu duc")
    assert place.province.code == 79 and place.commune_code is not None
    result = search.near_place(place, need=Need.LEGAL)
    assert all(Offer.LEGAL_AID in h.service.offers for h in result.sourced)
    assert "info-legal" in result.info  # no legal aid centre sourced in Hồ Chí Minh City
    assert any("phường Thủ Đức" in h.service.name.vi for h in commune_hits(result))


def test_legal_help_where_a_legal_aid_centre_is_sourced(search, resolver) -> None:
    result = search.near_place(resolver.resolve("buon ma thuot"), need=Need.LEGAL)
    assert result.hits[0].service.id == "tgpl-daklak" and result.hits[0].scope is Scope.PROVINCE
    assert "info-legal" not in result.info


def test_a_loan_in_bac_giang_now_bac_ninh(search, resolver) -> None:
    place = resolver.resolve("muon vay von o bac giang")
    assert place.province.code == 24
    result = search.near_place(place, need=Need.LIVELIHOOD)
    assert "info-livelihood" in result.info
    assert commune_hits(result)  # the commune People's Committee is always there to ask


@pytest.mark.parametrize("text", ["lay chong dai loan ve o hai phong", "chong han quoc, o can tho"])
def test_birth_registration_after_marriage_abroad(search, resolver, text: str) -> None:
    result = search.near_place(resolver.resolve(text), need=Need.FOREIGN_MARRIAGE)
    first_body = commune_hits(result)[0].service
    assert first_body.kind.value == "commune_committee"
    assert Offer.CIVIL_REGISTRATION in first_body.offers
    if result.province == 92:
        assert "tip-vietnam-korea-cantho" in sourced_ids(result)
    else:
        assert "info-papers" in result.info


def test_quang_ngai_says_plainly_that_no_place_is_known(search, resolver) -> None:
    result = search.near_place(resolver.resolve("quang ngai"))
    assert result.province == 51
    assert "info-none-known-province" in result.info
    assert result.sourced and all(h.scope is Scope.WIDER for h in result.sourced)
    assert all(h.distance_km is not None for h in result.sourced)  # the nearest, with km


def test_vung_tau_is_hcmc_now(search, resolver) -> None:
    result = search.near_place(resolver.resolve("vung tau"), need=Need.SHELTER)
    assert result.province == 79
    assert "one-stop-hcm" in sourced_ids(result)
    assert result.hits[0].scope is Scope.PROVINCE


def test_trafficking_in_nghe_an(search, resolver) -> None:
    result = search.near_place(resolver.resolve("nghe an"), need=Need.TRAFFICKING)
    ids_ = sourced_ids(result)
    assert ids_[:2] == ["ctxh-nghean", "tip-huongduong-nghean"]
    assert "info-trafficking-111" in result.info
    assert search.hotlines(40, need=Need.TRAFFICKING)[0].number == "111"
    assert search.hotlines(40)[0].number == "113"


def test_dong_van_nearest_in_person_help(search, gazetteer) -> None:
    dong_van = commune_at(gazetteer, 8, "Xã Đồng Văn")
    result = search.nearest(dong_van.lat, dong_van.lon)
    assert result.commune == dong_van.code
    police, committee = (h.service for h in commune_hits(result))
    assert police.name.vi.startswith("Công an xã Đồng Văn") and police.referral == "113"
    assert committee.name.vi.startswith("Ủy ban nhân dân xã Đồng Văn")
    # The old Hà Giang's social work centre is in the person's (2025) province.
    assert result.hits[0].service.id == "tip-ctxh-hagiang"
    assert result.hits[0].scope is Scope.PROVINCE


def test_staff_only_places_are_left_out_when_no_one_is_on_duty(search, resolver) -> None:
    place = resolver.resolve("ha long quang ninh")
    on = search.near_place(place, need=Need.SHELTER)
    off = search.near_place(place, need=Need.SHELTER, staff_on_duty=False)
    assert "one-stop-quangninh" in sourced_ids(on)
    assert "one-stop-quangninh" not in sourced_ids(off)
    assert all(not h.service.staff_referral or h.service.phones for h in off.hits)
    assert commune_hits(off)


def test_every_province_has_a_sourced_place_or_says_none_is_known(search, gazetteer) -> None:
    assert len(gazetteer.provinces) == 34
    none_known = []
    for code in gazetteer.provinces:
        result = search.near_province(code, limit=20)
        own = [s for s in search.in_province(code) if s.in_person]
        if own:
            assert "info-none-known-province" not in result.info, code
            assert any(h.service.province == code for h in result.sourced), code
        else:
            assert "info-none-known-province" in result.info, code
            none_known.append(gazetteer.provinces[code].short)
    # What the research found no place for (November 2026): said plainly, not papered over.
    assert sorted(none_known) == sorted(
        ["Cao Bằng", "Hải Phòng", "Hưng Yên", "Ninh Bình", "Quảng Ngãi", "Đồng Tháp"]
    )


def test_public_card_fields_for_the_conversation(search, resolver) -> None:
    result = search.near_place(resolver.resolve("can tho"), need=Need.SHELTER)
    cards = {h.service.id: h.public() for h in result.hits}
    assert cards["ctxh-cantho"]["referral"] == "111"
    assert cards["ctxh-cantho"]["may_have_changed"] is True  # undated source
    assert cards["peace-house-cantho"]["address"] is None
    police = next(c for c in cards.values() if c["kind"] == "police")
    assert police["scope"] == "commune" and police["referral"] == "113"
