"""Speed of the abroad look-ups: ``python -m benchmarks.borders [--queries N]``.

Why separate from ``benchmarks/run.py``: it needs no bot, and the border test runs on every
located message (``Gazetteer.locate``), so its cost is worth seeing alone. It reports; it does
not assert. Target: ``country_at`` well under 1 ms a call (p99), warm.
"""

from __future__ import annotations

import argparse
import random
import time

from knowledge.abroad import default_abroad
from knowledge.gazetteer import default_gazetteer

TEXTS = [
    "em đang ở Hàn Quốc, Busan",
    "e bi ban sang tq, gio dang o gan bien gioi",
    "chồng em đánh em, em ở Lào Cai, có 2 con nhỏ",
    "em di xuat khau lao dong ve, bi no, can cho o",
    "em o kuala lumpur, chu giu ho chieu",
    "toi o quan 7 tp hcm, chong toi danh toi hang dem",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(calls: list[tuple[float, float]], fn) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for lat, lon in calls:
        start = time.perf_counter()
        fn(lat, lon)
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=5000)
    args = parser.parse_args(argv)
    rng = random.Random(7)
    start = time.perf_counter()
    abroad = default_abroad()
    abroad.borders  # noqa: B018 - load the polygons
    load = time.perf_counter() - start
    gazetteer = default_gazetteer()
    communes = list(gazetteer.communes.values())
    near = [
        (c.lat + rng.uniform(-0.05, 0.05), c.lon + rng.uniform(-0.05, 0.05))
        for c in rng.choices(communes, k=args.queries)
    ]
    asia = [(rng.uniform(-10, 45), rng.uniform(60, 150)) for _ in range(args.queries)]
    for lat, lon in near + asia:  # warm every lazily built index
        abroad.country_at(lat, lon)
    rows = [
        ("country_at, near commune centres", timed(near, abroad.country_at)),
        ("country_at, anywhere in Asia (sea included)", timed(asia, abroad.country_at)),
        ("gazetteer.locate, near commune centres", timed(near, gazetteer.locate)),
        ("gazetteer.nearest_commune (no border)",
         timed(near, lambda a, b: gazetteer.nearest_commune(a, b, 40.0))),
    ]
    texts = []
    for _ in range(max(1, args.queries // len(TEXTS))):
        for text in TEXTS:
            t = time.perf_counter()
            abroad.find_in_text(text)
            texts.append(time.perf_counter() - t)
    rows.append(("find_in_text, typed messages", texts))
    print(f"load (parse both GeoJSON files): {load * 1000:.0f} ms")
    print("| call | p50 | p99 | max |")
    print("|---|---|---|---|")
    for name, values in rows:
        print(f"| {name} | {pct(values, 50) * 1e6:.0f} us | {pct(values, 99) * 1e6:.0f} us | "
              f"{max(values) * 1e6:.0f} us |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
