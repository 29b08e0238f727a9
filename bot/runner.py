"""``binhan run``: start every channel that is configured, with the jobs they need.

The composition root for long-running service: the shared bootstrap (``bot.bootstrap``: store,
engine), then one builder per channel (``BUILDERS``) adding its doors, sender and jobs to a
``Service``; the idle-session sweeper, the retention purge and the run lock are shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx
from aiohttp.typedefs import Handler  # a request handler; web.RequestHandler is the protocol class

from bot.alerts import AlertDispatcher
from bot.bootstrap import Core, open_core
from bot.config import Settings
from bot.crypto import SecretError
from bot.fleet import exclusive, once
from bot.inbound import CredentialRejected, Intake
from bot.logs import configure_logging
from bot.sender import Pacing
from bot.staff import DeskConfig
from bot.staff_channels import FanOut, StaffChannel, live_staff_channels, warn_without_staff_channel
from bot.storage import Purger, SchemaError, Store, retention_from
from bot.telegram_channel import TelegramChannel
from bot.web.app import WebConsole, desk_config, web_config
from bot.web.handoff import PersonRoutes, WebDesk
from bot.webhook import WebhookServer, telegram_route
from bot.zalo_bot import ZaloBotChannel, ZaloBotClient
from bot.zalo_oa import KEEP_ALIVE_CHECK, ZaloOAChannel, ZaloOAClient
from knowledge.directory import Directory
from knowledge.search import ServiceSearch

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60.0
PURGE_SECONDS = 3600.0
DRAIN_SECONDS = 5.0
RUN_LOCK_HEARTBEAT = 10.0  # rotate-key treats a lock older than RUN_LOCK_STALE as a dead run

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


STOP_TASKS_SECONDS = 10.0  # at a stop, how long background loops get to end once cancelled


async def every(seconds: float, job: Callable[[], Awaitable[object]], name: str,
                first_after: float = 0.0) -> None:
    """Run a job forever on a period; a failure is logged (type only) and retried."""
    await asyncio.sleep(first_after)
    while True:
        try:
            await job()
        except Exception as exc:
            log.error("%s failed: %s", name, type(exc).__name__)
        await asyncio.sleep(seconds)


async def start_with_retry(start: Callable[[], Awaitable[None]], stop: asyncio.Event,
                           first: float = 1.0, cap: float = 60.0) -> bool:
    """Start one channel, retrying with backoff and jitter while its API is unreachable (a
    network outage at boot is not a reason to die). ``CredentialRejected`` is not retried.
    False when ``stop`` came first."""
    delay = first
    while not stop.is_set():
        try:
            await start()
            return True
        except CredentialRejected:
            raise
        except Exception as exc:  # network, TLS, proxy: the type only, never the URL
            wait = delay * random.uniform(0.5, 1.0)
            log.warning("a channel could not start (%s), retry in %.0fs", type(exc).__name__,
                        wait)
            with contextlib.suppress(TimeoutError):  # not wait_for: see AlertDispatcher.run
                async with asyncio.timeout(wait):
                    await stop.wait()
            delay = min(cap, delay * 2)
    return False


async def drain(intake: Intake) -> None:
    """At shutdown, let events being processed finish for a few seconds, then cancel them.
    Nothing is lost: each is in the inbox, committed before it was acknowledged, and is
    finished on the next start. An unbounded wait could hang the stop forever when a task
    waits on something a cancelled one held."""
    try:
        async with asyncio.timeout(DRAIN_SECONDS):  # not wait_for: see AlertDispatcher.run
            await intake.idle()
    except TimeoutError:
        await intake.stop()


async def hold_run_lock(store: Store, holder: str) -> None:
    """Keep the "running" lock fresh, so ``binhan rotate-key`` refuses while the bot runs."""
    while True:
        await store.locks.take("running", holder, dt.datetime.now(dt.UTC))
        await asyncio.sleep(RUN_LOCK_HEARTBEAT)


@dataclass
class Service:
    """What ``serve`` runs: the shared core, and what each channel builder adds to it."""

    core: Core
    http: httpx.AsyncClient
    server: WebhookServer
    routes: int = 0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    starters: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    telegram: TelegramChannel | None = None
    desk: object | None = None  # the staff desk people's channels hand staff replies through
    console: WebConsole | None = None
    web_routes: PersonRoutes = field(default_factory=PersonRoutes)

    def run(self, job: Awaitable[None]) -> None:
        self.tasks.append(asyncio.create_task(job))  # type: ignore[arg-type]

    def route(self, path: str, handler: Handler) -> None:
        self.server.add(path, handler)
        self.routes += 1


def build_telegram(svc: Service) -> None:
    """Telegram: the person channel, the staff desk, alerts and escalation."""
    settings, core = svc.core.settings, svc.core
    if not settings.telegram_bot_token:
        return
    webhook = settings.telegram_webhook_url
    telegram = TelegramChannel(
        settings.telegram_bot_token, settings.telegram_api_url, core.engine, core.store,
        core.secrets, core.catalogue,
        Pacing(settings.telegram_per_chat_interval, settings.telegram_per_second),
        polling=not webhook, staff_chat_id=settings.staff_chat_id,
        desk_config=DeskConfig(
            escalate_after=dt.timedelta(seconds=settings.escalate_after_seconds),
            escalate_repeat=dt.timedelta(seconds=settings.escalate_repeat_seconds),
            invite_lifetime=dt.timedelta(hours=settings.invite_hours),
        ),
    )
    svc.telegram = telegram
    if webhook:
        svc.route(urlparse(webhook).path or "/",
                  telegram_route(telegram, settings.telegram_webhook_secret or ""))
    svc.starters.append(lambda: telegram.start(webhook, settings.telegram_webhook_secret))
    svc.stoppers.append(telegram.stop)
    svc.run(telegram.sender.run())
    svc.desk = telegram.desk

    async def escalations() -> None:
        if await telegram.desk.escalate_due():
            telegram.sender.wake()

    svc.run(every(5.0, once(core.store, "escalation", escalations), "escalation"))


def build_web(svc: Service) -> None:
    """The staff web console: a staff channel, and the desk for its holders' handoffs."""
    settings, core, telegram = svc.core.settings, svc.core, svc.telegram
    if not settings.web_listen:
        return
    console = WebConsole(core.store, core.secrets, core.engine.search.gazetteer,
                         web_config(settings))
    web_desk = WebDesk(core.store, core.secrets, core.catalogue, core.engine.search.gazetteer,
                       telegram if telegram is not None else svc.web_routes,
                       desk_config(settings))
    web_desk.broker = console.broker
    console.desk = web_desk
    if telegram is not None:
        telegram.desk = web_desk  # the same desk, plus handoffs held on the console
    else:  # no Telegram: unclaimed urgent cases are announced again on the console
        svc.run(every(5.0, once(core.store, "escalation", web_desk.escalate_due),
                      "escalation"))
    svc.desk = web_desk
    svc.console = console

    def directory_changed(directory: Directory) -> None:  # a console edit, saved and valid
        core.engine.search = ServiceSearch(directory, core.engine.search.gazetteer)

    console.organisation.on_directory_change = directory_changed
    host, port = settings.web_listen.rsplit(":", 1)
    svc.starters.append(lambda: console.start(host, int(port)))
    svc.stoppers.append(console.stop)


