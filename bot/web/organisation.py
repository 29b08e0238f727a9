"""The console's organisation pages: on-call roster, volunteers and invites, the directory,
statistics, and the Web Push subscription of a staff phone.

The same gates as every console page (``bot.web.app``): a session, a CSRF token on every form,
the role table before each action with every refusal audited. URLs carry row numbers, entry
ids of the public directory and report periods, never anything about a person; an invite code
is shown once in the answer to the form that made it, never in a URL or a log.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets as pysecrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.roster import parse_schedule
from bot.storage import CODE_ALPHABET
from bot.storage.console import (
    CaseStatistics,
    PushSubscriptions,
    RosterShifts,
    VolunteerAdmin,
)
from bot.web.directory import DirectoryDesk
from bot.web.permissions import Action, allowed
from bot.web.push import acceptable_endpoint, endpoint_hash, vapid_keys
from bot.web.stats import MIN_CELL, bar_chart, build_report, last_weeks, to_csv, weekly_chart
from knowledge.directory import Directory
from knowledge.models import Hotline, Service

if TYPE_CHECKING:
    from bot.web.app import WebConsole

log = logging.getLogger(__name__)

FIELD_LABELS = {"phones": "directory-phones", "number": "directory-number",
                "address": "directory-address", "hours": "directory-hours",
                "open_24_7": "directory-24-7", "referral": "directory-referral"}
INVITE_LENGTH = 8  # as the Telegram /invite command: 8 characters of 32


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def invite_hash(console: WebConsole, code: str) -> str:
    """The same keyed hash the staff desk redeems an invite with (``StaffDesk``)."""
    return console.secrets.hash_id("invite", code.strip().upper())


class OrganisationPages:
    def __init__(self, console: WebConsole) -> None:
        self.console = console
        self.directory: DirectoryDesk | None = None
        self.on_directory_change: Callable[[Directory], None] | None = None  # the runner's
        self._base_schedule = list(console.store.schedule)  # ONCALL_SCHEDULE, from settings

    def routes(self, app: web.Application) -> None:
        add_get, add_post = app.router.add_get, app.router.add_post
        add_get("/roster", self.roster_page)
        add_post("/roster/add", self.roster_add)
        add_post("/roster/{id:[0-9]+}/remove", self.roster_remove)
        add_get("/volunteers", self.volunteers_page)
        add_post("/volunteers/invite", self.invite)
        add_post("/invites/{id:[0-9]+}/revoke", self.revoke_invite)
        add_post("/volunteers/{id:[0-9]+}/remove", self.remove_volunteer)
        add_get("/directory", self.directory_page)
        add_get("/directory/stale", self.stale_page)
        add_get("/directory/entry/{id}", self.entry_page)
        add_post("/directory/entry/{id}", self.entry_edit)
        add_get("/stats", self.stats_page)
        add_get("/stats.csv", self.stats_csv)
        add_get("/push/key", self.push_key)
        add_post("/push/subscribe", self.push_subscribe)
        add_post("/push/unsubscribe", self.push_unsubscribe)

    async def start(self) -> None:
        """Load the directory overrides, apply the console's shifts, make the VAPID keys."""
        from knowledge.search import default_search

        gazetteer = self.console.gazetteer
        self.directory = DirectoryDesk(
            self.console.store, default_search().directory, gazetteer.provinces,
            self.province_name)
        self.directory.on_change = self.on_directory_change  # the bootstrap applied the
        await self.directory.load()  # saved ones at start; later edits go through this
        await self.apply_roster()
        self.console.push.keys = await vapid_keys(self.console.store, self.console.now())

    def province_name(self, code: int | None) -> str:
        """A province's short name; empty for none (a national entry, or a case whose
        province is not known)."""
        province = self.console.gazetteer.provinces.get(code or -1)
        return province.short if province else ""

    # -- helpers -----------------------------------------------------------------------------
    async def _gate(self, request: web.Request, action: Action) -> web.Response | None:
        if allowed(self.console._staff(request), action):
            return None
        return await self.console._refuse(request, action)

    def _page(self, request: web.Request, template: str, status: int = 200,
              **context: Any) -> web.Response:
        return self.console._page(request, template, status=status, **context)

    def _t(self, request: web.Request, key: str, **args: object) -> str:
        return self.console._t(request, key, **args)

    async def _names(self) -> dict[str, str]:
        async with self.console.store.unit_of_work() as uow:
            return await self.console._holders(uow)

    # -- the on-call roster ------------------------------------------------------------------
    async def apply_roster(self) -> None:
        """Console shifts of staff registered on Telegram join the weekly schedule the desk's
        private urgent alerts follow (``Store.schedule``, beside ONCALL_SCHEDULE)."""
        store = self.console.store
        async with store.unit_of_work() as uow:
            shifts = await RosterShifts(uow.store).all()
            telegram = {m["key"]: m["user_id"] for m in await uow.staff.all()}
        extra = []
        for shift in shifts:
            if shift.staff_key in telegram:
                extra += parse_schedule(
                    f"{telegram[shift.staff_key]}={shift.days}@"
                    f"{_hhmm(shift.start_minute)}-{_hhmm(shift.end_minute)}")
        store.schedule = [*self._base_schedule, *extra]

    async def roster_page(self, request: web.Request, status: int = 200,
                          error: str | None = None) -> web.Response:
        if refusal := await self._gate(request, Action.VIEW_ROSTER):
            return refusal
        account = self.console._staff(request)
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            names = await self.console._holders(uow)
            on_call = [m["name"] for m in await uow.staff.on_call(now)]
            shifts = await RosterShifts(uow.store).all()
        for shift in shifts:
            covering = parse_schedule(f"0={shift.days}@{_hhmm(shift.start_minute)}-"
                                      f"{_hhmm(shift.end_minute)}")[0]
            name = names.get(shift.staff_key, "?")
            if covering.covers(now) and name not in on_call:
                on_call.append(name)
        rows = [{"id": s.id, "name": names.get(s.staff_key, "?"), "days": s.days,
                 "hours": f"{_hhmm(s.start_minute)}–{_hhmm(s.end_minute)}"} for s in shifts]
        return self._page(request, "roster.html", status=status, on_call=on_call,
                          shifts=rows, people=sorted(names.items(), key=lambda kv: kv[1]),
                          can_edit=allowed(account, Action.EDIT_ROSTER), error=error)

    async def roster_add(self, request: web.Request) -> web.StreamResponse:
        if refusal := await self._gate(request, Action.EDIT_ROSTER):
            return refusal
        account = self.console._staff(request)
        form = await request.post()
        key = str(form.get("staff", ""))
        days = str(form.get("days", "")).strip().lower()[:40]
        start, end = str(form.get("start", "")).strip(), str(form.get("end", "")).strip()
        if key not in await self._names():
            return await self.roster_page(request, 400, self._t(request, "roster-bad"))
        try:
            shift = parse_schedule(f"0={days}@{start}-{end}")[0]
        except (ValueError, IndexError):
            return await self.roster_page(request, 400, self._t(request, "roster-bad"))
        start_minute = shift.start.hour * 60 + shift.start.minute
        if shift.end_minutes <= start_minute:
            return await self.roster_page(request, 400, self._t(request, "roster-bad"))
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            await RosterShifts(uow.store).add(key, days, start_minute, shift.end_minutes, now)
            await uow.audit.record(account.actor, "roster_add", now, detail=days)
            await uow.commit()
        await self.apply_roster()
        raise web.HTTPSeeOther("/roster")

    async def roster_remove(self, request: web.Request) -> web.StreamResponse:
        if refusal := await self._gate(request, Action.EDIT_ROSTER):
            return refusal
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            if await RosterShifts(uow.store).remove(int(request.match_info["id"])):
                await uow.audit.record(self.console._staff(request).actor, "roster_remove",
                                       now)
            await uow.commit()
        await self.apply_roster()
        raise web.HTTPSeeOther("/roster")

    # -- volunteers and invites --------------------------------------------------------------
    async def volunteers_page(self, request: web.Request, code: str | None = None,
                              message: str | None = None) -> web.Response:
        if refusal := await self._gate(request, Action.INVITE):
            return refusal
        account = self.console._staff(request)
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            names = await self.console._holders(uow)
            admin = VolunteerAdmin(uow.store)
            invites, volunteers = await admin.invites(), await admin.volunteers()
        rows = []
        for invite in invites:
            state = ("used" if invite.used_at else
                     "expired" if invite.expires_at < now else "waiting")
            rows.append({"id": invite.id, "by": names.get(invite.created_by, "?"),
                         "expires": self.console._local(invite.expires_at),
                         "state": state})
        hours = int(self._lifetime().total_seconds() // 3600)
        return self._page(
            request, "volunteers.html", invites=rows, code=code, hours=hours,
            message=message,
            volunteers=[{"id": v.id, "since": self.console._local(v.since)} for v in volunteers],
            can_revoke=allowed(account, Action.REVOKE))

    def _lifetime(self) -> dt.timedelta:
        desk = self.console.desk
        return desk.config.invite_lifetime if desk is not None else dt.timedelta(hours=72)

    async def invite(self, request: web.Request) -> web.Response:
        """A new invite, as ``/invite`` makes it: 8 characters, stored hashed, valid for
        INVITE_HOURS; the code is shown once, in this answer."""
        if refusal := await self._gate(request, Action.INVITE):
            return refusal
        account = self.console._staff(request)
        now = self.console.now()
        code = "".join(pysecrets.choice(CODE_ALPHABET) for _ in range(INVITE_LENGTH))
        async with self.console.store.unit_of_work() as uow:
            await uow.volunteers.create_invite(invite_hash(self.console, code),
                                               account.staff_key, now + self._lifetime())
            await uow.audit.record(account.actor, "invite", now)
            await uow.commit()
        return await self.volunteers_page(request, code=code)

    async def revoke_invite(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.REVOKE):
            return refusal
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            done = await VolunteerAdmin(uow.store).revoke_invite(int(request.match_info["id"]))
            if done:
                await uow.audit.record(self.console._staff(request).actor, "invite_revoke", now)
            await uow.commit()
        return await self.volunteers_page(
            request, message=self._t(request, "invite-revoked" if done else "invite-not-revoked"))

    async def remove_volunteer(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.REVOKE):
            return refusal
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            done = await VolunteerAdmin(uow.store).remove_volunteer(
                int(request.match_info["id"]))
            if done:
                await uow.audit.record(self.console._staff(request).actor,
                                       "volunteer_remove", now)
            await uow.commit()
        return await self.volunteers_page(
            request, message=self._t(request, "volunteer-removed") if done else None)

    # -- the directory -----------------------------------------------------------------------
    def _desk(self) -> DirectoryDesk:
        if self.directory is None:
            raise web.HTTPServiceUnavailable(text="the directory is loading")
        return self.directory

    async def directory_page(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.VIEW_DIRECTORY):
            return refusal
        query = request.query.get("q", "")[:80]
        entries = self._desk().search(query)
        return self._page(request, "directory.html", query=query, entries=entries)

    async def stale_page(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.VIEW_DIRECTORY):
            return refusal
        today = self.console.now().astimezone(dt.timezone(dt.timedelta(hours=7))).date()
        desk = self._desk()
        rows = [{"view": desk.view(s.entry), "age": s.age_days} for s in desk.stale(today)]
        return self._page(request, "directory_stale.html", rows=rows)

    def _entry(self, request: web.Request) -> Service | Hotline:
        entry = self._desk().entry(request.match_info["id"][:64])
        if entry is None:
            raise web.HTTPNotFound(text="no such entry")
        return entry

    def _entry_form(self, entry: Service | Hotline, raw: dict[str, Any] | None) -> dict[str, str]:
        data = raw if raw is not None else entry.model_dump(mode="json")
        name = data.get("name") or {}
        phones = data.get("phones") or []
        return {
            "name_vi": name.get("vi") or "", "name_en": name.get("en") or "",
            "phones": ", ".join(phones), "number": data.get("number") or "",
            "address": data.get("address") or "", "referral": data.get("referral") or "",
            "hours": data.get("hours") or "", "source": data.get("source") or "",
            "source_url": data.get("source_url") or "",
            "source_date": data.get("source_date") or "",
            "verified_on": data.get("verified_on") or "",
            "open_24_7": "on" if data.get("open_24_7") else "",
            "verified": "on" if data.get("verified") else "",
        }

    async def entry_page(self, request: web.Request, status: int = 200,
                         problems: list[str] | None = None,
                         raw: dict[str, Any] | None = None,
                         saved: bool = False) -> web.Response:
        if refusal := await self._gate(request, Action.VIEW_DIRECTORY):
            return refusal
        entry = self._entry(request)
        desk = self._desk()
        override = desk.overrides.get(entry.id)
        shown = [self._problem(request, p) for p in problems or []]
        return self._page(
            request, "directory_entry.html", status=status, entry=desk.view(entry),
            service=isinstance(entry, Service), form=self._entry_form(entry, raw),
            problems=shown, saved=saved,
            edited=(f"{override.edited_by}, {self.console._local(override.edited_at)}"
                    if override else ""),
            can_edit=allowed(self.console._staff(request), Action.EDIT_DIRECTORY))

    def _problem(self, request: web.Request, problem: str) -> str:
        if problem.startswith("unsourced:"):
            fields = [self._t(request, FIELD_LABELS[f])
                      for f in problem.split(":", 1)[1].split(",")]
            return self._t(request, "directory-unsourced", fields=", ".join(fields))
        return problem  # kb validate's own words, as `binhan kb validate` prints them

    async def entry_edit(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.EDIT_DIRECTORY):
            return refusal
        entry = self._entry(request)
        form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf"}
        result = await self._desk().edit(entry, form, self.console._staff(request).actor,
                                         self.console.now())
        if not result.saved:
            log.info("directory edit refused by validation")
            return await self.entry_page(request, 400, result.problems, result.raw)
        return await self.entry_page(request, saved=True)

    # -- statistics --------------------------------------------------------------------------
    def _weeks(self, request: web.Request) -> list[str]:
        try:
            count = min(max(int(request.query.get("weeks", "12")), 1), 104)
        except ValueError:
            count = 12
        return last_weeks(self.console.now(), count)

    async def _report(self, request: web.Request) -> Any:
        weeks = self._weeks(request)
        since = self.console.now() - dt.timedelta(weeks=len(weeks) + 1)
        async with self.console.store.unit_of_work() as uow:
            facts = await CaseStatistics(uow.store).facts(since)
        return build_report(facts, weeks, lambda code: self.province_name(code) or "unknown")

    async def stats_page(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.STATISTICS):
            return refusal
        report = await self._report(request)
        t = self._t
        charts = {
            "weekly": weekly_chart(report, t(request, "stats-weekly")),
            "province": bar_chart(report, "province", t(request, "stats-by-province")),
            "need": bar_chart(report, "need", t(request, "stats-by-need")),
            "channel": bar_chart(report, "channel", t(request, "stats-by-channel")),
        }
        return self._page(request, "stats.html", report=report, charts=charts,
                          min_cell=MIN_CELL, weeks=len(report.weeks))

    async def stats_csv(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.STATISTICS):
            return refusal
        report = await self._report(request)
        async with self.console.store.unit_of_work() as uow:
            await uow.audit.record(self.console._staff(request).actor, "stats_csv",
                                   self.console.now(), detail=f"{len(report.weeks)} weeks")
            await uow.commit()
        return web.Response(
            body=to_csv(report).encode("utf-8-sig"),  # a BOM: spreadsheets read it as UTF-8
            content_type="text/csv", charset="utf-8",
            headers={"Content-Disposition": 'attachment; filename="binhan-statistics.csv"'})

    # -- Web Push ----------------------------------------------------------------------------
    async def push_key(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.PUSH):
            return refusal
        keys = self.console.push.keys
        if keys is None:
            raise web.HTTPServiceUnavailable(text="push keys not ready")
        return web.json_response({"publicKey": keys.public_key})

    async def push_subscribe(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.PUSH):
            return refusal
        account = self.console._staff(request)
        form = await request.post()
        endpoint = str(form.get("endpoint", ""))
        p256dh, auth = str(form.get("p256dh", "")), str(form.get("auth", ""))
        if (not acceptable_endpoint(endpoint, self.console.config.push_allow_http)
                or not 80 <= len(p256dh) <= 100 or not 16 <= len(auth) <= 32):
            log.warning("web push subscription refused: malformed")
            return web.json_response({"ok": False}, status=400)
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            await PushSubscriptions(uow.store).put(
                account.login, endpoint_hash(self.console.secrets, endpoint), endpoint, p256dh,
                auth, now)
            await uow.audit.record(account.actor, "push_subscribe", now)
            await uow.commit()
        return web.json_response({"ok": True})

    async def push_unsubscribe(self, request: web.Request) -> web.Response:
        if refusal := await self._gate(request, Action.PUSH):
            return refusal
        account = self.console._staff(request)
        form = await request.post()
        now = self.console.now()
        async with self.console.store.unit_of_work() as uow:
            done = await PushSubscriptions(uow.store).remove_endpoint(
                account.login, endpoint_hash(self.console.secrets, str(form.get("endpoint", ""))))
            if done:
                await uow.audit.record(account.actor, "push_unsubscribe", now)
            await uow.commit()
        return web.json_response({"ok": done})

