"""The Zalo Bot platform as a channel (Telegram-like API, no buttons).

``POST <base><TOKEN>/<method>`` with JSON bodies; webhooks carry ``X-Bot-Api-Secret-Token`` and
their body may or may not be wrapped in ``{"ok", "result"}``. Choices are numbered text menus;
messages are cut at 2,000 characters; an update is deduplicated on event name + message id. Field
names vary between sources, so parsing is tolerant.

Production uses the webhook. Polling (``getUpdates``: one update per call, error 408 when there
is nothing yet) is for development: it does not work while a webhook is set, so polling starts
with ``deleteWebhook``, and every other answer is classified, logged without the token, and backed
off (429, network trouble, a webhook someone set again); a refused token (401) stops the channel
loudly instead of polling forever.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hmac
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from bot.crypto import Secrets
from bot.sender import Pacing, Refused, RetryLater
from bot.staff import StaffDesk
from bot.storage import SqliteUnitOfWork, Store
from bot.zalo_common import QueuedChannel, chunks, numbered, queue_reply
from handlers.events import Inbound, Media, Message, Reply, Text
from handlers.flow import Engine

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
# Messages from protected users (children, people with disabilities, people who cannot read)
# arrive as "unsupported", without content: Media("protected"), which the core answers as a
# possible child in need (handlers/flow.py, _answer_protected_user).
MEDIA_EVENTS = {"message.image.received": "photo", "message.sticker.received": "sticker",
                "message.unsupported.received": "protected"}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Chat(_Loose):
    id: str = Field(validation_alias=AliasChoices("id", "chat_id"))
    chat_type: str | None = Field(default=None, validation_alias=AliasChoices("chat_type", "type"))


class _Message(_Loose):
    message_id: str = Field(validation_alias=AliasChoices("message_id", "msg_id", "id"))
    chat: _Chat
    text: str | None = None


class BotUpdate(_Loose):
    event_name: str = Field(validation_alias=AliasChoices("event_name", "event"))
    message: _Message


def parse_update(data: Any) -> BotUpdate | None:
    """An update from a poll or a webhook body, wrapped in ``{"ok", "result"}`` or not."""
    if isinstance(data, dict) and "result" in data and "event_name" not in data:
        data = data["result"]
    try:
        return BotUpdate.model_validate(data)
    except ValidationError:
        return None


def to_event(update: BotUpdate) -> Inbound | None:
    if update.event_name == "message.text.received" and update.message.text is not None:
        return Text(update.message.text)
    if update.event_name in MEDIA_EVENTS:
        return Media(MEDIA_EVENTS[update.event_name])
    return None


def payloads(message: Message, chat: str) -> list[dict[str, Any]]:
    text = numbered(message)
    if message.venue is not None:
        text += f"\nhttps://maps.google.com/?q={message.venue.lat:.6f},{message.venue.lon:.6f}"
    return [{"chat": chat, "method": "sendMessage", "params": {"text": part}}
            for part in chunks(text)]


class PollProblem(enum.Enum):
    """Why a poll brought nothing; each has its own answer in ``ZaloBotChannel.poll``."""

    BAD_TOKEN = "token refused (401)"  # stop the channel: polling again cannot help
    RATE_LIMITED = "rate limited (429)"  # back off (retry_after when given)
    WEBHOOK_SET = "a webhook is set"  # delete it again, then back off
    NETWORK = "network or bad answer"  # back off with jitter
    SERVER = "server error"  # back off with jitter
    OTHER = "refused"  # back off with jitter


class PollFailed(Exception):
    def __init__(self, problem: PollProblem, code: int = 0,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{problem.value} (code {code})")
        self.problem = problem
        self.code = code
        self.retry_after = retry_after


def classify(data: dict[str, Any]) -> PollFailed:
    """A failed answer (``{"ok": false, "error_code", "description"}``) as a ``PollFailed``.

    Zalo does not document the answer to ``getUpdates`` while a webhook is set; like Telegram's
    409 it names the webhook, so 409 or a description that mentions one counts as such."""
    try:
        code = int(data.get("error_code", 0) or 0)
    except (TypeError, ValueError):
        code = 0
    description = str(data.get("description", "")).lower()
    if code == 401:
        return PollFailed(PollProblem.BAD_TOKEN, code)
    if code == 429:
        retry = (data.get("parameters") or {}).get("retry_after") \
            if isinstance(data.get("parameters"), dict) else None
        try:
            retry_after = float(retry) if retry is not None else None
        except (TypeError, ValueError):
            retry_after = None
        return PollFailed(PollProblem.RATE_LIMITED, code, retry_after)
    if code == 409 or "webhook" in description:
        return PollFailed(PollProblem.WEBHOOK_SET, code)
    if code >= 500:
        return PollFailed(PollProblem.SERVER, code)
    return PollFailed(PollProblem.OTHER, code)


class ZaloBotClient:
    def __init__(self, http: httpx.AsyncClient, api_url: str, token: str) -> None:
        self.http = http
        self.base = f"{api_url}{token}/"

    async def call(self, method: str, body: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]:
        response = await self.http.post(self.base + method, json=body,
                                         timeout=timeout or httpx.USE_CLIENT_DEFAULT)
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data

    async def _checked(self, method: str, body: dict[str, Any],
                       timeout: float | None = None) -> dict[str, Any]:
        """Call a method; every failure becomes a classified ``PollFailed``."""
        try:
            data = await self.call(method, body, timeout)
        except (httpx.HTTPError, ValueError):
            raise PollFailed(PollProblem.NETWORK) from None
        if not data.get("ok"):
            raise classify(data)
        return data

    async def delete_webhook(self) -> None:
        await self._checked("deleteWebhook", {})

    async def get_update(self, timeout: int = 30) -> BotUpdate | None:
        """One update, or None when there is nothing yet (408, the normal empty poll)."""
        try:
            data = await self._checked("getUpdates", {"timeout": str(timeout)},
                                       timeout=timeout + 10)
        except PollFailed as failure:
            if failure.code == 408:
                return None
            raise
        return parse_update(data.get("result"))


class Backoff:
    """Exponential backoff with jitter (half to full delay), so restarts do not synchronise."""

    def __init__(self, base: float = 1.0, cap: float = 60.0) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0

    def next(self) -> float:
        delay = min(self.cap, self.base * 2 ** self.failures)
        self.failures = min(self.failures + 1, 30)
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


class ZaloBotTransport:
    def __init__(self, client: ZaloBotClient) -> None:
        self.client = client

    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        try:
            data = await self.client.call(method, {"chat_id": chat, **params})
        except (httpx.HTTPError, ValueError):
            raise RetryLater(2.0) from None
        if data.get("ok"):
            return []
        code = int(data.get("error_code", 0) or 0)
        if code == 429:
            retry = (data.get("parameters") or {}).get("retry_after", 5)
            raise RetryLater(float(retry))
        if code >= 500:
            raise RetryLater(5.0)
        raise Refused(f"zalo bot error {code}")


class ZaloBotChannel(QueuedChannel):
    def __init__(
        self, client: ZaloBotClient, engine: Engine, store: Store, secrets: Secrets,
        webhook_secret: str | None = None, desk: StaffDesk | None = None,
        pacing: Pacing | None = None, clock: Callable[[], dt.datetime] | None = None,
        poll_backoff: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        super().__init__(CHANNEL, ZaloBotTransport(client), engine, store, secrets, desk,
                         pacing, clock)
        self.client = client
        self.webhook_secret = webhook_secret
        self.poll_backoff = poll_backoff
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def process(self, update: BotUpdate) -> None:
        inbound = to_event(update)
        if inbound is None:
            return
        chat = update.message.chat.id
        key = self.secrets.hash_id(CHANNEL, chat)
        event_id = f"{CHANNEL}:{update.event_name}:{update.message.message_id}"
        now = self._clock()

        async def queue(uow: SqliteUnitOfWork, reply: Reply) -> None:
            await queue_reply(uow, CHANNEL, key, reply, lambda m: payloads(m, chat),
                              self.desk, now)

        await self.engine.handle(key, CHANNEL, inbound, event_id=event_id, on_reply=queue,
                                 address={"channel": CHANNEL, "chat": chat})
        self.sender.wake()

    async def poll(self) -> None:
        """Long-poll until cancelled, or until the token is refused (development only).

        ``deleteWebhook`` first (polling does not work while a webhook is set); an empty poll
        (408) polls again at once; anything else is logged by kind (never the token, which is
        part of the URL) and backed off."""
        backoff = Backoff(*self.poll_backoff)
        deleted = False
        while True:
            try:
                if not deleted:
                    await self.client.delete_webhook()
                    deleted = True
                update = await self.client.get_update()
            except asyncio.CancelledError:
                raise
            except PollFailed as failure:
                if failure.problem is PollProblem.BAD_TOKEN:
                    log.critical("Zalo Bot: the token was refused (401); the Zalo Bot channel "
                                 "has stopped. Check ZALO_BOT_TOKEN and restart.")
                    return
                if failure.problem is PollProblem.WEBHOOK_SET:
                    deleted = False  # someone set a webhook: delete it again before polling
                delay = backoff.next()
                if failure.retry_after is not None:
                    delay = max(delay, failure.retry_after)
                log.warning("Zalo Bot poll failed: %s (code %s); retrying in %.1f s",
                            failure.problem.value, failure.code, delay)
                await self.sleep(delay)
                continue
            backoff.reset()
            if update is None:
                continue  # 408: nothing yet
            try:
                await self.process(update)
            except Exception as exc:  # never lose the loop; never log the update
                log.error("Zalo Bot update failed: %s", type(exc).__name__)

    async def webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Bot-Api-Secret-Token", "")
        if not self.webhook_secret or not hmac.compare_digest(given.encode(),
                                                              self.webhook_secret.encode()):
            return web.Response(status=403)
        try:
            update = parse_update(json.loads(await request.read()))
        except ValueError:
            update = None
        if update is None:
            return web.Response(status=400)
        try:
            await self.process(update)
        except Exception as exc:
            log.error("zalo bot webhook failed: %s", type(exc).__name__)
            return web.Response(status=500)
        return web.Response(status=200)

    async def to_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                        urgent: bool) -> bool:
        chat = (case.get("address") or {}).get("chat")
        if chat is None:
            return False
        for payload in payloads(Message(text), chat):
            await uow.outgoing.queue(CHANNEL, case["conversation"], 0 if urgent else 1,
                                     payload, self._clock())
        self.sender.wake()
        return True
