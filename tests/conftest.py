"""Shared fixtures: the bundled knowledge base is read-only, so it is loaded once per run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from knowledge.gazetteer import Gazetteer, default_gazetteer
from knowledge.places import PlaceResolver
from knowledge.search import ServiceSearch, default_search
from tests import backend
from tests.fake_telegram import FakeTelegram
from tests.pg import Cluster, start_cluster


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A loopback fake of the Telegram Bot API, started for one test."""
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="session")
def search() -> ServiceSearch:
    return default_search()


@pytest.fixture(scope="session")
def resolver(search: ServiceSearch) -> PlaceResolver:
    return search.resolver


# -- PostgreSQL: one throwaway cluster per session, a fresh database per test (tests/pg.py) ---

_PG: dict[str, object] = {}


def _cluster() -> Cluster | None:
    if "cluster" not in _PG:
        cluster, why = start_cluster()
        _PG["cluster"], _PG["why"] = cluster, why
    return _PG["cluster"]  # type: ignore[return-value]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | None]:
    cluster = _cluster()
    yield cluster
    if cluster is not None:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster | None) -> str:
    """A fresh, empty PostgreSQL database for one test; skipped (and said so) when absent."""
    if pg_cluster is None:
        _PG["skipped"] = int(_PG.get("skipped", 0)) + 1  # type: ignore[call-overload]
        pytest.skip(f"PostgreSQL is absent: {_PG.get('why')}")
    return pg_cluster.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The store's backend for a contract test: None (SQLite, the file the test names) or a
    fresh PostgreSQL database. Tests and helpers that open a store take it from here."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    backend.URL = url
    try:
        yield url
    finally:
        backend.URL = None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it plainly when the PostgreSQL half of the backend tests did not run."""
    if _PG.get("skipped"):
        terminalreporter.write_line(
            f"PostgreSQL ABSENT: {_PG['skipped']} backend tests skipped on PostgreSQL "
            f"({_PG.get('why')}); install Debian's postgresql package to run them",
            red=True, bold=True)
    elif _PG.get("cluster") is not None:
        terminalreporter.write_line("PostgreSQL: backend tests ran on a throwaway cluster")
