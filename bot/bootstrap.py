"""The one bootstrap every way of running Bình An shares (``binhan run``, ``binhan console``):
secrets, the store (migrated on open), the catalogue, the knowledge base and the engine, each
configured from ``Settings`` in one place."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.crypto import Secrets, load_secrets
from bot.roster import parse_schedule
from bot.storage import Store
from bot.web.directory import with_saved_overrides
from handlers.catalogue import Catalogue, default_catalogue
from handlers.flow import Engine, EngineConfig
from knowledge.search import ServiceSearch, default_search


@dataclass
class Core:
    settings: Settings
    secrets: Secrets
    store: Store
    catalogue: Catalogue
    engine: Engine


async def open_core(settings: Settings) -> Core:
    secrets = load_secrets(settings)
    store = await Store(settings.database_path, secrets,
                        parse_schedule(settings.oncall_schedule),
                        database_url=settings.database_url).open()
    catalogue = default_catalogue()
    search = default_search()
    # the directory edits saved on the console replace the bundled entries they correct
    directory = await with_saved_overrides(store, search.directory, search.gazetteer.provinces)
    if directory is not search.directory:
        search = ServiceSearch(directory, search.gazetteer)
    engine = Engine(
        store.unit_of_work, search, catalogue,
        EngineConfig(idle_minutes=settings.session_idle_minutes,
                     default_language=settings.default_language,
                     flood_burst=settings.flood_burst, flood_per_minute=settings.flood_per_minute),
    )
    return Core(settings, secrets, store, catalogue, engine)