def build_zalo_oa(svc: Service) -> None:
    settings, core, telegram = svc.core.settings, svc.core, svc.telegram
    if not settings.zalo_oa_app_id:
        return

    async def operator_alert(problem: str) -> None:
        """Problems only an operator can fix: in the log, and to the staff group."""
        log.error("OPERATOR: Zalo OA needs attention: %s", problem)
        if telegram is not None:
            async with core.store.unit_of_work() as uow:
                await telegram.desk.post.to_group(
                    uow, core.catalogue.text("vi", "operator-zalo-oa", text=problem))
                await uow.commit()
            telegram.sender.wake()

    client = ZaloOAClient(
        svc.http, core.store, settings.zalo_oa_api_url, settings.zalo_oa_oauth_url,
        settings.zalo_oa_app_id, settings.zalo_oa_app_secret or "",
        settings.zalo_oa_access_token or "", settings.zalo_oa_refresh_token or "",
        operator_alert,
    )
    oa = ZaloOAChannel(client, core.engine, core.store, core.secrets,
                       settings.zalo_oa_secret_key or "",
                       dt.timedelta(hours=settings.zalo_oa_window_hours),
                       svc.desk)  # type: ignore[arg-type]
    svc.route(settings.zalo_oa_webhook_path, oa.webhook)
    svc.run(oa.sender.run())
    svc.run(oa.intake.run())  # what a crash left, then retries
    svc.run(every(KEEP_ALIVE_CHECK.total_seconds(),
                  once(core.store, "zalo_oa_token", client.keep_alive),
                  "zalo OA token keep-alive",
                  first_after=settings.zalo_oa_keep_alive_delay_seconds))
    svc.stoppers.append(lambda: drain(oa.intake))
    if telegram is not None:
        telegram.person_routes["zalo_oa"] = oa.to_person
    svc.web_routes.routes["zalo_oa"] = oa.to_person


