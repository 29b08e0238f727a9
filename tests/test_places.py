"""Place resolution. The expected mappings come from the merger table in vietnam.md, written out
here by hand so the test does not trust the gazetteer files it is checking."""

from __future__ import annotations

import pytest

from knowledge.places import PlaceResolver
from knowledge.text import fold

NEW_PROVINCES = {
    "Hà Nội": 1, "Cao Bằng": 4, "Tuyên Quang": 8, "Điện Biên": 11, "Lai Châu": 12, "Sơn La": 14,
    "Lào Cai": 15, "Thái Nguyên": 19, "Lạng Sơn": 20, "Quảng Ninh": 22, "Bắc Ninh": 24,
    "Phú Thọ": 25, "Hải Phòng": 31, "Hưng Yên": 33, "Ninh Bình": 37, "Thanh Hóa": 38,
    "Nghệ An": 40, "Hà Tĩnh": 42, "Quảng Trị": 44, "Huế": 46, "Đà Nẵng": 48, "Quảng Ngãi": 51,
    "Gia Lai": 52, "Khánh Hòa": 56, "Đắk Lắk": 66, "Lâm Đồng": 68, "Đồng Nai": 75,
    "Hồ Chí Minh": 79, "Tây Ninh": 80, "Đồng Tháp": 82, "Vĩnh Long": 86, "An Giang": 91,
    "Cần Thơ": 92, "Cà Mau": 96,
}

# old province -> 2025 province code (vietnam.md, "The 2025 reorganisation")
OLD_PROVINCES = {
    "Hà Nội": 1, "Hà Giang": 8, "Cao Bằng": 4, "Bắc Kạn": 19, "Tuyên Quang": 8, "Lào Cai": 15,
    "Điện Biên": 11, "Lai Châu": 12, "Sơn La": 14, "Yên Bái": 15, "Hòa Bình": 25,
    "Thái Nguyên": 19, "Lạng Sơn": 20, "Quảng Ninh": 22, "Bắc Giang": 24, "Phú Thọ": 25,
    "Vĩnh Phúc": 25, "Bắc Ninh": 24, "Hải Dương": 31, "Hải Phòng": 31, "Hưng Yên": 33,
    "Thái Bình": 33, "Hà Nam": 37, "Nam Định": 37, "Ninh Bình": 37, "Thanh Hóa": 38,
    "Nghệ An": 40, "Hà Tĩnh": 42, "Quảng Bình": 44, "Quảng Trị": 44, "Huế": 46,
    "Đà Nẵng": 48, "Quảng Nam": 48, "Quảng Ngãi": 51, "Bình Định": 52, "Phú Yên": 66,
    "Khánh Hòa": 56, "Ninh Thuận": 56, "Bình Thuận": 68, "Kon Tum": 51, "Gia Lai": 52,
    "Đắk Lắk": 66, "Đắk Nông": 68, "Lâm Đồng": 68, "Bình Phước": 75, "Tây Ninh": 80,
    "Bình Dương": 79, "Đồng Nai": 75, "Bà Rịa - Vũng Tàu": 79, "Hồ Chí Minh": 79,
    "Long An": 80, "Tiền Giang": 82, "Bến Tre": 86, "Trà Vinh": 86, "Vĩnh Long": 86,
    "Đồng Tháp": 82, "An Giang": 91, "Kiên Giang": 91, "Cần Thơ": 92, "Hậu Giang": 92,
    "Sóc Trăng": 92, "Bạc Liêu": 96, "Cà Mau": 96,
}


def test_tables_are_complete(gazetteer) -> None:
    assert len(NEW_PROVINCES) == 34 == len(gazetteer.provinces)
    assert len(OLD_PROVINCES) == 63 == len(gazetteer.legacy_provinces)


@pytest.mark.parametrize("name", sorted(NEW_PROVINCES))
@pytest.mark.parametrize("form", ["plain", "folded", "upper", "sentence"])
def test_every_2025_province(resolver: PlaceResolver, name: str, form: str) -> None:
    text = {
        "plain": name,
        "folded": fold(name),
        "upper": name.upper(),
        "sentence": f"em đang ở {fold(name)} ạ",
    }[form]
    result = resolver.resolve(text)
    assert result.province is not None, text
    assert result.province.code == NEW_PROVINCES[name]
    assert result.legacy_province is None
    assert result.ambiguous == []


@pytest.mark.parametrize("name", sorted(OLD_PROVINCES))
@pytest.mark.parametrize("form", ["plain", "folded", "sentence"])
def test_every_old_province(resolver: PlaceResolver, name: str, form: str) -> None:
    text = {"plain": name, "folded": fold(name), "sentence": f"toi song o {fold(name)}"}[form]
    result = resolver.resolve(text)
    assert result.province is not None, text
    assert result.province.code == OLD_PROVINCES[name]
    if name not in NEW_PROVINCES:
        assert result.legacy_province is not None
        assert fold(result.legacy_province) == fold(name)


