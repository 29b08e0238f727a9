"""The staff domain in the core: case events become alerts through one handler, inside the unit
of work that changed the case; who may do what; who is told privately."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from bot.storage import Outbox
from handlers.ports import CaseDraft
from handlers.staff import (
    Alert,
    AlertKind,
    CaseAction,
    CaseClaimed,
    CaseClosed,
    CaseDangerAgain,
    CaseOpened,
    CaseRaised,
    CaseUpdated,
    CaseView,
    Copy,
    FanOut,
    HandoffEnded,
    Role,
    StaffMember,
    Status,
    Tier,
    alert_for,
    escalation_recipients,
    fan_out,
    lead_recipient,
    may,
    private_recipients,
)
from tests.conversation import Clock, open_store

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
HOA = StaffMember("staff:hoa", "Hoa", Role.STAFF, telegram_id=7001)
MINH = StaffMember("staff:minh", "Minh", Role.STAFF, zalo_chat="z-minh")
BOSS = StaffMember("staff:boss", "Lan Anh", Role.SUPERVISOR, web_login="lananh")


def case(**changes: object) -> CaseView:
    base = CaseView("K7Q2", Tier.URGENT, Status.NEW, "zalo_bot", NOW, province=79,
                    reasons=("weapon",))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_only_an_opened_or_raised_case_makes_an_alert() -> None:
    opened = alert_for(CaseOpened(case(), NOW))
    assert opened is not None and opened.kind is AlertKind.OPENED and opened.urgent
    assert opened.province == 79 and opened.reasons == ("weapon",) and opened.at == NOW
    raised = alert_for(CaseRaised(case(), NOW))
    assert raised is not None and raised.kind is AlertKind.RAISED_URGENT
    for quiet in (CaseUpdated("K7Q2", NOW), CaseClaimed("K7Q2", HOA.key, NOW),
                  CaseClosed("K7Q2", "referred", NOW), HandoffEnded("K7Q2", NOW)):
        assert alert_for(quiet) is None


def test_an_alert_payload_carries_nothing_personal_and_reads_back() -> None:
    alert = Alert.of_case(case(relayed=True), AlertKind.OPENED, NOW)
    payload = alert.payload()
    assert set(payload) == {"code", "tier", "province", "channel", "reasons", "relayed",
                            "volunteer", "time", "event", "abroad"}
    assert Alert.from_payload(payload, sequence=4) == replace(alert, sequence=4)


def test_claimer_or_supervisor_rules() -> None:
    held = case(status=Status.CLAIMED, claimed_by=HOA.key)
    assert may(HOA, CaseAction.VIEW, held) and may(HOA, CaseAction.CLOSE, held)
    assert not may(MINH, CaseAction.VIEW, held) and not may(MINH, CaseAction.CLOSE, held)
    assert may(BOSS, CaseAction.VIEW, held) and may(BOSS, CaseAction.BLOCK, held)
    # talking with the person is the holder's alone, even for a supervisor
    assert may(HOA, CaseAction.HANDOFF, held) and not may(BOSS, CaseAction.HANDOFF, held)
    assert not may(HOA, CaseAction.VIEW, case())  # nobody holds it: supervisors only


def test_urgent_alerts_reach_every_on_call_member_once_routine_none() -> None:
    urgent = Alert.of_case(case(), AlertKind.OPENED, NOW)
    assert private_recipients(urgent, [HOA, MINH, HOA]) == [HOA, MINH]
    routine = Alert.of_case(case(tier=Tier.ROUTINE), AlertKind.OPENED, NOW)
    assert private_recipients(routine, [HOA, MINH]) == []


def test_a_burst_leads_in_each_chat_in_turn() -> None:
    leads = [lead_recipient(turn, 4) for turn in range(1, 9)]
    assert leads == [1, 2, 3, 0, 1, 2, 3, 0]
    urgent = Alert.of_case(case(), AlertKind.OPENED, NOW)
    plans = [fan_out(urgent, [HOA, MINH], turn) for turn in range(3)]
    # three alerts in a row, three chats (the group, Hoa, Minh): each leads in one chat, and
    # every chat still gets every alert (the rest as follow-ups)
    assert [p.group for p in plans] == [Copy.LEAD, Copy.FOLLOW_UP, Copy.FOLLOW_UP]
    assert [[c for _, c in p.private] for p in plans] == [
        [Copy.FOLLOW_UP, Copy.FOLLOW_UP], [Copy.LEAD, Copy.FOLLOW_UP],
        [Copy.FOLLOW_UP, Copy.LEAD]]
    assert all([m for m, _ in p.private] == [HOA, MINH] for p in plans)
    routine = Alert.of_case(case(tier=Tier.ROUTINE), AlertKind.OPENED, NOW)
    assert fan_out(routine, [HOA, MINH], 1) == FanOut(Copy.ONLY)
    assert fan_out(urgent, [], 1) == FanOut(Copy.ONLY)  # nobody on call: the group at once


def test_escalation_widens_to_supervisors() -> None:
    assert escalation_recipients(0, [HOA], [HOA, MINH, BOSS]) == [HOA]
    assert escalation_recipients(1, [HOA], [HOA, MINH, BOSS]) == [HOA, BOSS]
    assert escalation_recipients(0, [], [HOA, MINH, BOSS]) == [BOSS]  # nobody on call


async def test_events_become_alerts_at_commit_once(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "d.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        code = await uow.cases.open(CaseDraft("routine", "zalo_oa", "oa:1", province=1),
                                    clock.now)
        assert [type(e) for e in uow.events] == [CaseOpened]
        await uow.cases.update(code, clock.now, province=79, needs=["legal"])
        await uow.cases.raise_urgent(code, ["weapon"], clock.now)
        await uow.cases.raise_urgent(code, ["weapon", "threat_to_kill"], clock.now)
        assert [type(e) for e in uow.events] == [CaseOpened, CaseUpdated, CaseRaised]
        await uow.commit()
        assert uow.events == []  # handled, not kept for a second commit
    due = await Outbox(store).due(clock.now)
    assert [(a["event"], a["tier"], a["province"]) for _, a, _ in due] == [
        ("raised_urgent", "urgent", 79), ("opened", "routine", 1)]
    async with store.unit_of_work() as uow:  # raising an urgent case again alerts nobody
        await uow.cases.raise_urgent(code, ["weapon"], clock.now)
        assert uow.events == []
        await uow.commit()
    assert len(await Outbox(store).due(clock.now)) == 2
    await store.close()


async def test_new_danger_on_an_urgent_case_pages_once_per_repeat(tmp_path: Path) -> None:
    """"He is back with a knife" on a case already urgent: one more alert per numbered repeat
    (the dialogue caps the number), each kept once, and read back with its number."""
    alert = alert_for(CaseDangerAgain(case(), NOW, 2))
    assert alert is not None and alert.kind is AlertKind.DANGER_AGAIN and alert.repeat == 2
    assert alert.event == "danger_again:2"
    assert Alert.from_payload(alert.payload()) == alert
    store = await open_store(tmp_path / "again.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        code = await uow.cases.open(CaseDraft("urgent", "zalo_oa", "oa:2"), clock.now)
        await uow.cases.raise_urgent(code, ["weapon"], clock.now, again=1)
        await uow.cases.raise_urgent(code, ["weapon"], clock.now, again=1)  # the same page
        await uow.cases.raise_urgent(code, ["weapon"], clock.now, again=2)
        await uow.commit()
    due = await Outbox(store).due(clock.now)
    assert sorted(a["event"] for _, a, _ in due) == ["danger_again:1", "danger_again:2",
                                                      "opened"]
    await store.close()


async def test_claim_close_and_handoff_are_recorded_as_events(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "e.db")
    clock = Clock()
    async with store.unit_of_work() as uow:
        code = await uow.cases.open(CaseDraft("urgent", "telegram", "tg:1"), clock.now)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.cases.claim(code, HOA.key, clock.now)
        assert not await uow.cases.claim(code, MINH.key, clock.now)  # the first claim wins
        await uow.cases.set_status(code, "in_contact", clock.now, handoff=True)
        await uow.cases.end_handoff(code, clock.now)
        await uow.cases.set_status(code, "closed", clock.now, outcome="referred")
        kinds = [type(e).__name__ for e in uow.events]
        view = await uow.cases.view(code)
        await uow.commit()
    assert kinds == ["CaseClaimed", "HandoffStarted", "HandoffEnded", "CaseClosed"]
    assert view is not None and view.status is Status.CLOSED and view.claimed_by == HOA.key
    assert len(await Outbox(store).due(clock.now)) == 1  # still only the opening alert
    await store.close()
