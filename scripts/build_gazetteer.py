"""Build Bình An's gazetteer files from the reference data in ``../shared/data``.

Why a script: the product must never read ``../shared`` at run time, and the copied data must be
reproducible and carry its provenance. Run ``make gazetteer`` (or this file with a source and a
target folder); the output is committed under ``knowledge/data/gazetteer/``.

The output is four small CSV files keyed on NSO codes, plus ``aliases.csv`` (the shorthands people
type) and ``PROVENANCE.md``. Only the columns the bot uses are kept.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

UNIT_PREFIXES = (
    "Thành phố", "Tỉnh", "Quận", "Huyện", "Thị xã", "Thị trấn", "Phường", "Xã", "Đặc khu",
)

# Shorthands and old names people type that the reference alias files do not carry.
# kind: "province" targets a 2025 province code; "legacy_province" an old (pre-2025) province code;
# "legacy_district" an old district "<old province code>/<district full name>".
# A shorthand listed for two targets is ambiguous on purpose ("dn": Đà Nẵng or Đồng Nai).
CURATED_ALIASES: list[tuple[str, str, str]] = [
    ("hn", "province", "1"),
    ("hanoi", "province", "1"),
    ("hcm", "province", "79"),
    ("hcmc", "province", "79"),
    ("tphcm", "province", "79"),
    ("tp hcm", "province", "79"),
    ("ho chi minh", "province", "79"),
    ("sg", "province", "79"),
    ("sai gon", "province", "79"),
    ("saigon", "province", "79"),
    ("hp", "province", "31"),
    ("ct", "province", "92"),
    ("dn", "province", "48"),
    ("dn", "province", "75"),
    ("tt hue", "province", "46"),
    ("thua thien hue", "province", "46"),
    ("thua thien", "province", "46"),
    ("brvt", "legacy_province", "77"),
    ("br vt", "legacy_province", "77"),
    ("ba ria vung tau", "legacy_province", "77"),
    ("ba ria", "legacy_province", "77"),
    ("daklak", "legacy_province", "66"),
    ("dak lak", "legacy_province", "66"),
    ("dac lac", "legacy_province", "66"),
    ("daknong", "legacy_province", "67"),
    ("kontum", "legacy_province", "62"),
    ("vung tau", "legacy_district", "77/Thành phố Vũng Tàu"),
    ("sapa", "legacy_district", "10/Thị xã Sa Pa"),
    ("dalat", "legacy_district", "68/Thành phố Đà Lạt"),
    ("quy nhon", "legacy_district", "52/Thành phố Quy Nhơn"),
    ("phan thiet", "legacy_district", "60/Thành phố Phan Thiết"),
    ("hoi an", "legacy_district", "49/Thành phố Hội An"),
    ("phu ly", "legacy_district", "35/Thành phố Phủ Lý"),
    ("nha trang", "legacy_district", "56/Thành phố Nha Trang"),
    ("ha long", "legacy_district", "22/Thành phố Hạ Long"),
    ("buon ma thuot", "legacy_district", "66/Thành phố Buôn Ma Thuột"),
    ("buon me thuot", "legacy_district", "66/Thành phố Buôn Ma Thuột"),
    ("bmt", "legacy_district", "66/Thành phố Buôn Ma Thuột"),
]


def short_name(full: str) -> str:
    """Drop the administrative prefix ("Tỉnh", "Phường"...): it is not part of a stable key."""
    for prefix in UNIT_PREFIXES:
        if full.startswith(prefix + " "):
            return full[len(prefix) + 1 :].strip()
    return full.strip()


def unit_type(full: str) -> str:
    for prefix in UNIT_PREFIXES:
        if full.startswith(prefix + " "):
            return prefix
    return ""


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build(source: Path, target: Path) -> dict[str, int]:
    target.mkdir(parents=True, exist_ok=True)
    provinces = read(source / "provinces_2025.csv")
    communes = read(source / "communes_2025.csv")
    legacy = read(source / "legacy_wards_to_2025.csv")

    province_rows = []
    for row in provinces:
        province_rows.append(
            [
                int(row["code"]),
                row["name_2026_package"],
                short_name(row["name_2026_package"]),
                row["type_2026_package"],
                row["centroid_lat_vau"],
                row["centroid_lon_vau"],
            ]
        )
    write(target / "provinces.csv", ["code", "name", "short", "type", "lat", "lon"], province_rows)

    commune_rows = []
    for row in communes:
        commune_rows.append(
            [
                int(row["wardCode"]),
                int(row["provinceCode"]),
                row["ward"],
                row["wardShort"],
                row["wardType"],
                row["wardLat"],
                row["wardLon"],
            ]
        )
    write(
        target / "communes.csv",
        ["code", "province", "name", "short", "type", "lat", "lon"],
        commune_rows,
    )

    # Old provinces: the new province is the one most of their communes went to (the reference
    # file carries one mis-mapped ward, see its notes; a majority vote ignores it).
    votes: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    legacy_names: dict[int, str] = {}
    for row in legacy:
        old = int(row["provinceCode"])
        legacy_names[old] = row["province"]
        votes[old][int(row["newProvinceCode"])] += 1
    legacy_province_rows = []
    for old, name in sorted(legacy_names.items()):
        new = max(votes[old].items(), key=lambda item: item[1])[0]
        legacy_province_rows.append([old, name, short_name(name), new])
    write(
        target / "legacy_provinces.csv",
        ["code", "name", "short", "province"],
        legacy_province_rows,
    )

    # Old districts and communes, each to its 2025 commune(s); a divided old commune has several.
    legacy_commune_rows = []
    for row in legacy:
        legacy_commune_rows.append(
            [
                int(row["provinceCode"]),
                row["district"],
                row["ward"],
                int(row["newWardCode"]),
            ]
        )
    legacy_commune_rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    write(
        target / "legacy_communes.csv",
        ["legacy_province", "district", "commune", "commune_2025"],
        legacy_commune_rows,
    )

    alias_rows = collect_aliases(source, legacy_names)
    write(target / "aliases.csv", ["alias", "kind", "target"], alias_rows)

    counts = {
        "provinces": len(province_rows),
        "communes": len(commune_rows),
        "legacy_provinces": len(legacy_province_rows),
        "legacy_communes": len(legacy_commune_rows),
        "aliases": len(alias_rows),
    }
    (target / "counts.json").write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


def squash(text: str) -> str:
    """The reference alias files key names with no spaces, diacritics or prefix ("tinhbacgiang")."""
    import unicodedata

    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^a-z0-9]", "", text)


def collect_aliases(source: Path, legacy_names: dict[int, str]) -> list[list[str]]:
    rows: set[tuple[str, str, str]] = set(CURATED_ALIASES)
    by_key = {squash(name): code for code, name in legacy_names.items()}
    legacy = read(source / "legacy_wards_to_2025.csv")
    districts = {(int(r["provinceCode"]), squash(r["district"])): r["district"] for r in legacy}
    for row in read(source / "alias_province_legacy.csv"):
        code = by_key.get(row["province_key"])
        if code is not None:
            rows.add((row["alias_keyword"], "legacy_province", str(code)))
    for row in read(source / "alias_district_legacy.csv"):
        code = by_key.get(row["province_key"])
        district = districts.get((code, row["district_key"])) if code is not None else None
        if district is not None:
            rows.add((row["alias_keyword"], "legacy_district", f"{code}/{district}"))
    return [list(row) for row in sorted(rows)]


PROVENANCE = """# Provenance of the gazetteer files

