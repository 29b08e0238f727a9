"""Resident memory with N active conversations; run in its own process by ``benchmarks.run``."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from bot.crypto import Secrets
from bot.storage import Store
from handlers.catalogue import default_catalogue
from handlers.events import Choice, Text
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / (1024 * 1024)


async def measure(conversations: int) -> dict[str, float]:
    search = default_search()  # shared by every conversation: part of the baseline
    catalogue = default_catalogue()
    base = rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        store = await Store(Path(folder) / "m.db", Secrets("m" * 40)).open()
        engine = Engine(store.unit_of_work, search, catalogue, EngineConfig(flood_burst=1000))
        start = time.perf_counter()
        for i in range(conversations):
            key = f"bench:{i}"
            await engine.handle(key, "bench", Text("xin chao"))
            await engine.handle(key, "bench", Choice("support"))
        wall = time.perf_counter() - start
        peak = rss_mb()
        await store.close()
    return {"conversations": conversations, "baseline_mb": base, "rss_mb": peak,
            "per_conversation_kb": (peak - base) * 1024 / conversations, "wall": wall}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure(int(sys.argv[1])))))
