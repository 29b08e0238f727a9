"""Build the country borders Bình An uses to tell "in Vietnam" from "abroad".

Why generated and committed: the bot runs without internet, and a bounding box is wrong at the
border (Hà Khẩu, China, lies inside Vietnam's box; so do the Cambodian casino towns).

Two sources, both fetched from the npm registry:
- Vietnam and its land neighbours (Laos, Cambodia, and China near Vietnam) from
  `@geo-maps/countries-land-100m` 0.6.0 (Simone Primarosa): OpenStreetMap country boundaries
  clipped to the coastline, 100 m absolute error. Data: (c) OpenStreetMap contributors, ODbL 1.0.
  Natural Earth's 1:10m border is off by up to a kilometre at Lào Cai, where the two towns face
  each other across a river, so the precise layer is used where it matters.
- Every other country from `world-atlas` 2.0.2 (Mike Bostock, ISC), Natural Earth 4.1.0 Admin 0
  countries at 1:50m (public domain).

    npm pack @geo-maps/countries-land-100m@0.6.0 world-atlas@2.0.2
    mkdir gm wa && tar xzf geo-maps-countries-land-100m-0.6.0.tgz -C gm \
        && tar xzf world-atlas-2.0.2.tgz -C wa
    pip install shapely pycountry   # at build time only: clipping, ISO numeric -> alpha-2
    python scripts/build_abroad_borders.py gm/package/map.geo.json wa/package/

Writes under knowledge/data/abroad/:
- `borders-near.geojson`: VN, LA, KH whole; CN, TH, MM within their boxes (NEAR_SOURCES);
  coordinates rounded to 0.0001 degree (11 m, well under the data's 100 m).
- `world-50m.geojson`: every other country with an ISO code, and CN, TH, MM outside those
  boxes; simplified
  to 0.01 degree (about 1 km, finer than the 1:50m data itself); Antarctica left out.
Features without an ISO code (Spratly Is., Kosovo, N. Cyprus, ...) are left out, and so is any
polygon of China in the Hoàng Sa (Paracel) islands: Vietnam claims them and the bot must not
answer "China" there. A point left out falls back to the gazetteer, like any point at sea.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pycountry
from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.validation import make_valid

PACKAGE = "world-atlas"
VERSION = "2.0.2"
NATURAL_EARTH = "Natural Earth 4.1.0 Admin 0 countries (public domain)"
# The precise layer: Vietnam, Laos and Cambodia whole; China near Vietnam; Thailand and Myanmar
# along their border (Myawaddy / Mae Sot, the scam compounds; the Golden Triangle).
# ISO alpha-3 -> (alpha-2, ISO numeric, name, clip box or None): west, south, east, north.
NEAR_SOURCES = {
    "VNM": ("VN", "704", "Vietnam", None),
    "CHN": ("CN", "156", "China", (97.0, 17.0, 112.5, 26.5)),
    "LAO": ("LA", "418", "Laos", None),
    "KHM": ("KH", "116", "Cambodia", None),
    "THA": ("TH", "764", "Thailand", (97.0, 15.5, 101.5, 22.0)),
    "MMR": ("MM", "104", "Myanmar", (97.0, 15.5, 101.5, 22.0)),
}
NEAR = {numeric for _, numeric, _, _ in NEAR_SOURCES.values()}
GEO_MAPS = "npm @geo-maps/countries-land-100m@0.6.0, map.geo.json"
OSM = "OpenStreetMap country boundaries (c) OpenStreetMap contributors, ODbL 1.0"
ANTARCTICA = "010"
PARACELS = (15.5, 17.5, 110.5, 113.0)  # south, north, west, east
OUT = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "abroad"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Delta-decoded, quantised TopoJSON arcs to lon/lat lists."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A closed ring from arc indices; a negative index ~i is arc i reversed (TopoJSON spec)."""
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def in_paracels(polygon: list[list[tuple[float, float]]]) -> bool:
    south, north, west, east = PARACELS
    return all(west <= x <= east and south <= y <= north for x, y in polygon[0])


