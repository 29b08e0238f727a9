"""Loopback fakes of the Zalo OA Open API v3 (with its OAuth token endpoint) and the Zalo Bot
platform, speaking their wire formats (channels.md) and refusing what they refuse."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

OA_APP_ID = "4321987654321"
OA_APP_SECRET = "app-secret-for-oauth"
OA_SECRET_KEY = "oa-secret-key-for-webhooks"
BOT_TOKEN = "zbot-123:abc"


class _Server:
    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _serve(self, app: web.Application) -> str:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class FakeZaloOA(_Server):
    def __init__(self, window_seconds: float = 7 * 24 * 3600,
                 now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.now = now  # seconds; tests share their clock with the bot
        self.access_token = "access-1"
        self.refresh_token = "refresh-1"
        self.refresh_issued_at = now()
        self.expired = False
        self.window_seconds = window_seconds
        self.last_from_user: dict[str, float] = {}
        self.sent: list[tuple[str, dict[str, Any]]] = []  # (user_id, message)
        self.refused: list[tuple[str, Any, str]] = []  # (user_id, message, why): error -201
        self.billed: list[tuple[str, str]] = []  # (user_id, text) sent 48 h-7 d after the user
        self.refreshes = 0
        self.attempts = 0  # calls to /message/cs, refused or not
        self.account_error: int | None = None  # an account-wide error for every send
        self.permission_missing = False  # the app lacks the message permission: -216 always
        self.rate_limit_next = 0
        self.webhook_url = ""
        self._ids = itertools.count(1)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/v4/oa/access_token", self._token)
        return await self._serve(app)

    # -- API ---------------------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != OA_APP_SECRET or form.get("app_id") != OA_APP_ID:
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        if form.get("grant_type") != "refresh_token" or \
                form.get("refresh_token") != self.refresh_token or \
                self.now() - self.refresh_issued_at > 90 * 24 * 3600:  # dies after 3 months
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        self.refresh_issued_at = self.now()
        self.refreshes += 1
        self.access_token = f"access-{self.refreshes + 1}"
        self.refresh_token = f"refresh-{self.refreshes + 1}"  # the old one is spent
        self.expired = False
        return web.json_response({"access_token": self.access_token,
                                  "refresh_token": self.refresh_token, "expires_in": "90000"})

    async def _send(self, request: web.Request) -> web.Response:
        self.attempts += 1
        token = request.headers.get("access_token")
        if self.account_error is not None:  # e.g. -221 OA not verified, -321 no balance
            return web.json_response({"error": self.account_error, "message": "Account problem"})
        if token != self.access_token or self.permission_missing:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self.expired:
            return web.json_response({"error": -220, "message": "Access token has expired"})
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            return web.json_response({"error": -32, "message": "Exceeded rate limit"})
        try:
            body = await request.json()
            user = str(body["recipient"]["user_id"])
            message = body["message"]
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        last = self.last_from_user.get(user)
        if last is None or self.now() - last > self.window_seconds:
            return web.json_response({"error": -230, "message": "User has not interacted "
                                      "with the OA in the last 7 days"})
        problem = self._check(message)
        if problem:
            self.refused.append((user, message, problem))
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        if self.now() - last > 48 * 3600:  # 48 h to 7 days: billed to the Zalo Cloud Account
            self.billed.append((user, message["text"]))
        self.sent.append((user, message))
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"m{next(self._ids)}", "user_id": user}})

    @staticmethod
    def _check(message: Any) -> str:
        """What Zalo's v3 ``/message/cs`` refuses (-201), per the OA docs (channels.md,
        "Corrections"): the text belongs in ``message.text`` (1..2000 characters) and the
        attachment holds only ``payload.buttons`` (1..5, titles 1..100 characters, query
        payloads up to 1,000). Messenger's ``template_type: "button"`` shape is refused."""
        if not isinstance(message, dict):
            return "message"
        text = message.get("text")
        if not isinstance(text, str) or not 0 < len(text) <= 2000:
            return "text length"
        if "attachment" not in message:
            return ""
        attachment = message["attachment"]
        if not isinstance(attachment, dict) or attachment.get("type") != "template":
            return "attachment type"
        payload = attachment.get("payload")
        if not isinstance(payload, dict) or set(payload) != {"buttons"}:
            return "template payload"  # e.g. template_type/text: Messenger's shape
        buttons = payload["buttons"]
        if not isinstance(buttons, list) or not 0 < len(buttons) <= 5:
            return "buttons"
        for button in buttons:
            title = button.get("title") if isinstance(button, dict) else None
            if not isinstance(title, str) or not 0 < len(title) <= 100:
                return "button title"
            kind, value = button.get("type"), button.get("payload")
            if kind in ("oa.query.show", "oa.query.hide"):
                if not isinstance(value, str) or not 0 < len(value) <= 1000:
                    return "query payload"
            elif kind == "oa.open.phone":
                if not isinstance(value, dict) or not str(value.get("phone_code", "")).strip():
                    return "phone"
            elif kind == "oa.open.url":
                if not isinstance(value, dict) or not value.get("url"):
                    return "url"
            else:
                return "button type"
        return ""

    # -- people --------------------------------------------------------------------------------
    def _event(self, user: str, name: str, message: dict[str, Any] | None) -> dict[str, Any]:
        event: dict[str, Any] = {"app_id": OA_APP_ID, "user_id_by_app": f"app-{user}",
                                 "event_name": name, "sender": {"id": user},
                                 "recipient": {"id": "oa-1"},
                                 "timestamp": str(int(time.time() * 1000))}
        if message is not None:
            event["message"] = message
        return event

    def text_event(self, user: str, text: str) -> dict[str, Any]:
        return self._event(user, "user_send_text",
                           {"msg_id": f"u{next(self._ids)}", "text": text})

    def location_event(self, user: str, lat: float, lon: float, shape: str = "attachments"):
        coordinates = {"latitude": str(lat), "longitude": str(lon)}
        if shape == "attachments":
            message = {"msg_id": f"u{next(self._ids)}", "attachments": [
                {"type": "location", "payload": {"coordinates": coordinates}}]}
        else:
            message = {"msg_id": f"u{next(self._ids)}", "location": coordinates}
        return self._event(user, "user_send_location", message)

    def follow_event(self, user: str, name: str = "follow") -> dict[str, Any]:
        """follow / unfollow: the person is ``follower.id`` (with ``oa_id``), no ``sender``."""
        return {"app_id": OA_APP_ID, "oa_id": "oa-1", "user_id_by_app": f"app-{user}",
                "event_name": name, "follower": {"id": user}, "source": "oa_profile",
                "timestamp": str(int(time.time() * 1000))}

    def unfollow_event(self, user: str) -> dict[str, Any]:
        return self.follow_event(user, "unfollow")

    @staticmethod
    def sign(raw: bytes, event: dict[str, Any], secret: str = OA_SECRET_KEY) -> str:
        mac = hashlib.sha256(str(event["app_id"]).encode() + raw
                             + str(event["timestamp"]).encode() + secret.encode()).hexdigest()
        return f"mac={mac}"

    async def deliver(self, event: dict[str, Any], signature: str | None = "right") -> int:
        """POST an event to the bot's webhook as Zalo does; return the HTTP status."""
        raw = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "right":
            headers["X-ZEvent-Signature"] = self.sign(raw, event)
        elif signature is not None:
            headers["X-ZEvent-Signature"] = signature
        if event.get("event_name") == "follow":
            self.last_from_user[event["follower"]["id"]] = self.now()
        elif str(event.get("event_name", "")).startswith("user_"):
            self.last_from_user[event["sender"]["id"]] = self.now()
        async with aiohttp.ClientSession() as http, \
                http.post(self.webhook_url, data=raw, headers=headers) as response:
            return response.status

    async def save_webhook_url(self, body: bytes = b"{}") -> int:
        """An admin saves the webhook URL in the developer console: Zalo may post an unsigned
        test body (``{}``) and expects 200."""
        async with aiohttp.ClientSession() as http, \
                http.post(self.webhook_url, data=body,
                          headers={"Content-Type": "application/json"}) as response:
            return response.status

    def texts_to(self, user: str) -> list[str]:
        return [message["text"] for to, message in self.sent if to == user]

    def buttons_to(self, user: str) -> list[dict[str, Any]]:
        """The buttons of the last message with buttons sent to a user."""
        for to, message in reversed(self.sent):
            if to == user and "attachment" in message:
                return message["attachment"]["payload"]["buttons"]
        return []

    def all_buttons_to(self, user: str) -> list[dict[str, Any]]:
        return [b for to, m in self.sent if to == user and "attachment" in m
                for b in m["attachment"]["payload"]["buttons"]]

    def tap_event(self, user: str, title: str) -> dict[str, Any]:
        """The person taps a query button (by its title) of the last message with buttons:
        Zalo posts a ``user_send_text`` whose text is the button's payload."""
        for button in self.buttons_to(user):
            if button["title"] == title and button["type"] in ("oa.query.show",
                                                               "oa.query.hide"):
                return self.text_event(user, button["payload"])
        raise AssertionError(f"no button {title!r} in {self.buttons_to(user)}")