def build_zalo_bot(svc: Service) -> None:
    settings, core, telegram = svc.core.settings, svc.core, svc.telegram
    if not settings.zalo_bot_token:
        return
    zbot = ZaloBotChannel(ZaloBotClient(svc.http, settings.zalo_bot_api_url,
                                        settings.zalo_bot_token),
                          core.engine, core.store, core.secrets,
                          settings.zalo_bot_webhook_secret, svc.desk)  # type: ignore[arg-type]
    if settings.zalo_bot_webhook_url:
        svc.route(settings.zalo_bot_webhook_path, zbot.webhook)

        async def register_webhook() -> None:
            await zbot.client.call("setWebhook", {"url": settings.zalo_bot_webhook_url,
                                                  "secret_token":
                                                  settings.zalo_bot_webhook_secret})

        svc.starters.append(register_webhook)
    else:
        if settings.production:
            log.warning("Zalo Bot is polling: polling is for development; set "
                        "ZALO_BOT_WEBHOOK_URL and ZALO_BOT_WEBHOOK_SECRET in production")
        svc.run(exclusive(core.store, "poll:zalo_bot", zbot.poll))
    svc.run(zbot.sender.run())
    svc.run(zbot.intake.run())  # what a crash left, then retries
    svc.stoppers.append(lambda: drain(zbot.intake))
    if telegram is not None:
        telegram.person_routes["zalo_bot"] = zbot.to_person
    svc.web_routes.routes["zalo_bot"] = zbot.to_person


def build_staff_alerts(svc: Service) -> None:
    """Staff alerts through every configured staff channel, whatever channels people use; a
    deployment with none says so loudly, at start and every 10 minutes (safety.md)."""
    settings, core, telegram = svc.core.settings, svc.core, svc.telegram
    staff_channels: list[StaffChannel] = []
    if telegram is not None and settings.staff_chat_id is not None:
        staff_channels.append(StaffChannel("telegram", telegram.desk))
    if svc.console is not None:
        staff_channels.append(StaffChannel("web", svc.console.notifier))
        staff_channels.append(StaffChannel("webpush", svc.console.push))
    fanout = FanOut(staff_channels)
    dispatcher = AlertDispatcher(core.store, fanout, core.catalogue,
                                 core.engine.search.gazetteer)

    async def staff_channel_names() -> list[str]:
        return await live_staff_channels(core.store, fanout)

    if staff_channels:
        # Every worker dispatches: an alert is marked taken before it is queued (a conditional
        # UPDATE), so two dispatchers never send it twice; a commit here wakes this one, and
        # the idle poll picks up what other workers committed.
        svc.run(dispatcher.run(after=telegram.sender.wake if telegram is not None else None))
    svc.run(warn_without_staff_channel(staff_channel_names))


# Telegram first (it has the desk), the console next (it may wrap that desk), alerts last.
BUILDERS = (build_telegram, build_web, build_zalo_oa, build_zalo_bot, build_staff_alerts)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    core = await open_core(settings)
    store = core.store
    host, port = settings.telegram_webhook_listen.rsplit(":", 1)
    svc = Service(core, httpx.AsyncClient(timeout=httpx.Timeout(15.0, read=45.0)),
                  WebhookServer(host, int(port)))
    purger = Purger(store)
    retention = retention_from(settings)

    async def purge() -> None:
        await purger.purge(retention, dt.datetime.now(dt.UTC))

    holder = f"{socket.gethostname()}:{os.getpid()}"
    await store.locks.take("running", holder, dt.datetime.now(dt.UTC))
    svc.run(every(SWEEP_SECONDS, once(store, "idle_sweep", core.engine.expire_idle),
                  "idle sweep"))
    svc.run(every(PURGE_SECONDS, once(store, "purge", purge), "retention purge"))
    svc.run(hold_run_lock(store, holder))
    for build in BUILDERS:
        build(svc)

    try:
        if svc.routes:
            await svc.server.start()
        for start in svc.starters:
            if not await start_with_retry(start, stop):
                return
        print(f"Bình An is running ({', '.join(configured_channels(settings))}). "
              "Ctrl-C stops it.", file=sys.stderr)
        await stop.wait()
    finally:
        for task in svc.tasks:
            task.cancel()
        if svc.tasks:  # bounded: a task that lost its cancellation must not hold the stop
            _, stuck = await asyncio.wait(svc.tasks, timeout=STOP_TASKS_SECONDS)
            if stuck:
                log.error("%d background task(s) did not stop in time", len(stuck))
        for stopper in svc.stoppers:
            await stopper()
        await svc.server.stop()
        await svc.http.aclose()
        with contextlib.suppress(Exception):
            await store.locks.release("running", holder)
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

    try:
        asyncio.run(run())
    except CredentialRejected as exc:
        print(f"binhan run: {exc}", file=sys.stderr)  # no traceback: it would show the URL
        return 2
    except (SecretError, SchemaError) as exc:
        print(f"binhan run: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback: frames and URLs can hold tokens
        print(f"binhan run stopped: {type(exc).__name__} (run with LOG_LEVEL=INFO for more)",
              file=sys.stderr)
        return 1
    return 0
