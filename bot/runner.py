"""``binhan run``: start every channel that is configured, with the jobs they need.

The composition root for long-running service: one store, one engine, each configured channel,
its sender, the alert dispatcher and the idle-session sweeper.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from urllib.parse import urlparse

from bot.config import Settings
from bot.crypto import load_secrets
from bot.sender import Pacing
from bot.storage import Store
from bot.telegram_channel import TelegramChannel
from bot.webhook import WebhookServer, telegram_route
from handlers.catalogue import default_catalogue
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0

NO_CHANNEL = (
    "No channel is configured. Set TELEGRAM_BOT_TOKEN (see .env.example) to serve Telegram,\n"
    "or try Bình An in this terminal with `binhan console`."
)


def configured_channels(settings: Settings) -> list[str]:
    return ["telegram"] if settings.telegram_bot_token else []


async def sweep(engine: Engine, every: float = SWEEP_SECONDS) -> None:
    while True:
        try:
            await engine.expire_idle()
        except Exception as exc:
            log.error("idle sweep failed: %s", type(exc).__name__)
        await asyncio.sleep(every)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    secrets = load_secrets(settings)
    store = await Store(settings.database_path, secrets).open()
    catalogue = default_catalogue()
    engine = Engine(
        store.unit_of_work, default_search(), catalogue,
        EngineConfig(idle_minutes=settings.session_idle_minutes,
                     default_language=settings.default_language),
    )
    assert settings.telegram_bot_token is not None
    webhook = settings.telegram_webhook_url
    telegram = TelegramChannel(
        settings.telegram_bot_token, settings.telegram_api_url, engine, store, secrets, catalogue,
        Pacing(settings.telegram_per_chat_interval, settings.telegram_per_second),
        polling=not webhook,
    )
    server = None
    tasks = [asyncio.create_task(sweep(engine)), asyncio.create_task(telegram.sender.run())]
    try:
        if webhook:
            host, port = settings.telegram_webhook_listen.rsplit(":", 1)
            server = WebhookServer(host, int(port))
            server.add(urlparse(webhook).path or "/",
                       telegram_route(telegram, settings.telegram_webhook_secret or ""))
            await server.start()
        await telegram.start(webhook, settings.telegram_webhook_secret)
        print("Bình An is running (Telegram, %s). Ctrl-C stops it." %
              ("webhook" if webhook else "polling"), file=sys.stderr)
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await telegram.stop()
        if server is not None:
            await server.stop()
        await store.close()


def main(settings: Settings) -> int:
    if not configured_channels(settings):
        print(NO_CHANNEL, file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    asyncio.run(run())
    return 0
