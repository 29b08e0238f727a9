"""``binhan run``: start every channel that is configured, with the jobs they need.

The composition root for long-running service: one store, one engine, each configured channel,
its sender, the alert dispatcher and the idle-session sweeper.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from bot.alerts import AlertDispatcher
from bot.config import Settings
from bot.crypto import load_secrets
from bot.roster import parse_schedule
from bot.sender import Pacing
from bot.staff import DeskConfig
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


async def every(seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    """Run a job forever on a period; a failure is logged (type only) and retried."""
    while True:
        try:
            await job()
        except Exception as exc:
            log.error("%s failed: %s", name, type(exc).__name__)
        await asyncio.sleep(seconds)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    secrets = load_secrets(settings)
    store = await Store(settings.database_path, secrets,
                        parse_schedule(settings.oncall_schedule)).open()
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
        polling=not webhook, staff_chat_id=settings.staff_chat_id,
        desk_config=DeskConfig(
            escalate_after=dt.timedelta(seconds=settings.escalate_after_seconds),
            escalate_repeat=dt.timedelta(seconds=settings.escalate_repeat_seconds),
            invite_lifetime=dt.timedelta(hours=settings.invite_hours),
        ),
    )
    dispatcher = AlertDispatcher(store, telegram.desk, catalogue, engine.search.gazetteer)

    async def alerts() -> None:
        if await dispatcher.deliver_due():
            telegram.sender.wake()

    async def escalations() -> None:
        if await telegram.desk.escalate_due():
            telegram.sender.wake()

    server = None
    tasks = [
        asyncio.create_task(every(SWEEP_SECONDS, engine.expire_idle, "idle sweep")),
        asyncio.create_task(telegram.sender.run()),
        asyncio.create_task(every(0.5, alerts, "alert dispatch")),
        asyncio.create_task(every(5.0, escalations, "escalation")),
    ]
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
