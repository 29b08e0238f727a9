"""The staff desk: claiming, case commands, the on-call roster, escalation, volunteer invites,
the human handoff and the audit log (safety.md, "Alerts and staff").

It decides and records; it never talks to a messenger directly. What it has to say goes through a
``StaffPost`` (the Telegram channel queues it in the same transaction), so every staff action and
its messages commit together, exactly once.
"""

from __future__ import annotations

import datetime as dt
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.alerts import alert_text
from bot.crypto import Secrets
from bot.storage import CODE_ALPHABET, SqliteUnitOfWork, Store
from handlers.catalogue import Catalogue
from handlers.staff import Alert
from handlers.triage import Reason
from knowledge.gazetteer import Gazetteer

ROLES = ("staff", "supervisor", "admin")
TRIAGE_CATEGORIES = frozenset(r.value for r in Reason)


def _categories(reasons: list[str]) -> list[str]:
    """Only triage reason categories go into a correction (not "staff_judgement" or screen
    answers)."""
    return [r for r in reasons if r in TRIAGE_CATEGORIES]
STAFF_COMMANDS = ("cases", "case", "close", "urgent", "routine", "oncall", "invite", "reply",
                  "end", "block", "unblock")
VOLUNTEER_COMMANDS = ("volunteer", "mycases")
INVITE_ATTEMPTS = 5  # invite codes one account may try per window (8 characters of 32: no
INVITE_WINDOW = dt.timedelta(hours=24)  # guessing at 5 a day)
LANG = "vi"


class StaffPost(Protocol):
    """Where the desk's words go; implemented by a channel (Telegram for staff)."""

    async def to_staff(self, uow: SqliteUnitOfWork, user_id: int, text: str,
                       remember_case: str | None = None, staff_key: str = "") -> None: ...

    async def to_group(self, uow: SqliteUnitOfWork, text: str,
                       claim_case: str | None = None) -> None: ...

    async def edit_alert(self, uow: SqliteUnitOfWork, message_id: int, text: str) -> None: ...

    async def to_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                        urgent: bool) -> bool: ...


@dataclass
class DeskConfig:
    escalate_after: dt.timedelta = dt.timedelta(minutes=3)
    escalate_repeat: dt.timedelta = dt.timedelta(minutes=3)
    invite_lifetime: dt.timedelta = dt.timedelta(hours=72)


