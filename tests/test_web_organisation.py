"""The console's organisation pages over real HTTP on loopback, with a real SQLite file: the
on-call roster, volunteers and invites, the directory (edits checked like `binhan kb validate`
and never without a source), and statistics with their aggregate-only CSV. Roles are enforced
on every action and every refusal is audited; every form needs its CSRF token."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.bootstrap import open_core
from bot.config import Settings
from bot.storage.console import DirectoryOverrides
from bot.web.accounts import Role, create_account, setup_link
from bot.web.handoff import PersonRoutes, WebDesk
from handlers.catalogue import default_catalogue
from handlers.ports import CaseDraft
from knowledge.directory import Directory
from tests.conversation import SECRET, open_store
from tests.test_web_security import Desk, start
from tests.web_console import csrf_of, enrol, login

TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class Staff:
    http: aiohttp.ClientSession
    csrf: str
    base: str

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return response.status, await response.text()

    async def post(self, path: str, csrf: bool = True, **form: str) -> tuple[int, str]:
        data = {**form, **({"csrf": self.csrf} if csrf else {})}
        async with self.http.post(self.base + path, data=data,
                                  allow_redirects=True) as response:
            return response.status, await response.text()


async def log_in(desk: Desk, name: str, role: Role, telegram_id: int | None = None) -> Staff:
    async with desk.store.unit_of_work() as uow:
        if telegram_id is not None:
            await uow.staff.add(desk.store.secrets.hash_id("staff", telegram_id), telegram_id,
                                role.label, name.title(), desk.clock.now)
        token = await create_account(uow, desk.store.secrets, name, name.title(), role,
                                     dt.timedelta(hours=1), desk.clock.now,
                                     telegram_id=telegram_id)
        await uow.commit()
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=TIMEOUT)
    secret = await enrol(http, setup_link(desk.base, token), desk.clock.now)
    response = await login(http, desk.base, name, secret,
                           desk.clock.now + dt.timedelta(seconds=30))
    assert response.status == 303
    async with http.get(desk.base + "/") as page:
        csrf = csrf_of(await page.text())
    return Staff(http, csrf, desk.base)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    desk = await start(tmp_path)
    yield desk
    await desk.console.stop()
    await desk.store.close()


async def refusals(desk: Desk) -> list[str]:
    return [e["detail"] for e in await desk.audit() if e["action"] == "refused"]


# -- the on-call roster ----------------------------------------------------------------------
async def test_roster_shifts_are_set_by_supervisors_and_put_staff_on_call(desk: Desk) -> None:
    staff = await log_in(desk, "lan", Role.STAFF, telegram_id=7001)
    boss = await log_in(desk, "hoa", Role.SUPERVISOR)
    try:
        status, page = await staff.get("/roster")
        assert status == 200 and "Hiện không ai trực" in page
        lan_key = desk.store.secrets.hash_id("staff", 7001)
        # a staff member may look, not set shifts: refused, and the refusal is audited
        status, _ = await staff.post("/roster/add", staff=lan_key, days="mon-sun",
                                     start="00:00", end="24:00")
        assert status == 403 and "edit_roster" in await refusals(desk)
        # a form without its CSRF token is refused before anything happens
        status, _ = await boss.post("/roster/add", csrf=False, staff=lan_key, days="mon-sun",
                                    start="00:00", end="24:00")
        assert status == 403
        # a shift typed wrong is explained, not saved
        status, page = await boss.post("/roster/add", staff=lan_key, days="thu hai",
                                       start="8h", end="17:00")
        assert status == 400 and "Chưa lưu ca này" in page
        # every day, all day: Lan is on call now, for the desk's private urgent alerts too
        status, page = await boss.post("/roster/add", staff=lan_key, days="mon-sun",
                                       start="00:00", end="24:00")
        assert status == 200 and "mon-sun" in page
        async with desk.store.unit_of_work() as uow:
            on_call = [m["name"] for m in await uow.staff.on_call(desk.clock.now)]
        assert on_call == ["Lan"]
        status, page = await staff.get("/roster")
        assert '<ul id="on-call"><li>Lan</li></ul>' in page
        [shift_id] = [line.split('data-shift="')[1].split('"')[0]
                      for line in page.splitlines() if "data-shift=" in line]
        status, _ = await boss.post(f"/roster/{shift_id}/remove")
        async with desk.store.unit_of_work() as uow:
            assert await uow.staff.on_call(desk.clock.now) == []
        actions = [e["action"] for e in await desk.audit()]
        assert "roster_add" in actions and "roster_remove" in actions
    finally:
        await staff.http.close()
        await boss.http.close()


# -- volunteers and invites ------------------------------------------------------------------
async def test_invites_made_on_the_console_work_with_the_bot_and_can_be_revoked(
        desk: Desk) -> None:
    staff = await log_in(desk, "lan", Role.STAFF)
    boss = await log_in(desk, "hoa", Role.SUPERVISOR)
    bot_desk = WebDesk(desk.store, desk.store.secrets, default_catalogue(),
                       desk.console.gazetteer, PersonRoutes(), clock=desk.clock)
    try:
        # any staff member makes a code, as with /invite; it is shown once, never in a URL
        status, page = await staff.post("/volunteers/invite")
        assert status == 200 and "Mã mời:" in page
        code = page.split('id="invite-code"')[1].split("Mã mời: ")[1][:8]
        status, page = await staff.get("/volunteers")
        assert code not in page and "chưa dùng" in page
        # a volunteer redeems it with the bot: the staff desk's own redemption accepts it
        async with desk.store.unit_of_work() as uow:
            answer = await bot_desk.redeem(uow, "telegram:volunteer-hash", code.lower())
            await uow.commit()
        assert answer == bot_desk.t("volunteer-ok")
        async with desk.store.unit_of_work() as uow:
            assert await uow.volunteers.is_volunteer("telegram:volunteer-hash")
        status, page = await staff.get("/volunteers")
        assert "đã dùng" in page and 'data-volunteer="' in page
        # a second code; a staff member may not revoke it (audited), a supervisor may
        status, page = await staff.post("/volunteers/invite")
        second = page.split("Mã mời: ")[1][:8]
        invite_id = page.split('data-invite="')[1].split('"')[0]  # newest first
        status, _ = await staff.post(f"/invites/{invite_id}/revoke")
        assert status == 403 and "revoke" in await refusals(desk)
        status, page = await boss.post(f"/invites/{invite_id}/revoke")
        assert status == 200 and "Đã thu hồi mã mời" in page
        async with desk.store.unit_of_work() as uow:
            answer = await bot_desk.redeem(uow, "telegram:someone-else", second)
            await uow.commit()
            assert answer == bot_desk.t("volunteer-unknown")
            assert not await uow.volunteers.is_volunteer("telegram:someone-else")
        # removing the volunteer
        volunteer_id = (await boss.get("/volunteers"))[1].split('data-volunteer="')[1][:1]
        status, page = await boss.post(f"/volunteers/{volunteer_id}/remove")
        assert "Đã xoá tình nguyện viên" in page
        async with desk.store.unit_of_work() as uow:
            assert not await uow.volunteers.is_volunteer("telegram:volunteer-hash")
    finally:
        await staff.http.close()
        await boss.http.close()


# -- the directory ---------------------------------------------------------------------------
async def test_directory_search_and_the_queue_of_entries_to_recheck(desk: Desk) -> None:
    staff = await log_in(desk, "lan", Role.STAFF)
    try:
        status, page = await staff.get("/directory?q=bao ve tre em")  # typed without accents
        assert status == 200 and 'data-entry="child-111"' in page
        status, page = await staff.get("/directory?q=khong co noi nao ten nay")
        assert "Không có mục nào khớp" in page
        status, page = await staff.get("/directory/stale")
        assert status == 200
        desk_directory = desk.console.organisation.directory
        assert desk_directory is not None
        today = desk.clock.now.date()
        first = desk_directory.stale(today)[0].entry.id
        assert f'data-entry="{first}"' in page
        # staff may read an entry, not change it: the refusal is audited
        status, page = await staff.get("/directory/entry/child-111")
        assert status == 200 and "disabled" in page
        status, _ = await staff.post("/directory/entry/child-111", name_vi="x", number="111",
                                     source="a source")
        assert status == 403 and "edit_directory" in await refusals(desk)
    finally:
        await staff.http.close()


async def test_directory_edits_are_validated_sourced_saved_and_used(desk: Desk) -> None:
    boss = await log_in(desk, "hoa", Role.SUPERVISOR)
    used: list[Directory] = []
    assert desk.console.organisation.directory is not None
    desk.console.organisation.directory.on_change = used.append
    try:
        status, page = await boss.get("/directory/entry/child-111")
        form = {name: page.split(f'name="{name}" value="')[1].split('"')[0]
                for name in ("name_vi", "name_en", "number", "hours", "source", "source_url",
                             "source_date", "verified_on")}
        form.update(open_24_7="on", verified="on")
        # a number that is not one: kb validate's own words, nothing saved
        status, page = await boss.post("/directory/entry/child-111",
                                       **{**form, "number": "goi 111 nhe"})
        assert status == 400 and "is not a phone number" in page
        # verified without the date it was checked: refused too
        status, page = await boss.post("/directory/entry/child-111",
                                       **{**form, "verified_on": ""})
        assert status == 400 and "verified entry needs verified_on" in page
        # a changed number with the old source: that would invent a fact
        status, page = await boss.post("/directory/entry/child-111",
                                       **{**form, "number": "1800 1567"})
        assert status == 400 and "Đã đổi mà không có nguồn: Số" in page
        # emptying the hours with the old source: refused as well (why did they go?)
        status, page = await boss.post("/directory/entry/child-111", **{**form, "hours": "",
                                                                        "open_24_7": ""})
        assert status == 400 and "Đã đổi mà không có nguồn: Mở 24/7" in page
        async with desk.store.unit_of_work() as uow:
            assert await DirectoryOverrides(uow.store).all() == []
        assert used == []
        # hours with where they come from: saved, audited, used by the bot at once
        status, page = await boss.post(
            "/directory/entry/child-111",
            **{**form, "hours": "24/7, cả ngày lễ",
               "source": "Gọi kiểm tra tổng đài 111 ngày 20/11/2026 (nhân viên Hoa)",
               "source_date": "2026-11-20", "verified_on": "2026-11-20"})
        assert status == 200 and "Đã lưu" in page
        async with desk.store.unit_of_work() as uow:
            [saved] = await DirectoryOverrides(uow.store).all()
        assert saved.body["hours"] == "24/7, cả ngày lễ" and saved.edited_by == "Hoa (supervisor)"
        [directory] = used
        [line] = [h for h in directory.hotlines if h.id == "child-111"]
        assert line.hours == "24/7, cả ngày lễ" and line.number == "111"
        audit = await desk.audit()
        assert [e["detail"] for e in audit if e["action"] == "directory_edit"] == ["child-111"]
        assert sum(e["action"] == "directory_edit_refused" for e in audit) == 4
    finally:
        await boss.http.close()
    # the next start of the bot answers from the edited entry
    await desk.console.stop()
    await desk.store.close()
    settings = Settings(_env_file=None, database_path=desk.store.path,  # type: ignore[call-arg]
                        secret_key=SECRET)
    core = await open_core(settings)
    try:
        [line] = [h for h in core.engine.search.directory.hotlines if h.id == "child-111"]
        assert line.hours == "24/7, cả ngày lễ"
    finally:
        await core.store.close()
        desk.store = await open_store(desk.store.path)  # for the fixture's own close
        await desk.console.stop()


# -- statistics ------------------------------------------------------------------------------
async def open_cases(desk: Desk, count: int, tier: str, province: int | None, channel: str,
                     needs: list[str], claim_after: dt.timedelta | None = None) -> None:
    async with desk.store.unit_of_work() as uow:
        for n in range(count):
            code = await uow.cases.open(CaseDraft(
                tier, channel, f"{channel}:person-{tier}-{province}-{n}", province=province,
                needs=needs, details={"contact": {"phone": "0912 345 678"}}),
                desk.clock.now - dt.timedelta(hours=n))
            if claim_after is not None:
                await uow.cases.claim(code, "staff:x",
                                      desk.clock.now - dt.timedelta(hours=n) + claim_after)
        await uow.commit()


async def test_statistics_and_their_csv_hold_aggregates_only(desk: Desk) -> None:
    staff = await log_in(desk, "lan", Role.STAFF)
    boss = await log_in(desk, "hoa", Role.SUPERVISOR)
    await open_cases(desk, 6, "urgent", 1, "zalo_bot", ["shelter"],
                     claim_after=dt.timedelta(minutes=4))
    await open_cases(desk, 2, "routine", 79, "telegram", ["legal"])
    try:
        status, _ = await staff.get("/stats")
        assert status == 403
        status, _ = await staff.get("/stats.csv")
        assert status == 403 and "statistics" in await refusals(desk)
        status, page = await boss.get("/stats")
        assert status == 200 and "<svg" in page and "&lt;5" in page
        assert "0912" not in page
        async with boss.http.get(boss.base + "/stats.csv?weeks=4") as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            body = (await response.read()).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(body)))
        assert {r["table"] for r in rows} >= {"tier", "province", "need", "channel"}
        urgent = [r for r in rows if r["table"] == "tier" and r["group"] == "urgent"]
        assert sum(int(r["cases"] or 0) for r in urgent) + sum(
            1 for r in urgent if not r["cases"]) >= 1
        # the two routine cases are a small cell: suppressed, and the CSV says why
        routine = [r for r in rows if r["table"] == "tier" and r["group"] == "routine"]
        assert routine and all(r["cases"] == "" and "fewer than 5" in r["note"]
                               for r in routine)
        # six claims four minutes after opening: median and p90 are given
        [median] = [r for r in rows if r["table"] == "minutes-to-claim" and r["group"] == "median"]
        assert float(median["cases"]) == 4.0
        [reply] = [r for r in rows if r["table"] == "minutes-to-first-reply"]
        assert reply["cases"] == "" and "fewer than 5" in reply["note"]
        # nothing about a person: no case code, no phone, no conversation key
        async with desk.store.unit_of_work() as uow:
            codes = [c["code"] for c in await uow.cases.open_cases()]
        assert not any(code in body for code in codes)
        assert "0912" not in body and "person-" not in body
        assert "stats_csv" in [e["action"] for e in await desk.audit()]
    finally:
        await staff.http.close()
        await boss.http.close()