def rounded(points: list[tuple[float, float]], digits: int) -> list[list[float]]:
    """Rounded coordinates, consecutive repeats dropped (the ring stays closed)."""
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, digits), round(y, digits)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def features(path: Path, keep, digits: int) -> list[dict]:
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        if numeric in (None, ANTARCTICA) or not keep(numeric) or "arcs" not in geometry:
            continue
        country = pycountry.countries.get(numeric=numeric)
        if country is None:
            continue
        parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons = []
        for part in parts:
            polygon = [ring(r, arcs) for r in part]
            if in_paracels(polygon):
                continue
            polygons.append([rounded(r, digits) for r in polygon])
        found.append(
            {
                "type": "Feature",
                "properties": {
                    "iso": country.alpha_2,
                    "name": geometry["properties"]["name"],
                    "numeric": numeric,
                },
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    return found


def polygons_of(geometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [p for g in getattr(geometry, "geoms", []) for p in polygons_of(g)]


def as_feature(iso: str, name: str, geometry, digits: int) -> dict:
    parts = []
    for polygon in polygons_of(geometry):
        rings = [list(polygon.exterior.coords)] + [list(r.coords) for r in polygon.interiors]
        if in_paracels(rings) and iso == "CN":
            continue
        rings = [rounded(r, digits) for r in rings]
        if len(rings[0]) >= 4:
            parts.append([r for r in rings if len(r) >= 4])
    xs = [x for part in parts for x, _ in part[0]]
    ys = [y for part in parts for _, y in part[0]]
    return {
        "type": "Feature",
        "bbox": [min(xs), min(ys), max(xs), max(ys)] if parts else [],
        "properties": {"iso": iso, "name": name},
        "geometry": {"type": "MultiPolygon", "coordinates": parts},
    }


def near_features(path: Path) -> list[dict]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for feature in collection["features"]:
        source = NEAR_SOURCES.get(feature["properties"]["A3"])
        if source is None:
            continue
        iso, _, name, clip = source
        geometry = make_valid(shape(feature["geometry"]))
        if clip is not None:
            geometry = geometry.intersection(box(*clip))
        found[iso] = as_feature(iso, name, geometry, 4)
    return [found[iso] for iso, _, _, _ in NEAR_SOURCES.values()]  # Vietnam first


def world_features(package: Path) -> list[dict]:
    clipped = {numeric: clip for _, numeric, _, clip in NEAR_SOURCES.values() if clip}
    whole = NEAR - set(clipped)
    found = []
    for feature in features(package / "countries-50m.json", lambda n: n not in whole, 6):
        geometry = make_valid(shape(feature["geometry"]))
        clip = clipped.get(feature["properties"]["numeric"])
        if clip is not None:
            geometry = geometry.difference(box(*clip))
        geometry = geometry.simplify(0.01)
        found.append(
            as_feature(feature["properties"]["iso"], feature["properties"]["name"], geometry, 2)
        )
    return [f for f in found if f["geometry"]["coordinates"]]


def add_boxes(items: list[dict]) -> None:
    """Each feature's box, and in its properties each polygon's box, so that the bot builds its
    coarse grid without reading every vertex at start-up."""
    for feature in items:
        boxes = []
        for polygon in feature["geometry"]["coordinates"]:
            xs = [x for x, _ in polygon[0]]
            ys = [y for _, y in polygon[0]]
            boxes.append([min(xs), min(ys), max(xs), max(ys)])
        feature["properties"]["boxes"] = boxes
        feature["bbox"] = [
            min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes),
        ]


def write(name: str, source: str, data: str, licence: str, items: list[dict]) -> None:
    add_boxes(items)
    collection = {
        "type": "FeatureCollection",
        "properties": {
            "source": source,
            "data": data,
            "licence": licence,
            "built_by": "scripts/build_abroad_borders.py",
        },
        "features": items,
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    (OUT / name).write_text(text + "\n", encoding="utf-8")
    print(name, len(items), "features", len(text), "bytes")


def main(geo_maps: Path, world_atlas: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write("borders-near.geojson", GEO_MAPS, OSM, "ODbL 1.0 (data); geo-maps packaging MIT",
          near_features(geo_maps))
    write("world-50m.geojson", f"npm {PACKAGE}@{VERSION}, countries-50m.json", NATURAL_EARTH,
          "Natural Earth: public domain; world-atlas packaging: ISC", world_features(world_atlas))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