@pytest.mark.parametrize(
    ("text", "code", "legacy"),
    [
        ("Sài Gòn", 79, None),
        ("sai gon", 79, None),
        ("Vũng Tàu", 79, "Bà Rịa - Vũng Tàu"),
        ("Đà Lạt", 68, None),
        ("Phan Thiết", 68, "Bình Thuận"),
        ("Quy Nhơn", 52, "Bình Định"),
        ("Hội An", 48, "Quảng Nam"),
        ("Sa Pa", 15, None),
        ("sapa", 15, None),
        ("Phủ Lý", 37, "Hà Nam"),
        ("HN", 1, None),
        ("HCM", 79, None),
        ("TP.HCM", 79, None),
        ("tp hcm", 79, None),
        ("SG", 79, None),
        ("TT Huế", 46, None),
        ("Thừa Thiên Huế", 46, None),
        ("BR-VT", 79, "Bà Rịa - Vũng Tàu"),
        ("hanoi", 1, None),
        ("Q9", 79, None),
        ("quận 1", 79, None),
        ("ÐÀ NẴNG", 48, None),
    ],
)
def test_cities_and_abbreviations(resolver, text: str, code: int, legacy: str | None) -> None:
    result = resolver.resolve(text)
    assert result.province is not None, text
    assert result.province.code == code
    assert result.legacy_province == legacy


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("em đang ở bac giang", 24),
        ("toi song o tien giang", 82),
        ("mình ở Cầu Giấy, Hà Nội", 1),
        ("nha em o vung tau", 79),
        ("i live in da lat", 68),
    ],
)
def test_places_inside_sentences(resolver, text: str, code: int) -> None:
    result = resolver.resolve(text)
    assert result.province is not None and result.province.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("bac giag", 24), ("tien gian", 82), ("nghe ann", 40), ("quang nagi", 51), ("ha tinhh", 42)],
)
def test_small_typos(resolver, text: str, code: int) -> None:
    result = resolver.resolve(text)
    assert result.province is not None and result.province.code == code
    assert result.fuzzy


def test_commune_resolves_with_province(resolver) -> None:
    result = resolver.resolve("phường 9 quận 3 tphcm")
    assert result.province is not None and result.province.code == 79
    assert result.district == "Quận 3"
    assert result.commune is not None
    assert result.lat is not None


def test_new_commune_alone(resolver) -> None:
    result = resolver.resolve("phường Tây Hồ, Hà Nội")
    assert result.province is not None and result.province.code == 1
    assert result.commune == "Phường Tây Hồ"


def test_commune_name_in_several_provinces_is_ambiguous(resolver) -> None:
    result = resolver.resolve("xã Tân An")
    assert result.province is None
    provinces = {c.province.code for c in result.ambiguous}
    assert len(provinces) >= 2


def test_shorthand_shared_by_two_provinces_is_ambiguous(resolver) -> None:
    result = resolver.resolve("dn")
    assert result.province is None
    assert {c.province.code for c in result.ambiguous} == {48, 75}


def test_two_provinces_named_is_ambiguous(resolver) -> None:
    result = resolver.resolve("hà nội hay nghệ an")
    assert result.province is None
    assert {c.province.code for c in result.ambiguous} == {1, 40}


def test_province_restricts_commune(resolver) -> None:
    result = resolver.resolve("xã Tân An, Nghệ An")
    assert result.province is not None and result.province.code == 40
    assert result.ambiguous == []


@pytest.mark.parametrize(
    "text",
    [
        "xin chào",
        "cứu tôi với",
        "toi bi chong danh",
        "nó đang đánh tôi",
        "hello",
        "ok",
        "",
        "🙂",
        "1234",
        "thống nhất với anh ấy rồi",
    ],
)
def test_non_place_text_resolves_to_nothing(resolver, text: str) -> None:
    result = resolver.resolve(text)
    assert result.province is None
    assert result.ambiguous == []


def test_public_shape(resolver) -> None:
    assert resolver.resolve("bac giang").public() == {
        "input": "bac giang",
        "province": {"code": 24, "name": "Bắc Ninh"},
        "legacy_province": "Bắc Giang",
        "commune": None,
        "ambiguous": [],
    }


# -- convfix2: old wards split by number, said without it ---------------------------------------

@pytest.mark.parametrize("text", ["Mỹ Đình", "my dinh", "phuong my dinh", "o my dinh ha noi"])
def test_a_numbered_ward_said_without_its_number(resolver: PlaceResolver, text: str) -> None:
    # "Mỹ Đình 1" and "Mỹ Đình 2" were both wards of Nam Từ Liêm, Hà Nội: the bare name is there
    place = resolver.resolve(text)
    assert place.province is not None and place.province.code == 1
    assert place.district == "Quận Nam Từ Liêm"


def test_a_numbered_name_in_two_provinces_needs_the_province(resolver: PlaceResolver) -> None:
    assert resolver.resolve("gia tan").ambiguous
    place = resolver.resolve("gia tan dong nai")
    assert place.province is not None and place.province.code == 75


def test_a_lone_numbered_commune_does_not_make_common_words_a_place(
    resolver: PlaceResolver,
) -> None:
    # only "Xã Hòa Bình 1" exists (Phú Yên): "hòa bình" (peace) stays the old province's name
    assert resolver.resolve("hoa binh").legacy_province == "Hòa Bình"
    assert not resolver.is_name("duong")  # "Xã Đường 10": one word, never alone


def test_a_commune_beside_its_province_is_not_swallowed_by_a_longer_name(
    resolver: PlaceResolver,
) -> None:
    # "tân phú đông" is a district of Đồng Tháp: read that way, "nai" was left over and a woman
    # in Đồng Nai was sent to Đồng Tháp; the reading that covers every word wins
    for text in ("xa Tan Phu, Dong Nai", "xã Tân Phú đồng nai"):
        place = resolver.resolve(text)
        assert place.province is not None and place.province.code == 75, text
        assert place.commune == "Xã Tân Phú"
    assert resolver.resolve("tan phu dong").province.code == 82  # the district alone still is
