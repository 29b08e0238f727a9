"""The Telegram channel: a thin adapter around python-telegram-bot's ``Application``.

One catch-all handler turns every ``Update`` into a core event; the core's reply is queued as Bot
API calls in the same transaction as the conversation state (``Engine.handle(on_reply=...)``),
and ``bot.sender.PacedSender`` sends them through PTB's own HTTP stack. PTB's
``ConversationHandler`` and persistence are not used: the store is the source of truth.

Privacy: the chat id becomes a keyed hash for the conversation key; the raw id lives only inside
the encrypted outgoing payload, because a reply must be delivered. Names, usernames and phone
numbers in updates are never read, and updates are never logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.crypto import Secrets
from bot.sender import PacedSender, Pacing, Refused, RetryLater
from bot.storage import OutgoingQueue, SqliteUnitOfWork, Store
from bot.telegram_render import to_calls, to_event
from handlers.catalogue import Catalogue
from handlers.events import DeleteHistory, Message, Reply
from handlers.flow import Engine

log = logging.getLogger(__name__)

CHANNEL = "telegram"
DELETE_WINDOW = dt.timedelta(hours=48)  # Telegram lets a bot delete messages younger than this
DELETE_BATCH = 100  # ids per deleteMessages call


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
            if method == "deleteMessages":
                await self.bot.delete_messages(chat_id=chat, message_ids=params["message_ids"])
                return []
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc)) from None
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
    ) -> None:
        builder = Application.builder().token(token).base_url(api_url)
        if not polling:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.engine = engine
        self.store = store
        self.secrets = secrets
        self.catalogue = catalogue
        self.sender = PacedSender(
            OutgoingQueue(store), CHANNEL, TelegramTransport(self.application), pacing
        )

    # -- inbound ---------------------------------------------------------------------------
    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed: %s", type(context.error).__name__)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        event_id = f"{CHANNEL}:{update.update_id}"
        if update.callback_query is not None:
            # If answering fails the spinner stops by itself; the choice is still handled.
            with contextlib.suppress(NetworkError):
                await update.callback_query.answer()
        if chat.type != "private":
            await self._private_only(chat.id, event_id)
            return
        event = to_event(update)
        if event is None:
            return
        key = self.secrets.hash_id(CHANNEL, chat.id)
        incoming = update.message.message_id if update.message is not None else None
        now = dt.datetime.now(dt.UTC)

        async def queue(uow: SqliteUnitOfWork, reply: Reply) -> None:
            if incoming is not None:
                await uow.ledger.add(key, [incoming], now)
            await self._queue_reply(uow, key, chat.id, reply, now)

        await self.engine.handle(key, CHANNEL, event, event_id=event_id, on_reply=queue)
        self.sender.wake()

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
        for output in reply.outputs:
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
            assert isinstance(output, Message)
            priority = 0 if output.urgent else 1
            for method, params in to_calls(output):
                await uow.outgoing.queue(
                    CHANNEL, key, priority,
                    {"chat": chat_id, "method": method, "params": params, "ledger": True}, now,
                )

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, webhook_url: str | None = None, secret: str | None = None) -> None:
        """Initialise PTB; poll (never dropping pending updates) or register the webhook."""
        await self.application.initialize()
        await self.application.start()
        if webhook_url:
            await self.application.bot.set_webhook(
                url=webhook_url, secret_token=secret, drop_pending_updates=False,
                allowed_updates=Update.ALL_TYPES,
            )
        elif self.application.updater is not None:
            await self.application.updater.start_polling(
                drop_pending_updates=False, allowed_updates=Update.ALL_TYPES, poll_interval=0.0,
                timeout=10,
            )

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def process_webhook_body(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)
