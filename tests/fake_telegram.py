"""A loopback fake of the Telegram Bot API, speaking its wire format.

Requests are form-encoded POSTs to ``/bot<TOKEN>/<method>`` with nested fields as JSON strings;
answers are ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``.
It refuses what Telegram refuses (empty or over-long text, unknown chat, callback data over 64
bytes, more than 100 ids to delete) and answers 429 with ``retry_after`` on demand. It also plays
the people: ``user_sends`` and ``user_taps`` put updates in the queue ``getUpdates`` serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"
FIRST_NAME = "Phuonglanh"  # long enough that an accidental match in random bytes is unlikely
USERNAME = "lan_private"
BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Bình An", "username": "binhan_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
NESTED = ("reply_markup", "message_ids", "allowed_updates")


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id


@dataclass
class Chat:
    id: int
    type: str = "private"
    next_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Call:
    at: float  # time.monotonic() when the request arrived
    method: str
    params: dict[str, Any]
    ok: bool = False  # accepted (not refused, not rate-limited)


class FakeTelegram:
    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self.migrated: dict[int, int] = {}  # a group upgraded to a supergroup: old id -> new
        self.rate_limit_next = 0  # answer this many send calls with 429
        self.retry_after = 1
        self.enforce_limits = False  # ~30 messages/s per bot and 1/s per chat, as Telegram does
        self._recent: list[float] = []
        self._last_in_chat: dict[int, float] = {}
        self._update_ids = itertools.count(1000)
        self._waiters: dict[int, asyncio.Event] = {}
        self._new_update = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- server ----------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/bot"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
            for name in NESTED:
                if isinstance(params.get(name), str):
                    params[name] = json.loads(params[name])
        call = Call(time.monotonic(), method, params)
        self.calls.append(call)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        try:
            result = await handler(params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code,
                                    "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            if exc.migrate_to_chat_id is not None:
                body["parameters"] = {"migrate_to_chat_id": exc.migrate_to_chat_id}
            return web.json_response(body, status=exc.code)
        call.ok = True
        return web.json_response({"ok": True, "result": result})

    # -- people ----------------------------------------------------------------------------
    def chat(self, chat_id: int, kind: str = "private") -> Chat:
        return self.chats.setdefault(chat_id, Chat(chat_id, kind))

    def _user(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": FIRST_NAME, "username": USERNAME}

    def _new_message(self, chat: Chat, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {"message_id": chat.next_id, "date": int(time.time()),
                   "chat": {"id": chat.id, "type": chat.type, "first_name": FIRST_NAME},
                   "from": sender, **content}
        chat.messages[chat.next_id] = message
        chat.next_id += 1
        if sender.get("is_bot"):
            waiter = self._waiters.pop(chat.id, None)
            if waiter is not None:
                waiter.set()
        return message

    async def next_bot_message(self, chat_id: int, before: int, timeout: float = 120) -> None:
        """Wait (without polling) until the chat holds more than ``before`` bot messages."""
        while len(self.bot_messages(chat_id)) <= before:
            event = self._waiters.setdefault(chat_id, asyncio.Event())
            await asyncio.wait_for(event.wait(), timeout)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def push(self, update: dict[str, Any]) -> None:
        async with self._new_update:
            self.updates.append(update)
            self._new_update.notify_all()

    async def user_sends(self, chat_id: int, kind: str = "private", sender: int | None = None,
                         **content: Any) -> dict:
        chat = self.chat(chat_id, kind)
        message = self._new_message(chat, self._user(sender or chat_id), **content)
        update = {"update_id": next(self._update_ids), "message": message}
        await self.push(update)
        return update

    async def user_taps(self, chat_id: int, message_id: int, data: str,
                        sender: int | None = None) -> dict:
        chat = self.chat(chat_id)
        update = {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._update_ids)), "from": self._user(sender or chat_id),
            "chat_instance": "ci", "data": data, "message": chat.messages[message_id]}}
        await self.push(update)
        return update

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m["from"]["is_bot"]]

    def all_messages(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def sends(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls if c.method in ("sendMessage", "sendVenue")
                and int(c.params.get("chat_id", 0)) == chat_id]

    # -- API methods -----------------------------------------------------------------------
    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 0.5)
        async with self._new_update:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
            return [u for u in self.updates if u["update_id"] >= offset][:100]

    def _target(self, params: dict[str, Any]) -> Chat:
        with contextlib.suppress(KeyError, ValueError):
            new = self.migrated[int(params["chat_id"])]
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=new)
        try:
            chat = self.chats[int(params["chat_id"])]
        except (KeyError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        return chat

    def _rate_limit(self, chat: Chat | None = None) -> None:
        if self.enforce_limits and chat is not None:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= 30 or now - self._last_in_chat.get(chat.id, -9.0) < 1.0:
                raise ApiError(429, "Too Many Requests: retry after 1", 1)
            self._recent.append(now)
            self._last_in_chat[chat.id] = now
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            raise ApiError(429, f"Too Many Requests: retry after {self.retry_after}",
                           self.retry_after)

    def _check_markup(self, markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if not button.get("text") or len(data.encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        for row in markup.get("keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: keyboard button text is empty")

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params.get("reply_markup"))
        self._rate_limit(chat)
        extra: dict[str, Any] = {}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            extra["reply_markup"] = markup  # Telegram echoes inline keyboards only
        if _flag(params.get("protect_content")):
            extra["has_protected_content"] = True
        return self._new_message(chat, BOT_USER, text=text, **extra)

    async def api_sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        for name in ("latitude", "longitude", "title", "address"):
            if not params.get(name):
                raise ApiError(400, f"Bad Request: {name} is required")
        self._rate_limit()
        venue = {"location": {"latitude": float(params["latitude"]),
                              "longitude": float(params["longitude"])},
                 "title": params["title"], "address": params["address"]}
        extra = {"has_protected_content": True} if _flag(params.get("protect_content")) else {}
        return self._new_message(chat, BOT_USER, venue=venue, location=venue["location"], **extra)

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(params)
        message = chat.messages.get(int(params.get("message_id", 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if text == message.get("text"):
            raise ApiError(400, "Bad Request: message is not modified")
        self._check_markup(params.get("reply_markup"))
        message["text"] = text
        message["edit_date"] = int(time.time())
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    async def api_deleteMessages(self, params: dict[str, Any]) -> bool:
        chat = self._target(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must hold 1 to 100 ids")
        self._rate_limit()
        for message_id in ids:  # as Telegram does, ids that cannot be found are skipped
            chat.messages.pop(int(message_id), None)
        return True

    async def api_deleteMessage(self, params: dict[str, Any]) -> bool:
        chat = self._target(params)
        if chat.messages.pop(int(params.get("message_id", 0)), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        return True
