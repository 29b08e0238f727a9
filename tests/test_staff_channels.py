"""The loud warning when nobody can be told: it repeats every ten minutes by default, and a
console counts as a staff channel only once it has an account (a console nobody can log in to
tells nobody)."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

from bot.staff_channels import (
    NO_STAFF_CHANNEL_EVERY,
    FanOut,
    StaffChannel,
    live_staff_channels,
    warn_without_staff_channel,
)
from bot.web.accounts import Role, create_account
from bot.web.live import Broker, WebNotifier
from tests.conversation import open_store


def test_the_warning_repeats_every_ten_minutes_by_default() -> None:
    default = inspect.signature(warn_without_staff_channel).parameters["every"].default
    assert default == NO_STAFF_CHANNEL_EVERY == 600.0


async def test_a_console_without_accounts_is_no_staff_channel(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "c.db")
    fanout = FanOut([StaffChannel("web", WebNotifier(Broker()))])
    assert await live_staff_channels(store, fanout) == []
    async with store.unit_of_work() as uow:  # a setup link waiting counts: someone will come
        await create_account(uow, store.secrets, "lan", "Lan", Role.STAFF,
                             dt.timedelta(hours=1), dt.datetime.now(dt.UTC))
        await uow.commit()
    assert await live_staff_channels(store, fanout) == ["web"]
    await store.close()
