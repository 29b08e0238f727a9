"""Shared fixtures: the bundled knowledge base is read-only, so it is loaded once per run."""

from __future__ import annotations

import pytest

from knowledge.gazetteer import Gazetteer, default_gazetteer
from knowledge.places import PlaceResolver
from knowledge.search import ServiceSearch, default_search


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="session")
def search() -> ServiceSearch:
    return default_search()


@pytest.fixture(scope="session")
def resolver(search: ServiceSearch) -> PlaceResolver:
    return search.resolver