Generated by `scripts/build_gazetteer.py` from the reference data the project was given
(`shared/data/`), which in turn comes from:

- `provinces.csv`: the 34 provincial units of 1 July 2025, compiled from Resolution 60-NQ/TW,
  Resolution 202/2025/QH15 and the National Statistics Office list; centroids from
  `tranngocminhhieu/vietnamadminunits` (MIT).
- `communes.csv`: the 3,321 communes of 2025 with approximate centroids, from
  `tranngocminhhieu/vietnamadminunits` (MIT licence, copyright its authors). Its coordinates were
  collected from the government merger map (sapnhap.bando.com.vn), whose terms are not stated: they
  are fine for ranking distances and must be replaced by OpenStreetMap-derived centroids (ODbL)
  before a public release.
- `legacy_provinces.csv`, `legacy_communes.csv`: every pre-2025 province, district and commune and
  the 2025 commune it became, from the same project (MIT), built from the official conversion
  tables of Resolutions 1654–1687/NQ-UBTVQH15. An old province maps to the 2025 province most of
  its communes went to.
- `aliases.csv`: the project's alias files (MIT) plus shorthands curated in the build script
  (`CURATED_ALIASES`).

Keys are NSO numeric codes; names are for display and matching only.
"""


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: build_gazetteer.py SOURCE_DIR TARGET_DIR", file=sys.stderr)
        return 2
    counts = build(Path(argv[1]), Path(argv[2]))
    (Path(argv[2]) / "PROVENANCE.md").write_text(PROVENANCE, encoding="utf-8")
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
