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

import httpx

from bot.alerts import AlertDispatcher
from bot.config import Settings
from bot.crypto import load_secrets
from bot.logs import configure_logging
from bot.roster import parse_schedule
from bot.sender import Pacing
from bot.staff import DeskConfig
from bot.storage import Purger, Store, retention_from
from bot.telegram_channel import TelegramChannel
from bot.webhook import WebhookServer, telegram_route
from bot.zalo_bot import ZaloBotChannel, ZaloBotClient
from bot.zalo_oa import KEEP_ALIVE_CHECK, ZaloOAChannel, ZaloOAClient
from handlers.catalogue import default_catalogue
from handlers.flow import Engine, EngineConfig
from knowledge.search import default_search

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0
PURGE_SECONDS = 3600.0

NO_CHANNEL = (
    "No channel is configured. Set TELEGRAM_BOT_TOKEN, the ZALO_OA_* settings or\n"
    "ZALO_BOT_TOKEN (see .env.example), or try Bình An in this terminal with `binhan console`."
)


def configured_channels(settings: Settings) -> list[str]:
    channels = []
    if settings.telegram_bot_token:
        channels.append("telegram")
    if settings.zalo_oa_app_id:
        channels.append("zalo_oa")
    if settings.zalo_bot_token:
        channels.append("zalo_bot")
    return channels


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
                     default_language=settings.default_language,
                     flood_burst=settings.flood_burst, flood_per_minute=settings.flood_per_minute),
    )
    http = httpx.AsyncClient(timeout=httpx.Timeout(15.0, read=45.0))
    host, port = settings.telegram_webhook_listen.rsplit(":", 1)
    server = WebhookServer(host, int(port))
    routes = 0
    purger = Purger(store)
    retention = retention_from(settings)

    async def purge() -> None:
        await purger.purge(retention, dt.datetime.now(dt.UTC))

    tasks = [asyncio.create_task(every(SWEEP_SECONDS, engine.expire_idle, "idle sweep")),
             asyncio.create_task(every(PURGE_SECONDS, purge, "retention purge"))]
    starters: list[Callable[[], Awaitable[None]]] = []
    stoppers: list[Callable[[], Awaitable[None]]] = []
    desk = None
    telegram = None

    if settings.telegram_bot_token:
        webhook = settings.telegram_webhook_url
        telegram = TelegramChannel(
            settings.telegram_bot_token, settings.telegram_api_url, engine, store, secrets,
            catalogue, Pacing(settings.telegram_per_chat_interval, settings.telegram_per_second),
            polling=not webhook, staff_chat_id=settings.staff_chat_id,
            desk_config=DeskConfig(
                escalate_after=dt.timedelta(seconds=settings.escalate_after_seconds),
                escalate_repeat=dt.timedelta(seconds=settings.escalate_repeat_seconds),
                invite_lifetime=dt.timedelta(hours=settings.invite_hours),
            ),
        )
        desk = telegram.desk
        if webhook:
            server.add(urlparse(webhook).path or "/",
                       telegram_route(telegram, settings.telegram_webhook_secret or ""))
            routes += 1
        tg = telegram
        starters.append(lambda: tg.start(webhook, settings.telegram_webhook_secret))
        stoppers.append(tg.stop)
        tasks.append(asyncio.create_task(tg.sender.run()))
        dispatcher = AlertDispatcher(store, desk, catalogue, engine.search.gazetteer)

        async def alerts() -> None:
            if await dispatcher.deliver_due():
                tg.sender.wake()

        async def escalations() -> None:
            if await tg.desk.escalate_due():
                tg.sender.wake()

        tasks.append(asyncio.create_task(every(0.5, alerts, "alert dispatch")))
        tasks.append(asyncio.create_task(every(5.0, escalations, "escalation")))

    if settings.zalo_oa_app_id:
        async def operator_alert(problem: str) -> None:
            """Problems only an operator can fix: in the log, and to the staff group."""
            log.error("OPERATOR: Zalo OA needs attention: %s", problem)
            if telegram is not None:
                async with store.unit_of_work() as uow:
                    await telegram.desk.post.to_group(
                        uow, catalogue.text("vi", "operator-zalo-oa", text=problem))
                    await uow.commit()
                telegram.sender.wake()

        client = ZaloOAClient(
            http, store, settings.zalo_oa_api_url, settings.zalo_oa_oauth_url,
            settings.zalo_oa_app_id, settings.zalo_oa_app_secret or "",
            settings.zalo_oa_access_token or "", settings.zalo_oa_refresh_token or "",
            operator_alert,
        )
        oa = ZaloOAChannel(client, engine, store, secrets, settings.zalo_oa_secret_key or "",
                           dt.timedelta(hours=settings.zalo_oa_window_hours), desk)
        server.add(settings.zalo_oa_webhook_path, oa.webhook)
        routes += 1
        tasks.append(asyncio.create_task(oa.sender.run()))
        tasks.append(asyncio.create_task(every(KEEP_ALIVE_CHECK.total_seconds(),
                                               client.keep_alive, "zalo OA token keep-alive")))
        stoppers.append(oa.idle)
        if telegram is not None:
            telegram.person_routes["zalo_oa"] = oa.to_person

    if settings.zalo_bot_token:
        zbot = ZaloBotChannel(ZaloBotClient(http, settings.zalo_bot_api_url,
                                            settings.zalo_bot_token),
                              engine, store, secrets, settings.zalo_bot_webhook_secret, desk)
        if settings.zalo_bot_webhook_url:
            server.add(settings.zalo_bot_webhook_path, zbot.webhook)
            routes += 1
            client_bot = zbot.client

            async def register_webhook() -> None:
                await client_bot.call("setWebhook", {"url": settings.zalo_bot_webhook_url,
                                                     "secret_token":
                                                     settings.zalo_bot_webhook_secret})

            starters.append(register_webhook)
        else:
            if settings.production:
                log.warning("Zalo Bot is polling: polling is for development; set "
                            "ZALO_BOT_WEBHOOK_URL and ZALO_BOT_WEBHOOK_SECRET in production")
            tasks.append(asyncio.create_task(zbot.poll()))
        tasks.append(asyncio.create_task(zbot.sender.run()))
        if telegram is not None:
            telegram.person_routes["zalo_bot"] = zbot.to_person

    try:
        if routes:
            await server.start()
        for start in starters:
            await start()
        print(f"Bình An is running ({', '.join(configured_channels(settings))}). "
              "Ctrl-C stops it.", file=sys.stderr)
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for stopper in stoppers:
            await stopper()
        await server.stop()
        await http.aclose()
        await store.close()


def main(settings: Settings) -> int:
    if not configured_channels(settings):
        print(NO_CHANNEL, file=sys.stderr)
        return 2
    configure_logging(settings.log_level)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    asyncio.run(run())
    return 0
