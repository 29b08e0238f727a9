"""The weekly on-call schedule, alone and through the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.crypto import Secrets
from bot.roster import VIETNAM, parse_schedule, scheduled_now
from bot.storage import Store
from tests.conversation import SECRET

SCHEDULE = "7001=mon-fri@08:00-17:00; 7002=sat,sun@00:00-24:00; 7003=fri-mon@22:00-24:00"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Vietnam local time on the given weekday of the week of 23 Nov 2026 (a Monday)."""
    return dt.datetime(2026, 11, 23 + day, hour, minute, tzinfo=VIETNAM)


def test_schedule_windows() -> None:
    shifts = parse_schedule(SCHEDULE)
    assert scheduled_now(shifts, at(0, 8)) == {7001}
    assert scheduled_now(shifts, at(4, 16, 59)) == {7001}
    assert scheduled_now(shifts, at(4, 17)) == set()
    assert scheduled_now(shifts, at(5, 3)) == {7002}
    assert scheduled_now(shifts, at(6, 23)) == {7002, 7003}  # fri-mon wraps over the week
    assert scheduled_now(shifts, at(2, 23)) == set()
    utc = at(0, 9).astimezone(dt.UTC)  # 02:00 UTC is 09:00 in Vietnam
    assert scheduled_now(shifts, utc) == {7001}


@pytest.mark.parametrize("bad", ["7001=mon-fri", "x=mon@08:00-17:00", "7001=funday@08:00-09:00",
                                 "7001=mon@25:00-26:00"])
def test_bad_schedules_are_refused_by_name(bad: str, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ONCALL_SCHEDULE", bad)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "ONCALL_SCHEDULE" in str(caught.value)


async def test_store_counts_scheduled_staff_as_on_call(tmp_path: Path) -> None:
    secrets = Secrets(SECRET)
    store = await Store(tmp_path / "r.db", secrets, parse_schedule(SCHEDULE)).open()
    async with store.unit_of_work() as uow:
        await uow.staff.add(secrets.hash_id("staff", 7001), 7001, "staff", "Hoa", at(0, 1))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert [m["name"] for m in await uow.staff.on_call(at(0, 9))] == ["Hoa"]
        assert await uow.oncall.anyone_on_call(at(0, 9))
        assert not await uow.oncall.anyone_on_call(at(0, 20))
        assert not await uow.oncall.anyone_on_call(at(5, 9))  # 7002 is scheduled, not registered
    await store.close()