class StaffDesk:
    def __init__(
        self,
        store: Store,
        secrets: Secrets,
        catalogue: Catalogue,
        gazetteer: Gazetteer,
        post: StaffPost,
        config: DeskConfig | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.secrets = secrets
        self.catalogue = catalogue
        self.gazetteer = gazetteer
        self.post = post
        self.config = config or DeskConfig()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def t(self, key: str, **args: object) -> str:
        return self.catalogue.text(LANG, key, **args)

    def staff_key(self, user_id: int) -> str:
        return self.secrets.hash_id("staff", user_id)

    def _invite_hash(self, code: str) -> str:
        return self.secrets.hash_id("invite", code.strip().upper())

    def _province(self, code: int | None) -> str:
        province = self.gazetteer.provinces.get(code or -1)
        return province.short if province else self.t("alert-no-province")

    # -- the alert notifier (the dispatcher calls this inside its transaction) ---------------
    async def notify(self, uow: SqliteUnitOfWork, alert: Alert, text: str) -> None:
        if alert.volunteer:
            text += "\n" + self.t("alert-volunteer")
        elif alert.relayed:
            text += "\n" + self.t("alert-relayed")
        await self.post.to_group(uow, text, claim_case=alert.code)

    # -- entry points ------------------------------------------------------------------------
    async def is_staff(self, user_id: int) -> bool:
        async with self.store.unit_of_work() as uow:
            return await uow.staff.get(self.staff_key(user_id)) is not None

    async def run(self, event_id: str, action: Callable[[SqliteUnitOfWork], Any]) -> Any:
        """Run one staff action exactly once (a redelivered update changes nothing)."""
        async with self.store.unit_of_work() as uow:
            if not await uow.processed.first_time(event_id, self._clock()):
                return None
            result = await action(uow)
            await uow.commit()
            return result

    async def claim(self, uow: SqliteUnitOfWork, user_id: int, code: str) -> str:
        """The answer shown to the person who pressed Claim."""
        now = self._clock()
        member = await uow.staff.get(self.staff_key(user_id))
        if member is None:
            return self.t("staff-not-staff")
        case = await uow.cases.get(code)
        if case is None:
            return self.t("staff-unknown-case", code=code)
        if not await uow.cases.claim(case["code"], member["key"], now):
            holder = await uow.staff.get(case["claimed_by"] or "")
            name = holder["name"] if holder else "?"
            return self.t("staff-already-claimed", code=case["code"], name=name)
        await uow.audit.record(self._actor(member), "claim", now, case["code"])
        if case["alert_message_id"]:
            alert = {"code": case["code"], "tier": case["tier"], "province": case["province"],
                     "channel": case["channel"], "reasons": case["reasons"],
                     "time": case["created_at"].isoformat()}
            text = alert_text(alert, self.catalogue, self.gazetteer)
            await self.post.edit_alert(uow, case["alert_message_id"],
                                       text + "\n" + self.t("staff-claimed-by",
                                                            name=member["name"]))
        else:
            await self.post.to_group(uow, f"{case['code']} · "
                                     + self.t("staff-claimed-by", name=member["name"]))
        fresh = await uow.cases.get(case["code"])
        assert fresh is not None
        await self.post.to_staff(uow, member["user_id"], self.details(fresh),
                                 remember_case=case["code"], staff_key=member["key"])
        return self.t("staff-claim-ok", code=case["code"])

    def details(self, case: dict[str, Any]) -> str:
        """The private details for the claimer: what the person agreed to share, nothing else."""
        d = case["details"]
        none = self.t("staff-none")
        contact = d.get("contact") or {}
        contact_text = ", ".join(str(v) for k, v in contact.items() if k != "code_word") or none
        location = d.get("location")
        location_text = f"{location['lat']:.5f}, {location['lon']:.5f}" if location else none
        relayed = ""
        if case["volunteer"]:
            relayed = self.t("alert-volunteer")
        elif case["relayed"]:
            relayed = self.t("alert-relayed")
        return self.t(
            "staff-case-details", code=case["code"], tier=case["tier"],
            status=self.t(f"status-{case['status']}"), province=self._province(case["province"]),
            channel=case["channel"], needs=", ".join(case["needs"]) or none,
            reasons=", ".join(case["reasons"]) or none, relayed=relayed,
            contact=contact_text, code_word=contact.get("code_word") or none,
            location=location_text, worries=d.get("worries") or none,
        )

    async def command(self, uow: SqliteUnitOfWork, user_id: int, name: str, args: str,
                      reply_to: int | None = None) -> str | None:
        """A staff command; the text to answer with (None when the answer went elsewhere)."""
        member = await uow.staff.get(self.staff_key(user_id))
        if member is None:
            return await self.refuse(uow, user_id, f"not_staff:{name}"[:40])
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return self.t("staff-help")
        return await handler(uow, member, args.strip())

    # -- permissions -------------------------------------------------------------------------
    @staticmethod
    def may_act_on(member: dict[str, Any], case: dict[str, Any]) -> bool:
        """Details, close, block, unblock and urgent: the claimer, or a supervisor or admin."""
        return member["role"] in ("supervisor", "admin") or case["claimed_by"] == member["key"]

    async def refuse(self, uow: SqliteUnitOfWork, user_id: int, action: str,
                     code: str | None = None) -> str:
        """Every refusal is audited (who, by pseudonym when not a member; what; which case)."""
        member = await uow.staff.get(self.staff_key(user_id))
        actor = self._actor(member) if member else f"unregistered ({self.staff_key(user_id)})"
        case = await uow.cases.get(code) if code else None
        await uow.audit.record(actor, "refused", self._clock(),
                               case["code"] if case else None, action)
        if member is None:
            return self.t("staff-not-staff")
        if action == "claim_outside_group":
            return self.t("staff-claim-in-group")
        return self.t("staff-not-permitted", code=case["code"] if case else code or "?")

    async def _guard(self, uow: SqliteUnitOfWork, member: dict[str, Any],
                     case: dict[str, Any], action: str) -> str | None:
        """None when the member may act on the case; otherwise the (audited) refusal."""
        if self.may_act_on(member, case):
            return None
        await uow.audit.record(self._actor(member), "refused", self._clock(), case["code"],
                               action)
        return self.t("staff-not-permitted", code=case["code"])

    async def _cmd_help(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        return self.t("staff-help")

    async def _cmd_cases(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        cases = await uow.cases.open_cases()
        if not cases:
            return self.t("staff-cases-none")
        lines = []
        for case in cases:
            holder = await uow.staff.get(case["claimed_by"] or "")
            lines.append(self.t(
                "staff-cases-line", code=case["code"], tier=case["tier"],
                status=self.t(f"status-{case['status']}"),
                province=self._province(case["province"]),
                claimer=holder["name"] if holder else "-"))
        return "\n".join(lines)

    async def _cmd_case(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str | None:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, "view"):
            return refusal
        await uow.audit.record(self._actor(member), "view", self._clock(), case["code"])
        await self.post.to_staff(uow, member["user_id"], self.details(case),
                                 remember_case=case["code"], staff_key=member["key"])
        return None

    async def _cmd_close(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        parts = args.split(maxsplit=1)
        if len(parts) < 2:
            return self.t("staff-usage", usage="/close CODE OUTCOME")
        case = await uow.cases.get(parts[0])
        if case is None:
            return self.t("staff-unknown-case", code=parts[0])
        if refusal := await self._guard(uow, member, case, "close"):
            return refusal
        now = self._clock()
        outcome = parts[1][:80]
        if case["handoff"]:
            await self.post.to_person(uow, case, self.t("person-handoff-ended"), urgent=False)
        await uow.cases.set_status(case["code"], "closed", now, outcome=outcome, handoff=False)
        await uow.audit.record(self._actor(member), "close", now, case["code"], outcome)
        return self.t("staff-closed", code=case["code"], outcome=outcome)

    async def _cmd_urgent(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, "urgent"):
            return refusal
        now = self._clock()
        # "/urgent CODE weapon": staff may name what triage missed (categories only, no text).
        named = [w for w in args.split()[1:] if w in TRIAGE_CATEGORIES]
        await uow.cases.raise_urgent(case["code"], [*case["reasons"], *named, "staff_judgement"],
                                     now)
        await uow.triage_corrections.record(
            case["tier"], "urgent", _categories([*case["reasons"], *named]), now)
        await uow.audit.record(self._actor(member), "urgent", now, case["code"])
        return self.t("staff-raised", code=case["code"])

    async def _cmd_routine(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        """Staff judge an urgent case routine: a triage false alarm, counted by category."""
        lowered = (await uow.triage_corrections.lower_to_routine(args.split()[0], self._clock())
                   if args else None)
        if lowered is None:
            return self.t("staff-unknown-case", code=args or "?")
        now = self._clock()
        old_tier, reasons = lowered
        code = args.split()[0].upper()
        await uow.triage_corrections.record(old_tier, "routine", _categories(reasons), now)
        await uow.audit.record(self._actor(member), "routine", now, code)
        return self.t("staff-lowered", code=code)

    async def _cmd_block(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        parts = args.split()
        if len(parts) != 2 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= 24 * 30:
            return self.t("staff-usage", usage="/block CODE HOURS (1-720)")
        case = await uow.cases.get(parts[0])
        if case is None:
            return self.t("staff-unknown-case", code=parts[0])
        if refusal := await self._guard(uow, member, case, "block"):
            return refusal
        now = self._clock()
        await uow.blocks.block(case["conversation"], now + dt.timedelta(hours=int(parts[1])))
        await uow.audit.record(self._actor(member), "block", now, case["code"], parts[1] + "h")
        return self.t("staff-blocked", code=case["code"], hours=int(parts[1]))

    async def _cmd_unblock(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, "unblock"):
            return refusal
        now = self._clock()
        await uow.blocks.unblock(case["conversation"])
        await uow.audit.record(self._actor(member), "unblock", now, case["code"])
        return self.t("staff-unblocked", code=case["code"])

    async def _cmd_oncall(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        now = self._clock()
        word = args.lower()
        if word in ("on", "off"):
            await uow.oncall.set(member["key"], word == "on", now)
            await uow.audit.record(self._actor(member), f"oncall_{word}", now)
            return self.t("staff-oncall-on" if word == "on" else "staff-oncall-off")
        names = [m["name"] for m in await uow.staff.on_call(now)]
        if not names:
            return self.t("staff-oncall-nobody")
        return self.t("staff-oncall-list", names=", ".join(names))

    async def _cmd_invite(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        now = self._clock()
        code = "".join(pysecrets.choice(CODE_ALPHABET) for _ in range(8))
        await uow.volunteers.create_invite(self._invite_hash(code), member["key"],
                                           now + self.config.invite_lifetime)
        await uow.audit.record(self._actor(member), "invite", now)
        hours = int(self.config.invite_lifetime.total_seconds() // 3600)
        return self.t("staff-invite", code=code, hours=hours)

    async def _cmd_reply(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        parts = args.split(maxsplit=1)
        if len(parts) < 2:
            return self.t("staff-usage", usage="/reply CODE text")
        return await self.handoff(uow, member, parts[0], parts[1])

    async def _cmd_end(self, uow: SqliteUnitOfWork, member: dict, args: str) -> str:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if case["claimed_by"] != member["key"]:
            await uow.audit.record(self._actor(member), "refused", self._clock(), case["code"],
                                   "end_handoff")
            return self.t("staff-not-claimer", code=case["code"])
        now = self._clock()
        if case["handoff"]:
            await self.post.to_person(uow, case, self.t("person-handoff-ended"), urgent=False)
        await uow.cases.end_handoff(case["code"], now)
        await uow.audit.record(self._actor(member), "end_handoff", now, case["code"])
        return self.t("staff-ended", code=case["code"])

    async def reply_to_message(self, uow: SqliteUnitOfWork, user_id: int, message_id: int,
                               text: str) -> str | None:
        """A staff member answered a case's private message: that is a handoff message."""
        member = await uow.staff.get(self.staff_key(user_id))
        if member is None:
            return None
        code = await uow.staff.case_of_message(member["key"], message_id)
        if code is None:
            return None
        return await self.handoff(uow, member, code, text)

    async def handoff(self, uow: SqliteUnitOfWork, member: dict, code: str, text: str) -> str:
        case = await uow.cases.get(code)
        if case is None:
            return self.t("staff-unknown-case", code=code)
        if case["claimed_by"] != member["key"]:
            await uow.audit.record(self._actor(member), "refused", self._clock(), case["code"],
                                   "handoff_message")
            return self.t("staff-not-claimer", code=case["code"])
        if case["status"] == "closed":
            return self.t("staff-case-closed", code=case["code"])
        now = self._clock()
        sent = await self.post.to_person(uow, case, self.t("person-from-staff", text=text[:3000]),
                                         urgent=case["tier"] == "urgent")
        if not sent:
            return self.t("staff-unreachable", code=case["code"])
        await uow.cases.set_status(case["code"], "in_contact", now, handoff=True)
        await uow.audit.record(self._actor(member), "handoff_message", now, case["code"])
        return self.t("staff-sent")

    async def from_person(self, uow: SqliteUnitOfWork, code: str, text: str,
                          notice: str) -> None:
        """The person's words (or "the person left") to the staff member who holds the case."""
        case = await uow.cases.get(code)
        if case is None or not case["claimed_by"]:
            return
        member = await uow.staff.get(case["claimed_by"])
        if member is None:
            return
        body = (self.t(notice, code=code) if notice
                else self.t("staff-from-person", code=code, text=text))
        await self.post.to_staff(uow, member["user_id"], body, remember_case=code,
                                 staff_key=member["key"])
        if notice:
            await uow.audit.record("system", "person_left", self._clock(), code)

    # -- volunteers --------------------------------------------------------------------------
    async def redeem(self, uow: SqliteUnitOfWork, conversation: str, code: str) -> str:
        """Redeem an invite. Attempts are throttled per account (``INVITE_ATTEMPTS`` a day):
        past that, every code reads as unknown, so guessing learns nothing."""
        now = self._clock()
        if not await uow.volunteers.count_attempt(conversation, "invite", now,
                                                  INVITE_ATTEMPTS, INVITE_WINDOW):
            await uow.audit.record("volunteer", "refused", now, detail="invite_throttled")
            return self.t("volunteer-unknown")
        outcome = await uow.volunteers.redeem(self._invite_hash(code), conversation,
                                              self._clock())
        if outcome == "ok":
            await uow.audit.record("volunteer", "joined", self._clock())
        return self.t(f"volunteer-{outcome}")

    async def my_cases(self, uow: SqliteUnitOfWork, conversation: str) -> str:
        if not await uow.volunteers.is_volunteer(conversation):
            return self.t("volunteer-only")
        cases = await uow.cases.relayed_by(conversation)
        if not cases:
            return self.t("volunteer-none")
        lines = [self.t("volunteer-cases")]
        lines += [self.t("volunteer-case-line", code=code, status=self.t(f"status-{status}"))
                  for code, status in cases]
        return "\n".join(lines)

    # -- escalation --------------------------------------------------------------------------
    async def escalate_due(self) -> int:
        """Send unclaimed urgent cases privately to on-call staff, then supervisors too,
        repeating until claimed. Timers live in the store, so a restart changes nothing."""
        now = self._clock()
        count = 0
        async with self.store.unit_of_work() as uow:
            for code, level in await uow.cases.due_escalations(now, self.config.escalate_after):
                case = await uow.cases.get(code)
                assert case is not None
                people = {m["key"]: m for m in await uow.staff.on_call(now)}
                if level >= 1 or not people:
                    for member in await uow.staff.all():
                        if member["role"] in ("supervisor", "admin"):
                            people[member["key"]] = member
                minutes = int((now - case["created_at"]).total_seconds() // 60)
                text = self.t("staff-escalation", code=code,
                              province=self._province(case["province"]), minutes=minutes)
                for member in people.values():
                    await self.post.to_staff(uow, member["user_id"], text)
                await uow.cases.escalated(code, level + 1, now + self.config.escalate_repeat)
                await uow.audit.record("system", f"escalate_{level + 1}", now, code,
                                       f"{len(people)} recipients")
                count += 1
            await uow.commit()
        return count

    @staticmethod
    def _actor(member: dict[str, Any]) -> str:
        return f"{member['name']} ({member['role']})"

