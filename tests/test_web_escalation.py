"""Without Telegram, an urgent case nobody claims is announced again on the console, repeating
until someone claims it (the desk's escalation timers, from the store)."""

from __future__ import annotations

from pathlib import Path

from bot.staff import DeskConfig
from bot.web.handoff import PersonRoutes, WebDesk
from bot.web.live import Broker
from handlers.catalogue import default_catalogue
from handlers.ports import CaseDraft
from knowledge.gazetteer import default_gazetteer
from tests.conversation import Clock, open_store


async def test_unclaimed_urgent_case_is_announced_again_until_claimed(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "e.db")
    clock = Clock()
    desk = WebDesk(store, store.secrets, default_catalogue(), default_gazetteer(),
                   PersonRoutes(), DeskConfig(), clock)
    desk.broker = Broker()
    events = desk.broker.subscribe()
    async with store.unit_of_work() as uow:
        code = await uow.cases.open(CaseDraft("urgent", "zalo_oa", "oa:1", province=79,
                                              reasons=["weapon"]), clock.now)
        await uow.cases.open(CaseDraft("routine", "zalo_oa", "oa:2"), clock.now)
        await uow.commit()
    assert await desk.escalate_due() == 0 and events.empty()  # not yet: 3 minutes
    clock.advance(minutes=3, seconds=1)
    assert await desk.escalate_due() == 1
    event = events.get_nowait()
    assert event is not None and event.kind == "alert"
    assert event.data["code"] == code and event.data["event"] == "escalation"
    assert code in event.data["text"] and "3" in event.data["text"]
    assert events.empty()  # the routine case is never escalated
    clock.advance(minutes=1)
    assert await desk.escalate_due() == 0  # the repeat waits its interval
    clock.advance(minutes=2, seconds=1)
    assert await desk.escalate_due() == 1 and not events.empty()
    events.get_nowait()
    async with store.unit_of_work() as uow:
        assert await uow.cases.claim(code, "staff-key", clock.now)
        await uow.commit()
    clock.advance(minutes=10)
    assert await desk.escalate_due() == 0 and events.empty()  # claimed: quiet
    await store.close()

