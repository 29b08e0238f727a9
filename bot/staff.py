"""The staff desk: claiming, case commands, the on-call roster, escalation, volunteer invites,
the human handoff and the audit log (safety.md, "Alerts and staff").

The adapter between the store's records and the staff domain (``handlers.staff``): it reads
members and cases, turns them into typed ``StaffMember`` and ``CaseView``, and asks the domain
who may do what (``rules``) and who gets an alert (``alerting``). It never talks to a messenger
directly. What it has to say goes through a ``StaffPost`` (the Telegram channel queues it in the
same transaction), so every staff action and its messages commit together, exactly once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.alerts import alert_text
from bot.crypto import Secrets
from bot.storage import CODE_ALPHABET, SqliteUnitOfWork, Store
from handlers.catalogue import Catalogue
from handlers.staff import (
    Alert,
    AlertKind,
    CaseAction,
    CaseView,
    Claim,
    Copy,
    Role,
    StaffMember,
    escalation_recipients,
    fan_out,
    may,
)
from handlers.triage import Reason
from knowledge.gazetteer import Gazetteer

ROLES = tuple(role.label for role in Role)
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
                       claim_case: str | None = None, copy: Copy = Copy.ONLY) -> None: ...

    async def alert_staff(self, uow: SqliteUnitOfWork, user_id: int, text: str, code: str,
                          staff_key: str, copy: Copy) -> None:
        """An alert to one staff member's private chat, with its own Claim button."""
        ...

    async def edit_alert(self, uow: SqliteUnitOfWork, message_id: int, text: str) -> None: ...

    async def to_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                        urgent: bool) -> bool: ...


