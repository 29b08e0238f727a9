"""How well the directory covers Vietnam, for the people who keep it (``binhan kb coverage``).

Per 2025 province: the in-person places the directory knows, by need, and how far each commune's
centre is from its nearest in-person sourced place (every sourced place, and the verified ones
alone). A place known only to its (old) province counts at that province's centre, as the search
places it. The commune fallback (knowledge.fallback) is left out on purpose: it is everywhere, and
these figures are about the gaps it papers over.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.geo import GridIndex
from knowledge.models import Need, Service
from knowledge.search import ServiceSearch

NEEDS = [n for n in Need if n is not Need.INFO]


@dataclass(frozen=True)
class Distances:
    """Km from commune centres to their nearest place; None where there is none at all."""

    median_km: float | None
    worst_km: float | None
    worst_commune: str | None

    def public(self, prefix: str) -> dict[str, object]:
        return {
            f"{prefix}_median_km": _round(self.median_km),
            f"{prefix}_worst_km": _round(self.worst_km),
            f"{prefix}_worst_commune": self.worst_commune,
        }


@dataclass(frozen=True)
class ProvinceCoverage:
    code: int | None  # None: the whole country
    name: str
    communes: int
    in_person: int
    verified_in_person: int
    by_need: dict[str, int]
    sourced: Distances
    verified: Distances
    none_known: bool = field(default=False)

    def public(self) -> dict[str, object]:
        return {
            "province": self.code,
            "name": self.name,
            "communes": self.communes,
            "in_person": self.in_person,
            "verified_in_person": self.verified_in_person,
            "by_need": self.by_need,
            **self.sourced.public("nearest"),
            **self.verified.public("nearest_verified"),
            "none_known": self.none_known,
        }


@dataclass(frozen=True)
class Coverage:
    provinces: list[ProvinceCoverage]
    national: ProvinceCoverage
    # commune code -> km to the nearest verified in-person place (None: none anywhere)
    verified_km: dict[int, float | None]
    sourced_km: dict[int, float | None]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _nearest_km(search: ServiceSearch, services: list[Service]) -> dict[int, float | None]:
    grid: GridIndex[Service] = GridIndex(cell_degrees=0.25)
    for service in services:
        position = search.position(service)
        if position is not None:
            grid.add(position[0], position[1], service)
    out: dict[int, float | None] = {}
    for code, commune in search.gazetteer.communes.items():
        found = grid.nearest(commune.lat, commune.lon, 1)
        out[code] = found[0][0] if found else None
    return out


def _distances(search: ServiceSearch, km: dict[int, float | None], codes: list[int]) -> Distances:
    known = [(d, c) for c in codes if (d := km[c]) is not None]
    if not known:
        return Distances(None, None, None)
    worst_km, worst_code = max(known)
    median = statistics.median(d for d, _ in known)
    return Distances(median, worst_km, search.gazetteer.communes[worst_code].name)


def _row(
    search: ServiceSearch,
    code: int | None,
    name: str,
    services: list[Service],
    communes: list[int],
    coverage_km: tuple[dict[int, float | None], dict[int, float | None]],
) -> ProvinceCoverage:
    in_person = [s for s in services if s.in_person]
    by_need = {n.value: sum(1 for s in in_person if s.serves(n, None)) for n in NEEDS}
    sourced_km, verified_km = coverage_km
    return ProvinceCoverage(
        code=code,
        name=name,
        communes=len(communes),
        in_person=len(in_person),
        verified_in_person=sum(1 for s in in_person if s.verified),
        by_need=by_need,
        sourced=_distances(search, sourced_km, communes),
        verified=_distances(search, verified_km, communes),
        none_known=not in_person,
    )


def coverage(search: ServiceSearch) -> Coverage:
    """The figures for every 2025 province and for the whole country."""
    in_person = [s for s in search.directory.services if s.in_person]
    sourced_km = _nearest_km(search, in_person)
    verified_km = _nearest_km(search, [s for s in in_person if s.verified])
    km = (sourced_km, verified_km)
    communes_of: dict[int, list[int]] = {code: [] for code in search.gazetteer.provinces}
    for commune in search.gazetteer.communes.values():
        communes_of[commune.province].append(commune.code)
    rows = [
        _row(search, code, province.short, search.in_province(code), communes_of[code], km)
        for code, province in sorted(search.gazetteer.provinces.items())
    ]
    national = _row(
        search, None, "Việt Nam", search.directory.services,
        sorted(search.gazetteer.communes), km,
    )
    return Coverage(rows, national, verified_km, sourced_km)


def draw_map(search: ServiceSearch, figures: Coverage, path: Path) -> None:
    """Communes coloured by the km to their nearest verified in-person place, places marked.

    matplotlib with the Agg backend: a file, no display, so it runs on a server or in CI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    communes = list(search.gazetteer.communes.values())
    bands = [0, 25, 50, 100, 200, 400, 2000]
    colours = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#7f0000"]
    cmap = ListedColormap(colours).with_extremes(bad="#999999")
    norm = BoundaryNorm(bands, cmap.N)
    km = [figures.verified_km[c.code] for c in communes]
    values = [float("nan") if d is None else d for d in km]

    fig, ax = plt.subplots(figsize=(7.5, 11), dpi=110)
    dots = ax.scatter(
        [c.lon for c in communes], [c.lat for c in communes], c=values, cmap=cmap, norm=norm,
        s=7, linewidths=0,
    )
    verified_xy: list[tuple[float, float]] = []
    other_xy: list[tuple[float, float]] = []
    for service in search.directory.services:
        position = search.position(service) if service.in_person else None
        if position is None:
            continue
        (verified_xy if service.verified else other_xy).append((position[1], position[0]))
    if other_xy:
        xs, ys = zip(*other_xy, strict=True)
        ax.scatter(xs, ys, marker="o", s=42, facecolors="none",
                   edgecolors="#2b2b2b", linewidths=1.1, label="sourced place (not verified)")
    if verified_xy:
        xs, ys = zip(*verified_xy, strict=True)
        ax.scatter(xs, ys, marker="*", s=170, c="#08306b",
                   edgecolors="white", linewidths=0.6, label="verified place")
    bar = fig.colorbar(dots, ax=ax, shrink=0.55, ticks=[*bands[:-1], bands[-2] * 2])
    bar.set_label("km from the commune centre to the nearest verified in-person place")
    bar.ax.set_yticklabels([*map(str, bands[:-1]), f">{bands[-2]}"])
    n = figures.national
    ax.set_title(
        "Bình An directory coverage: 3,321 communes (2025)\n"
        f"nearest verified place: median {n.verified.median_km or 0:.0f} km, "
        f"worst {n.verified.worst_km or 0:.0f} km; "
        f"any sourced place: median {n.sourced.median_km or 0:.0f} km",
        fontsize=10,
    )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect("equal")
    ax.set_xlim(102, 110.2)
    ax.set_ylim(8.3, 23.6)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    fig.text(
        0.01, 0.005,
        "A place known only to its (old) province is drawn at that province's centre.\n"
        "Not drawn: the Hoàng Sa and Trường Sa special zones "
        f"(the worst: {n.verified.worst_commune}, {n.verified.worst_km or 0:.0f} km).",
        fontsize=6.5, color="#444444",
    )
    ax.grid(True, linewidth=0.3, alpha=0.5)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    plt.close(fig)
