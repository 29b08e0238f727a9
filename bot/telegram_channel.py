"""The Telegram channel: a thin adapter around python-telegram-bot's ``Application``.

Every update enters through the inbox (``bot.inbound.Intake``): polling stores a batch in one
commit before the next ``getUpdates`` confirms it (the offset), and the webhook stores the update
before answering 200. Updates are then processed from the inbox, not through PTB's update queue
(whose handler errors PTB swallows): ``_on_update`` turns each ``Update`` into a core event;
the core's reply is queued as Bot API calls in the same transaction as the conversation state
(``Engine.handle(on_reply=...)``),
and ``bot.sender.PacedSender`` sends them through PTB's own HTTP stack. PTB's
``ConversationHandler`` and persistence are not used: the store is the source of truth.

Privacy: the chat id becomes a keyed hash for the conversation key; the raw id lives only inside
the encrypted outgoing payload, because a reply must be delivered. Names, usernames and phone
numbers in updates are never read, and updates are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, ContextTypes

from bot.crypto import Secrets
from bot.fleet import exclusive
from bot.inbound import CredentialRejected, Intake, PriorityGate, Unparseable
from bot.sender import Moved, PacedSender, Pacing, Refused, RetryLater
from bot.staff import STAFF_COMMANDS, VOLUNTEER_COMMANDS, DeskConfig, StaffDesk
from bot.storage import OutgoingQueue, SqliteUnitOfWork, Store
from bot.telegram_render import TEXT_LIMIT, encode_option, merge_sends, to_calls, to_event
from handlers.catalogue import Catalogue
from handlers.events import Choice, Command, DeleteHistory, Inbound, Message, Reply, Text, ToStaff
from handlers.flood import FloodGate
from handlers.flow import Engine
from handlers.staff import FOLLOW_UP_AFTER, Copy
from handlers.triage import triage

log = logging.getLogger(__name__)

CHANNEL = "telegram"
DELETE_WINDOW = dt.timedelta(hours=48)  # Telegram lets a bot delete messages younger than this
DELETE_BATCH = 100  # ids per deleteMessages call
CONCURRENT_UPDATES = 4096
POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open
POLL_BACKOFF_CAP = 60.0
ALERT_LEAD_PRIORITY = -1  # an alert's first copy: ahead of everything else waiting in its chat



# Opt in now to PTB's coming API (durations as timedelta) instead of a deprecation warning on
# every 429; PTB reads this variable at each access.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, whichever type PTB hands back (timedelta when opted in, else int)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramTransport:
    """Bot API calls through PTB's ``Bot`` (the real HTTP stack), mapped to sender outcomes."""

    def __init__(self, application: Application) -> None:
        self.bot = application.bot

    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        try:
            if method == "sendMessage":
                markup = params.get("reply_markup")
                extra = {"reply_markup": markup} if markup is not None else None
                sent = await self.bot.send_message(
                    chat_id=chat, text=params["text"], protect_content=True, api_kwargs=extra
                )
                return [sent.message_id]
            if method == "sendVenue":
                sent = await self.bot.send_venue(
                    chat_id=chat, latitude=params["latitude"], longitude=params["longitude"],
                    title=params["title"], address=params["address"], protect_content=True,
                )
                return [sent.message_id]
            if method == "editMessageText":
                await self.bot.edit_message_text(
                    chat_id=chat, message_id=params["message_id"], text=params["text"]
                )
                return []
            if method == "deleteMessages":
                await self.bot.delete_messages(chat_id=chat, message_ids=params["message_ids"])
                return []
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc)) from None
        except ChatMigrated as exc:
            raise Moved(exc.new_chat_id) from None
        except (BadRequest, Forbidden) as exc:
            raise Refused(type(exc).__name__) from None
        except NetworkError:
            raise RetryLater(2.0) from None
        raise Refused(f"unknown method {method}")


