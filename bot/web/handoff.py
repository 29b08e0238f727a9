"""Talking with the person from the console: the staff desk's handoff, with the console's holder.

``WebDesk`` is the ``bot.staff.StaffDesk`` with one change: when the case's holder has a console
account, the person's words go to the console (sealed in the store, shown on the case page
to the holder only, announced live by case code alone). Everything else, and holders without a
console account, stay as the desk does it (Telegram). Without Telegram, ``PersonRoutes`` is the
desk's post: it sends staff words to the person on whichever channel they used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.staff import StaffDesk
from bot.storage import SqliteUnitOfWork, WebAccountRepository, WebHandoffRepository
from bot.web.live import Broker, LiveEvent
from handlers.staff import Copy

PersonRoute = Callable[[SqliteUnitOfWork, dict[str, Any], str, bool], Awaitable[bool]]


class PersonRoutes:
    """A ``StaffPost`` for deployments without Telegram: staff words reach the person through
    their channel's ``to_person``; staff-side words live in the console instead."""

    def __init__(self) -> None:
        self.routes: dict[str, PersonRoute] = {}

    async def to_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                        urgent: bool) -> bool:
        route = self.routes.get((case.get("address") or {}).get("channel", "")) \
            or self.routes.get(case["channel"])
        return await route(uow, case, text, urgent) if route is not None else False

    async def to_staff(self, uow: SqliteUnitOfWork, user_id: int, text: str,
                       remember_case: str | None = None, staff_key: str = "") -> None:
        return None  # no private chats without Telegram: the console shows cases itself

    async def to_group(self, uow: SqliteUnitOfWork, text: str,
                       claim_case: str | None = None, copy: Copy = Copy.ONLY) -> None:
        return None  # alerts reach the console through the dispatcher

    async def alert_staff(self, uow: SqliteUnitOfWork, user_id: int, text: str, code: str,
                          staff_key: str, copy: Copy) -> None:
        return None  # no private chats without Telegram

    async def edit_alert(self, uow: SqliteUnitOfWork, message_id: int, text: str) -> None:
        return None


class WebDesk(StaffDesk):
    broker: Broker | None = None

    async def from_person(self, uow: SqliteUnitOfWork, code: str, text: str,
                          notice: str) -> None:
        case = await uow.cases.get(code)
        holder = case["claimed_by"] if case else None
        account = (await WebAccountRepository(uow.store).by_staff_key(holder)
                   if holder else None)
        if account is not None:
            words = self.t(notice, code=code) if notice else text
            await WebHandoffRepository(uow.store).add(code, "notice" if notice else "person",
                                                      words[:3000], self._clock())
            if self.broker is not None:
                self.broker.publish(LiveEvent("handoff", {"code": code}))
            if await uow.staff.get(holder or "") is None:  # console only: nothing more to do
                if notice:
                    await uow.audit.record("system", "person_left", self._clock(), code)
                return
        await super().from_person(uow, code, text, notice)

    async def escalate_due(self) -> int:
        """An urgent case nobody claimed is announced again on every open console (urgent,
        with how long it has waited), then escalated as the desk does (privately on Telegram
        where staff have it); the timers stay in the store."""
        if self.broker is not None:
            now = self._clock()
            async with self.store.unit_of_work() as uow:
                due = await uow.cases.due_escalations(now, self.config.escalate_after)
                cases = [await uow.cases.get(code) for code, _ in due]
            for case in cases:
                if case is None:
                    continue
                minutes = int((now - case["created_at"]).total_seconds() // 60)
                self.broker.publish(LiveEvent("alert", {
                    "code": case["code"], "tier": "urgent", "event": "escalation",
                    "text": self.t("staff-escalation", code=case["code"],
                                   province=self._province(case["province"]),
                                   minutes=minutes)}))
        return await super().escalate_due()

    async def console_message(self, uow: SqliteUnitOfWork, member: dict[str, Any], code: str,
                              text: str) -> str:
        """A holder's words from the console: the desk's handoff, kept for the page too."""
        answer = await self.handoff(uow, member, code, text)
        if answer == self.t("staff-sent"):
            await WebHandoffRepository(uow.store).add(code, "staff", text[:3000], self._clock())
        return answer

    async def end_for_close(self, uow: SqliteUnitOfWork, case: dict[str, Any]) -> None:
        """Closing a case in handoff tells the person, as /close does; its words are dropped."""
        if case["handoff"]:
            await self.post.to_person(uow, case, self.t("person-handoff-ended"), urgent=False)
        await WebHandoffRepository(uow.store).forget(case["code"])


