"""Where staff alerts go: every configured staff channel at once, whatever the person's channel.

Cases and their alerts are recorded by the store whatever channels run. Delivering them used to
live inside the Telegram set-up, so a Zalo-only deployment recorded alerts and told nobody,
silently. Here the dispatcher fans out to each configured staff channel (the Telegram staff group,
the web console, the terminal), and ``binhan run`` says loudly, at start and every ten minutes,
when there is none: the alerts then wait in the outbox, never lost, until a channel is set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.alerts import Notifier
from bot.storage import SqliteUnitOfWork, Store, WebAccountRepository
from handlers.staff import Alert

log = logging.getLogger(__name__)

NO_STAFF_CHANNEL_EVERY = 600.0  # seconds between two reminders
NO_STAFF_CHANNEL = (
    "NO STAFF CHANNEL IS CONFIGURED: cases and alerts are recorded but NOBODY IS TOLD. "
    "Set TELEGRAM_BOT_TOKEN with STAFF_CHAT_ID, or WEB_LISTEN with a console account "
    "(binhan staff add --web); alerts wait in the outbox until one is set."
)


class NoStaffChannelError(RuntimeError):
    """Raised instead of delivering an alert to nobody: it stays in the outbox."""


@dataclass(frozen=True)
class StaffChannel:
    name: str
    notifier: Notifier


class FanOut:
    """One notifier over several: an alert counts as delivered only when every channel took it.

    A channel that fails makes the whole alert retry (the dispatcher's backoff); the channels
    here either queue inside the same transaction (Telegram) or tolerate a repeat (the web
    console shows each case once), so a retry never tells a person twice."""

    def __init__(self, channels: list[StaffChannel]) -> None:
        self.channels = channels

    @property
    def names(self) -> list[str]:
        return [channel.name for channel in self.channels]

    async def notify(self, uow: SqliteUnitOfWork, alert: Alert, text: str) -> None:
        if not self.channels:  # never mark an alert delivered that nobody received
            raise NoStaffChannelError("no staff channel is configured")
        for channel in self.channels:
            await channel.notifier.notify(uow, alert, text)


async def warn_without_staff_channel(
    channels: Callable[[], Awaitable[list[str]]],
    every: float = NO_STAFF_CHANNEL_EVERY,
) -> None:
    """Log an error now and every ``every`` seconds while no staff channel is configured.

    ``channels`` is asked each time (a console account may be added while the bot runs). The
    line names settings only: no secret, no identifier."""
    while True:
        try:
            if not await channels():
                log.error(NO_STAFF_CHANNEL)
        except Exception as exc:
            log.error("staff channel check failed: %s", type(exc).__name__)
        await asyncio.sleep(every)


async def live_staff_channels(store: Store, fanout: FanOut) -> list[str]:
    """The staff channels that can reach somebody now: the console counts once it has an
    account (set up, or with a setup link waiting)."""
    names = []
    for name in fanout.names:
        if name == "web":
            async with store.unit_of_work() as uow:
                if not await WebAccountRepository(uow.store).count_ready():
                    continue
        if name == "webpush":  # Web Push reaches somebody once a phone subscribed
            from bot.storage.console import PushSubscriptions

            async with store.unit_of_work() as uow:
                if not await PushSubscriptions(uow.store).count():
                    continue
        names.append(name)
    return names