class TelegramChannel:
    def __init__(
        self,
        token: str,
        api_url: str,
        engine: Engine,
        store: Store,
        secrets: Secrets,
        catalogue: Catalogue,
        pacing: Pacing | None = None,
        polling: bool = True,
        staff_chat_id: int | None = None,
        desk_config: DeskConfig | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        # Updates run concurrently up to the inbound gate, so an urgent one can overtake a queue.
        # No PTB Updater and no PTB dispatch: the inbox is the queue (see the module docstring).
        builder = (Application.builder().token(token).base_url(api_url)
                   .concurrent_updates(CONCURRENT_UPDATES).updater(None)
                   .get_updates_read_timeout(POLL_TIMEOUT + 5))
        self.application = builder.build()
        self.polling = polling
        self.intake = Intake(store, CHANNEL, self._process_body)
        self._tasks: list[asyncio.Task[None]] = []
        self.engine = engine
        self.store = store
        self.secrets = secrets
        self.catalogue = catalogue
        self.sender = PacedSender(
            OutgoingQueue(store, (pacing or Pacing()).per_chat_interval), CHANNEL,
            TelegramTransport(self.application), pacing,
            on_moved=self._chat_moved,
        )
        self.inbound = PriorityGate()
        self.refusals = FloodGate(burst=2, per_minute=2.0)
        self.staff_chat_id = staff_chat_id
        # Where staff words to a person go, by the person's channel (Zalo channels add theirs).
        self.person_routes: dict[str, Callable[..., Awaitable[bool]]] = {
            CHANNEL: self._to_telegram_person}
        self.desk = StaffDesk(store, secrets, catalogue, engine.search.gazetteer, self,
                              desk_config, clock)

    # -- a staff group that moved ------------------------------------------------------------
    STAFF_MOVED = "telegram_staff_chat_moved"

    async def _chat_moved(self, old: Any, new: Any) -> None:
        """Telegram upgraded a group to a supergroup (``migrate_to_chat_id``): remember the new
        id for the staff group (it outlives a restart with the old STAFF_CHAT_ID), and re-address
        every queued row, so alerts reach staff instead of failing forever."""
        if old == self.staff_chat_id:
            self.staff_chat_id = new
            moves = await self.store.recall(self.STAFF_MOVED) or {}
            moves[str(old)] = new
            await self.store.remember(self.STAFF_MOVED, moves)
            log.error("OPERATOR: the staff group became a supergroup; set STAFF_CHAT_ID to its "
                      "new id (used meanwhile)")
        await self.sender.queue.readdress(
            CHANNEL, old, new, self.secrets.hash_id("telegram-staff", new)
            if new == self.staff_chat_id else None)

    async def _follow_staff_chat(self) -> None:
        moves = await self.store.recall(self.STAFF_MOVED) or {}
        seen = set()
        while str(self.staff_chat_id) in moves and self.staff_chat_id not in seen:
            seen.add(self.staff_chat_id)
            self.staff_chat_id = moves[str(self.staff_chat_id)]

    # -- the doors -------------------------------------------------------------------------
    async def accept_update(self, data: dict[str, Any]) -> None:
        """Store one webhook update (the caller answers 200 only after this returns)."""
        await self.intake.accept([(str(data["update_id"]), data)])

    async def poll(self) -> None:
        """Long polling: each batch is committed to the inbox before the next ``getUpdates``
        confirms it, so a crash at any moment loses nothing (Telegram resends unconfirmed)."""
        offset: int | None = None
        failures = 0
        while True:
            try:
                raw = await self._get_updates(offset)
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except NetworkError as exc:  # includes timeouts; the next call resumes the offset
                failures += 1
                delay = min(POLL_BACKOFF_CAP, 2 ** min(failures, 6)) * random.uniform(0.5, 1.0)
                log.warning("telegram getUpdates failed (%s), retry in %.0fs",
                            type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            events = [(str(u["update_id"]), u) for u in raw if isinstance(u, dict)
                      and isinstance(u.get("update_id"), int)] if isinstance(raw, list) else []
            if not events:
                continue
            await self.intake.accept(events)  # committed: now the offset may move past them
            offset = max(int(key) for key, _ in events) + 1

    async def _get_updates(self, offset: int | None) -> Any:
        """getUpdates as raw JSON, so an update PTB cannot parse is skipped alone rather than
        failing the whole batch (PTB would then log the batch, personal data and all)."""
        with warnings.catch_warnings():  # PTB warns that a typed method exists: on purpose
            warnings.simplefilter("ignore")
            return await self.application.bot.do_api_request(
                "getUpdates", api_kwargs={"offset": offset, "timeout": POLL_TIMEOUT,
                                          "allowed_updates": list(Update.ALL_TYPES)},
                read_timeout=POLL_TIMEOUT + 5)

    async def _process_body(self, body: dict[str, Any]) -> None:
        try:
            update = Update.de_json(body, self.application.bot)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            raise Unparseable(type(exc).__name__) from None
        if update is None:
            raise Unparseable("empty")
        await self._on_update(update, None)

    # -- inbound ---------------------------------------------------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE | None) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        event_id = f"{CHANNEL}:{update.update_id}"
        user = update.effective_user
        event = to_event(update)
        if isinstance(event, Choice) and event.option.startswith("claim:") and user is not None:
            if self._admit(user.id):
                await self._claim(update, user.id, event.option[6:], event_id)
            else:
                await self._drop(event_id)
            return
        if update.callback_query is not None:
            # If answering fails the spinner stops by itself; the choice is still handled.
            with contextlib.suppress(NetworkError):
                await update.callback_query.answer()
        if self.staff_chat_id is not None and chat.id == self.staff_chat_id:
            if isinstance(event, Command) and user is not None:
                if self._admit(user.id):
                    await self._staff_command(user.id, event, event_id, to_chat=chat.id)
                else:
                    await self._drop(event_id)
            return  # talk among staff in their group is not for the bot
        if chat.type != "private":
            await self._private_only(chat.id, event_id)
            return
        if event is None:
            return
        if user is not None and await self._staff_side(update, user.id, event, event_id):
            self.sender.wake()
            return
        key = self.secrets.hash_id(CHANNEL, chat.id)
        incoming = update.message.message_id if update.message is not None else None
        now = dt.datetime.now(dt.UTC)

        async def queue(uow: SqliteUnitOfWork, reply: Reply) -> None:
            if incoming is not None:
                await uow.ledger.add(key, [incoming], now)
            await self._queue_reply(uow, key, chat.id, reply, now)

        urgent = isinstance(event, Text) and triage(event.text[:2000]).urgent
        async with self.inbound.slot(urgent):
            await self.engine.handle(key, CHANNEL, event, event_id=event_id, on_reply=queue,
                                     address={"channel": CHANNEL, "chat": chat.id})
        self.sender.wake()

    # -- staff and volunteers ----------------------------------------------------------------
    def _admit(self, user_id: int) -> bool:
        """The flood gate for what does not reach the engine (staff and volunteer commands,
        claims): the same per-person bucket the engine uses, so no door skips it."""
        key = self.secrets.hash_id(CHANNEL, user_id)
        return self.engine.flood.admit(key, time.monotonic()) == "ok"

    async def _drop(self, event_id: str) -> None:
        """A gated update: marked processed, nothing else (as the engine does in a flood)."""
        async def nothing(uow: SqliteUnitOfWork) -> None:
            return None

        await self.desk.run(event_id, nothing)

    def _may_refuse(self, user_id: int) -> bool:
        """A refusal to a non-member is itself rate-limited: a stranger hammering /cases gets a
        couple of answers, then silence, and costs the sender nothing."""
        return self.refusals.admit(str(user_id), time.monotonic()) == "ok"

    async def _claim(self, update: Update, user_id: int, code: str, event_id: str) -> None:
        message = update.callback_query.message if update.callback_query else None
        from_group = message is not None and message.chat.id == self.staff_chat_id
        private = message is not None and message.chat.id == user_id

        async def act(uow: SqliteUnitOfWork) -> str:
            # Claims come from the group's alert, or from the alert the desk sent this member
            # privately; any other button is forged or forwarded.
            if not from_group and not (private and message is not None and await
                                       self.desk.claimable_here(uow, user_id,
                                                                message.message_id, code)):
                return await self.desk.refuse(uow, user_id, "claim_outside_group", code)
            return await self.desk.claim(uow, user_id, code)

        answer = await self.desk.run(event_id, act)
        if update.callback_query is not None:
            with contextlib.suppress(NetworkError):
                await update.callback_query.answer(text=answer or None, show_alert=bool(answer))
        self.sender.wake()

    async def _staff_command(self, user_id: int, event: Command, event_id: str,
                             to_chat: int, is_staff: bool | None = None) -> None:
        if is_staff is None:
            is_staff = await self.desk.is_staff(user_id)
        if not is_staff and not self._may_refuse(user_id):
            await self._drop(event_id)
            return

        async def act(uow: SqliteUnitOfWork) -> None:
            answer = await self.desk.command(uow, user_id, event.name, event.args)
            if answer:  # a member's answer first; a refusal waits behind everyone's replies
                await self._queue_plain(uow, to_chat, answer, priority=0 if is_staff else 1)

        await self.desk.run(event_id, act)
        self.sender.wake()

    async def _staff_side(self, update: Update, user_id: int, event: Inbound,
                          event_id: str) -> bool:
        """Staff commands, staff replies to a case message, and volunteer commands in a
        private chat. False when the update is for the conversation instead."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        key = self.secrets.hash_id(CHANNEL, chat_id)
        if isinstance(event, Command) and event.name in VOLUNTEER_COMMANDS:
            if not self._admit(user_id):
                await self._drop(event_id)
                return True

            async def volunteer(uow: SqliteUnitOfWork) -> None:
                if event.name == "volunteer":
                    answer = await self.desk.redeem(uow, key, event.args)
                else:
                    answer = await self.desk.my_cases(uow, key)
                await self._queue_plain(uow, chat_id, answer, conversation=key, priority=1)

            await self.desk.run(event_id, volunteer)
            return True
        is_command = isinstance(event, Command) and event.name in STAFF_COMMANDS
        replied = update.message.reply_to_message if update.message is not None else None
        # Only a staff command, /help or a reply to a message can be a staff member's: the
        # store is asked only then, not for every message of every conversation.
        maybe_staff = is_command or (isinstance(event, Command) and event.name == "help") or (
            replied is not None and isinstance(event, Text))
        is_staff = maybe_staff and await self.desk.is_staff(user_id)
        if is_command or (is_staff and isinstance(event, Command) and event.name == "help"):
            if self._admit(user_id):
                await self._staff_command(user_id, event, event_id, to_chat=chat_id,  # type: ignore[arg-type]
                                          is_staff=is_staff)
            else:
                await self._drop(event_id)
            return True
        if is_staff and replied is not None and isinstance(event, Text):
            if not self._admit(user_id):
                await self._drop(event_id)
                return True
            async def answer(uow: SqliteUnitOfWork) -> None:
                result = await self.desk.reply_to_message(uow, user_id, replied.message_id,
                                                          event.text)
                if result:
                    await self._queue_plain(uow, chat_id, result)

            await self.desk.run(event_id, answer)
            return True
        return False

    async def _queue_plain(self, uow: SqliteUnitOfWork, chat_id: int, text: str,
                           conversation: str | None = None, priority: int = 0,
                           **extra: Any) -> None:
        await uow.outgoing.queue(
            CHANNEL, conversation or self.secrets.hash_id("telegram-staff", chat_id), priority,
            {"chat": chat_id, "method": "sendMessage", "params": {"text": text[:TEXT_LIMIT]},
             **extra}, dt.datetime.now(dt.UTC),
        )

    # StaffPost: where the desk's words go.
    async def to_staff(self, uow: SqliteUnitOfWork, user_id: int, text: str,
                       remember_case: str | None = None, staff_key: str = "") -> None:
        remember = {"staff": staff_key, "case": remember_case} if remember_case else None
        await self._queue_plain(uow, user_id, text, remember=remember)

    async def to_group(self, uow: SqliteUnitOfWork, text: str,
                       claim_case: str | None = None, copy: Copy = Copy.ONLY) -> None:
        if self.staff_chat_id is None:
            raise RuntimeError("STAFF_CHAT_ID is not set: alerts wait until it is")
        params: dict[str, Any] = {"text": text}
        extra: dict[str, Any] = {"must_deliver": True}
        if claim_case:
            params["reply_markup"] = self._claim_button(claim_case)
            extra["remember"] = {"alert_case": claim_case}
        now = dt.datetime.now(dt.UTC)
        priority, not_before = self._alert_timing(copy, now)
        await uow.outgoing.queue(
            CHANNEL, self.secrets.hash_id("telegram-staff", self.staff_chat_id), priority,
            {"chat": self.staff_chat_id, "method": "sendMessage", "params": params, **extra},
            now, not_before,
        )

    async def alert_staff(self, uow: SqliteUnitOfWork, user_id: int, text: str, code: str,
                          staff_key: str, copy: Copy) -> None:
        """An urgent alert in an on-call member's private chat, with a Claim button that
        counts there (the message is remembered for that member and case)."""
        now = dt.datetime.now(dt.UTC)
        priority, not_before = self._alert_timing(copy, now)
        await uow.outgoing.queue(
            CHANNEL, self.secrets.hash_id("telegram-staff", user_id), priority,
            {"chat": user_id, "method": "sendMessage",
             "params": {"text": text[:TEXT_LIMIT], "reply_markup": self._claim_button(code)},
             "remember": {"staff": staff_key, "case": code}}, now, not_before,
        )

    def _claim_button(self, code: str) -> dict[str, Any]:
        button = {"text": self.catalogue.text("vi", "staff-claim-button"),
                  "callback_data": encode_option(f"claim:{code}")}
        return {"inline_keyboard": [[button]]}

    @staticmethod
    def _alert_timing(copy: Copy, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """Priority and earliest send time of an alert copy (``handlers.staff.alerting``)."""
        if copy is Copy.LEAD:
            return ALERT_LEAD_PRIORITY, None
        if copy is Copy.FOLLOW_UP:
            return 0, now + FOLLOW_UP_AFTER
        return 0, None

    async def edit_alert(self, uow: SqliteUnitOfWork, message_id: int, text: str) -> None:
        if self.staff_chat_id is None:
            return
        await uow.outgoing.queue(
            CHANNEL, self.secrets.hash_id("telegram-staff", self.staff_chat_id), 0,
            {"chat": self.staff_chat_id, "method": "editMessageText",
             "params": {"message_id": message_id, "text": text}}, dt.datetime.now(dt.UTC),
        )

    async def to_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                        urgent: bool) -> bool:
        """Staff words to a person, on whichever channel the person used (False: unreachable)."""
        route = self.person_routes.get((case.get("address") or {}).get("channel", ""))
        return await route(uow, case, text, urgent) if route is not None else False

    async def _to_telegram_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                                  urgent: bool) -> bool:
        address = case["address"]
        await uow.outgoing.queue(
            CHANNEL, case["conversation"], 0 if urgent else 1,
            {"chat": address["chat"], "method": "sendMessage", "params": {"text": text},
             "ledger": True}, dt.datetime.now(dt.UTC),
        )
        return True

    async def _private_only(self, chat_id: int, event_id: str) -> None:
        """Group messages from strangers: one short answer, nothing stored about them."""
        now = dt.datetime.now(dt.UTC)
        async with self.store.unit_of_work() as uow:
            if await uow.processed.first_time(event_id, now):
                text = self.catalogue.text("vi", "private-only")
                await uow.outgoing.queue(
                    CHANNEL, self.secrets.hash_id(CHANNEL, chat_id), 1,
                    {"chat": chat_id, "method": "sendMessage", "params": {"text": text}}, now,
                )
            await uow.commit()
        self.sender.wake()

    async def _queue_reply(
        self, uow: SqliteUnitOfWork, key: str, chat_id: int, reply: Reply, now: dt.datetime
    ) -> None:
        # The person's messages of a run are joined where Telegram allows (``merge_sends``);
        # anything else (staff words, a deletion) ends the run first, so order holds.
        run: list[tuple[str, dict[str, Any], int]] = []

        async def flush() -> None:
            for method, params, priority in merge_sends(run):
                await uow.outgoing.queue(
                    CHANNEL, key, priority,
                    {"chat": chat_id, "method": method, "params": params, "ledger": True}, now,
                )
            run.clear()

        for output in reply.outputs:
            if isinstance(output, Message):
                priority = 0 if output.urgent else 1
                run += [(method, params, priority) for method, params in to_calls(output)]
                continue
            await flush()
            if isinstance(output, ToStaff):
                await self.desk.from_person(uow, output.case, output.text, output.notice)
                continue
            if isinstance(output, DeleteHistory):
                await uow.outgoing.drop_pending(key)
                ids = await uow.ledger.take(key, now - DELETE_WINDOW)
                for start in range(0, len(ids), DELETE_BATCH):
                    batch = ids[start : start + DELETE_BATCH]
                    await uow.outgoing.queue(
                        CHANNEL, key, 0,
                        {"chat": chat_id, "method": "deleteMessages",
                         "params": {"message_ids": batch}}, now,
                    )
                continue
        await flush()

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, webhook_url: str | None = None, secret: str | None = None) -> None:
        """Initialise PTB; poll (never dropping pending updates) or register the webhook.

        Raises ``CredentialRejected`` when Telegram refuses the token (401, or 404 for a wrong
        API URL); a network failure propagates as itself, for the runner to retry."""
        try:
            await self.application.initialize()
        except InvalidToken:
            await self.application.shutdown()
            raise CredentialRejected(
                "Telegram rejected the bot token (401/404): check TELEGRAM_BOT_TOKEN and "
                "TELEGRAM_API_URL") from None
        await self._follow_staff_chat()
        self._tasks.append(asyncio.create_task(self.intake.run()))  # first: what a crash left
        if webhook_url:
            await self.application.bot.set_webhook(
                url=webhook_url, secret_token=secret, drop_pending_updates=False,
                allowed_updates=Update.ALL_TYPES,
            )
        elif self.polling:
            await self.application.bot.delete_webhook(drop_pending_updates=False)
            # several workers: one poller across the fleet (bot.fleet)
            self._tasks.append(asyncio.create_task(
                exclusive(self.store, "poll:telegram", self.poll)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.intake.stop()
        await self.application.shutdown()

    def parse_webhook_body(self, data: dict[str, Any]) -> Update | None:
        """An update from a webhook body, or None when it is not one (the sender gets 400)."""
        try:
            return Update.de_json(data, self.application.bot)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
            return None

    async def settle(self) -> None:
        """Wait until every accepted update has been processed (tests)."""
        await self.intake.idle()