class FakeZaloBot(_Server):
    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict[str, Any]] = []
        self.sent: list[tuple[str, str]] = []
        self.known_chats: set[str] = set()
        self.base_url = ""
        self.webhook: dict[str, Any] = {}
        self.calls: list[str] = []  # method names, in order
        self.poll_answers: list[dict[str, Any]] = []  # canned failures for the next polls
        self._ids = itertools.count(1)
        self._new = asyncio.Event()

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.base_url = await self._serve(app) + "/bot"
        return self.base_url

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"})
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad request"})
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": "bot", "account_name": "b"}})
        if method == "getUpdates":
            if self.poll_answers:
                return web.json_response(self.poll_answers.pop(0))
            if self.webhook.get("url"):  # polling does not work while a webhook is set
                return web.json_response({"ok": False, "error_code": 409, "description":
                                          "Conflict: webhook is active, delete it first"})
            if not self.updates:
                self._new.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new.wait(), min(float(body.get("timeout", 0)),
                                                                 0.3))
            if not self.updates:
                return web.json_response({"ok": False, "error_code": 408,
                                          "description": "Request timeout"})
            return web.json_response({"ok": True, "result": self.updates.pop(0)})
        if method == "sendMessage":
            chat, text = str(body.get("chat_id", "")), body.get("text", "")
            if chat not in self.known_chats:
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "Chat not found"})
            if not isinstance(text, str) or not 0 < len(text) <= 2000:
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "Text length must be 1-2000"})
            self.sent.append((chat, text))
            return web.json_response({"ok": True, "result": {
                "message_id": f"{next(self._ids):x}", "date": int(time.time() * 1000)}})
        if method == "setWebhook":
            self.webhook = body
            return web.json_response({"ok": True, "result": True})
        if method == "deleteWebhook":
            self.webhook = {}
            return web.json_response({"ok": True, "result": True})
        return web.json_response({"ok": False, "error_code": 404, "description": "Not found"})

    def update(self, chat: str, text: str | None = None,
               event: str = "message.text.received") -> dict[str, Any]:
        self.known_chats.add(chat)
        message: dict[str, Any] = {"message_id": f"{next(self._ids):x}",
                                   "date": int(time.time() * 1000),
                                   "chat": {"id": chat, "chat_type": "PRIVATE"},
                                   "from": {"id": chat, "display_name": "Lan", "is_bot": False}}
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    def push(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new.set()

    def texts_to(self, chat: str) -> list[str]:
        return [text for to, text in self.sent if to == chat]