def member_of(record: dict[str, Any] | StaffMember) -> StaffMember:
    """A store's staff record (``StaffRepository``), or a console account shaped like one, as
    the domain's ``StaffMember``."""
    if isinstance(record, StaffMember):
        return record
    return StaffMember(key=record["key"], name=record["name"], role=Role.parse(record["role"]),
                       telegram_id=record.get("user_id") or None)


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
        self._turns = itertools.count()  # urgent alerts in turn (``alerting.lead_recipient``)

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
        """The staff group, and for an urgent alert every on-call member privately as well
        (each once), as ``alerting.fan_out`` plans it."""
        if alert.volunteer:
            text += "\n" + self.t("alert-volunteer")
        elif alert.relayed:
            text += "\n" + self.t("alert-relayed")
        reachable: list[StaffMember] = []
        if alert.urgent:
            on_call = [member_of(m) for m in await uow.staff.on_call(self._clock())]
            reachable = [m for m in on_call if m.telegram_id is not None]
        plan = fan_out(alert, reachable, next(self._turns) if reachable else 0)
        await self.post.to_group(uow, text, claim_case=alert.code, copy=plan.group)
        for member, copy in plan.private:
            assert member.telegram_id is not None
            await self.post.alert_staff(uow, member.telegram_id, text, alert.code, member.key,
                                        copy)

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
        record = await uow.staff.get(self.staff_key(user_id))
        if record is None:
            return self.t("staff-not-staff")
        member = member_of(record)
        case = await uow.cases.get(code)
        if case is None:
            return self.t("staff-unknown-case", code=code)
        won = await uow.cases.claim(case["code"], member.key, now)  # first claim wins
        claim = Claim(case["code"], won, holder=None if won else case["claimed_by"])
        if not claim.won:
            holder = await uow.staff.get(claim.holder or "")
            name = holder["name"] if holder else "?"
            return self.t("staff-already-claimed", code=claim.code, name=name)
        await uow.audit.record(member.actor, "claim", now, case["code"])
        claimed = self.t("staff-claimed-by", name=member.name)
        if case["alert_message_id"]:
            view = CaseView.from_record(case)
            text = alert_text(Alert.of_case(view, AlertKind.OPENED, view.opened_at),
                              self.catalogue, self.gazetteer)
            await self.post.edit_alert(uow, case["alert_message_id"], text + "\n" + claimed)
        else:
            await self.post.to_group(uow, f"{case['code']} · " + claimed)
        fresh = await uow.cases.get(case["code"])
        assert fresh is not None and member.telegram_id is not None
        await self.post.to_staff(uow, member.telegram_id, self.details(fresh),
                                 remember_case=case["code"], staff_key=member.key)
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
        record = await uow.staff.get(self.staff_key(user_id))
        if record is None:
            return await self.refuse(uow, user_id, f"not_staff:{name}"[:40])
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return self.t("staff-help")
        result: str | None = await handler(uow, member_of(record), args.strip())
        return result

    # -- permissions -------------------------------------------------------------------------
    @staticmethod
    def may_act_on(member: dict[str, Any] | StaffMember, case: dict[str, Any]) -> bool:
        """Details, close, block, unblock and urgent: the claimer, or a supervisor or admin
        (``handlers.staff.rules``)."""
        return may(member_of(member), CaseAction.VIEW, CaseView.from_record(case))

    async def refuse(self, uow: SqliteUnitOfWork, user_id: int, action: str,
                     code: str | None = None) -> str:
        """Every refusal is audited (who, by pseudonym when not a member; what; which case)."""
        record = await uow.staff.get(self.staff_key(user_id))
        actor = (member_of(record).actor if record
                 else f"unregistered ({self.staff_key(user_id)})")
        case = await uow.cases.get(code) if code else None
        await uow.audit.record(actor, "refused", self._clock(),
                               case["code"] if case else None, action)
        if record is None:
            return self.t("staff-not-staff")
        if action == "claim_outside_group":
            return self.t("staff-claim-in-group")
        return self.t("staff-not-permitted", code=case["code"] if case else code or "?")

    async def _guard(self, uow: SqliteUnitOfWork, member: StaffMember,
                     case: dict[str, Any], action: CaseAction) -> str | None:
        """None when the member may act on the case; otherwise the (audited) refusal."""
        if may(member, action, CaseView.from_record(case)):
            return None
        await uow.audit.record(member.actor, "refused", self._clock(), case["code"],
                               action.value)
        if action in (CaseAction.HANDOFF, CaseAction.END_HANDOFF):
            return self.t("staff-not-claimer", code=case["code"])
        return self.t("staff-not-permitted", code=case["code"])

    async def _cmd_help(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        return self.t("staff-help")

    async def _cmd_cases(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
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

    async def _cmd_case(self, uow: SqliteUnitOfWork, member: StaffMember,
                        args: str) -> str | None:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, CaseAction.VIEW):
            return refusal
        await uow.audit.record(member.actor, "view", self._clock(), case["code"])
        if member.telegram_id is not None:
            await self.post.to_staff(uow, member.telegram_id, self.details(case),
                                     remember_case=case["code"], staff_key=member.key)
        return None

    async def _cmd_close(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        parts = args.split(maxsplit=1)
        if len(parts) < 2:
            return self.t("staff-usage", usage="/close CODE OUTCOME")
        case = await uow.cases.get(parts[0])
        if case is None:
            return self.t("staff-unknown-case", code=parts[0])
        if refusal := await self._guard(uow, member, case, CaseAction.CLOSE):
            return refusal
        now = self._clock()
        outcome = parts[1][:80]
        if case["handoff"]:
            await self.post.to_person(uow, case, self.t("person-handoff-ended"), urgent=False)
        await uow.cases.set_status(case["code"], "closed", now, outcome=outcome, handoff=False)
        await uow.audit.record(member.actor, "close", now, case["code"], outcome)
        return self.t("staff-closed", code=case["code"], outcome=outcome)

    async def _cmd_urgent(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, CaseAction.URGENT):
            return refusal
        now = self._clock()
        # "/urgent CODE weapon": staff may name what triage missed (categories only, no text).
        named = [w for w in args.split()[1:] if w in TRIAGE_CATEGORIES]
        await uow.cases.raise_urgent(case["code"], [*case["reasons"], *named, "staff_judgement"],
                                     now)
        await uow.triage_corrections.record(
            case["tier"], "urgent", _categories([*case["reasons"], *named]), now)
        await uow.audit.record(member.actor, "urgent", now, case["code"])
        return self.t("staff-raised", code=case["code"])

    async def _cmd_routine(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        """Staff judge an urgent case routine: a triage false alarm, counted by category."""
        lowered = (await uow.triage_corrections.lower_to_routine(args.split()[0], self._clock())
                   if args else None)
        if lowered is None:
            return self.t("staff-unknown-case", code=args or "?")
        now = self._clock()
        old_tier, reasons = lowered
        code = args.split()[0].upper()
        await uow.triage_corrections.record(old_tier, "routine", _categories(reasons), now)
        await uow.audit.record(member.actor, "routine", now, code)
        return self.t("staff-lowered", code=code)

    async def _cmd_block(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        parts = args.split()
        if len(parts) != 2 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= 24 * 30:
            return self.t("staff-usage", usage="/block CODE HOURS (1-720)")
        case = await uow.cases.get(parts[0])
        if case is None:
            return self.t("staff-unknown-case", code=parts[0])
        if refusal := await self._guard(uow, member, case, CaseAction.BLOCK):
            return refusal
        now = self._clock()
        await uow.blocks.block(case["conversation"], now + dt.timedelta(hours=int(parts[1])))
        await uow.audit.record(member.actor, "block", now, case["code"], parts[1] + "h")
        return self.t("staff-blocked", code=case["code"], hours=int(parts[1]))

    async def _cmd_unblock(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, CaseAction.UNBLOCK):
            return refusal
        now = self._clock()
        await uow.blocks.unblock(case["conversation"])
        await uow.audit.record(member.actor, "unblock", now, case["code"])
        return self.t("staff-unblocked", code=case["code"])

    async def _cmd_oncall(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        now = self._clock()
        word = args.lower()
        if word in ("on", "off"):
            await uow.oncall.set(member.key, word == "on", now)
            await uow.audit.record(member.actor, f"oncall_{word}", now)
            return self.t("staff-oncall-on" if word == "on" else "staff-oncall-off")
        names = [m["name"] for m in await uow.staff.on_call(now)]
        if not names:
            return self.t("staff-oncall-nobody")
        return self.t("staff-oncall-list", names=", ".join(names))

    async def _cmd_invite(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        now = self._clock()
        code = "".join(pysecrets.choice(CODE_ALPHABET) for _ in range(8))
        await uow.volunteers.create_invite(self._invite_hash(code), member.key,
                                           now + self.config.invite_lifetime)
        await uow.audit.record(member.actor, "invite", now)
        hours = int(self.config.invite_lifetime.total_seconds() // 3600)
        return self.t("staff-invite", code=code, hours=hours)

    async def _cmd_reply(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        parts = args.split(maxsplit=1)
        if len(parts) < 2:
            return self.t("staff-usage", usage="/reply CODE text")
        return await self.handoff(uow, member, parts[0], parts[1])

    async def _cmd_end(self, uow: SqliteUnitOfWork, member: StaffMember, args: str) -> str:
        case = await uow.cases.get(args.split()[0]) if args else None
        if case is None:
            return self.t("staff-unknown-case", code=args or "?")
        if refusal := await self._guard(uow, member, case, CaseAction.END_HANDOFF):
            return refusal
        now = self._clock()
        if case["handoff"]:
            await self.post.to_person(uow, case, self.t("person-handoff-ended"), urgent=False)
        await uow.cases.end_handoff(case["code"], now)
        await uow.audit.record(member.actor, "end_handoff", now, case["code"])
        return self.t("staff-ended", code=case["code"])

    async def reply_to_message(self, uow: SqliteUnitOfWork, user_id: int, message_id: int,
                               text: str) -> str | None:
        """A staff member answered a case's private message: that is a handoff message."""
        record = await uow.staff.get(self.staff_key(user_id))
        if record is None:
            return None
        code = await uow.staff.case_of_message(record["key"], message_id)
        if code is None:
            return None
        return await self.handoff(uow, member_of(record), code, text)

    async def claimable_here(self, uow: SqliteUnitOfWork, user_id: int, message_id: int,
                             code: str) -> bool:
        """A Claim button pressed in a staff member's private chat counts only on an alert the
        desk sent that member for that case (a forged or forwarded button does not)."""
        record = await uow.staff.get(self.staff_key(user_id))
        if record is None:
            return False
        held = await uow.staff.case_of_message(record["key"], message_id)
        return held is not None and held == code.strip().upper()

    async def handoff(self, uow: SqliteUnitOfWork, member: dict[str, Any] | StaffMember,
                      code: str, text: str) -> str:
        """The holder's words to the person, on the person's channel."""
        member = member_of(member)
        case = await uow.cases.get(code)
        if case is None:
            return self.t("staff-unknown-case", code=code)
        if refusal := await self._guard(uow, member, case, CaseAction.HANDOFF):
            return refusal
        if case["status"] == "closed":
            return self.t("staff-case-closed", code=case["code"])
        now = self._clock()
        sent = await self.post.to_person(uow, case, self.t("person-from-staff", text=text[:3000]),
                                         urgent=case["tier"] == "urgent")
        if not sent:
            return self.t("staff-unreachable", code=case["code"])
        await uow.cases.set_status(case["code"], "in_contact", now, handoff=True)
        await uow.audit.record(member.actor, "handoff_message", now, case["code"])
        return self.t("staff-sent")

    async def from_person(self, uow: SqliteUnitOfWork, code: str, text: str,
                          notice: str) -> None:
        """The person's words (or "the person left") to the staff member who holds the case."""
        case = await uow.cases.get(code)
        if case is None or not case["claimed_by"]:
            return
        record = await uow.staff.get(case["claimed_by"])
        if record is None:
            return
        member = member_of(record)
        body = (self.t(notice, code=code) if notice
                else self.t("staff-from-person", code=code, text=text))
        if member.telegram_id is not None:
            await self.post.to_staff(uow, member.telegram_id, body, remember_case=code,
                                     staff_key=member.key)
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
                people = escalation_recipients(
                    level, [member_of(m) for m in await uow.staff.on_call(now)],
                    [member_of(m) for m in await uow.staff.all()])
                minutes = int((now - case["created_at"]).total_seconds() // 60)
                text = self.t("staff-escalation", code=code,
                              province=self._province(case["province"]), minutes=minutes)
                for member in people:
                    if member.telegram_id is not None:
                        await self.post.to_staff(uow, member.telegram_id, text)
                await uow.cases.escalated(code, level + 1, now + self.config.escalate_repeat)
                await uow.audit.record("system", f"escalate_{level + 1}", now, code,
                                       f"{len(people)} recipients")
                count += 1
            await uow.commit()
        return count

    @staticmethod
    def _actor(member: dict[str, Any] | StaffMember) -> str:
        return member_of(member).actor

