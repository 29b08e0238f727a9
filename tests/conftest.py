"""Shared fixtures: the bundled knowledge base is read-only, so it is loaded once per run."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from knowledge.gazetteer import Gazetteer, default_gazetteer
from knowledge.places import PlaceResolver
from knowledge.search import ServiceSearch, default_search
from tests.fake_telegram import FakeTelegram


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
