"""The webhook HTTP server (aiohttp), shared by every channel that receives webhooks.

Telegram's requests carry ``X-Telegram-Bot-Api-Secret-Token``; a request without the right one
gets 403 and changes nothing, and it is checked before the body is even read. A body larger than
``MAX_BODY`` or nested deeper than ``MAX_DEPTH`` is refused before parsing. An accepted update is
stored in the inbox (one commit) and only then answered 200; processing happens behind the inbox
(``bot.inbound.Intake``), so a processing failure never loses an acknowledged update. If the
inbox commit fails the answer is 500 and Telegram sends the update again.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler  # a request handler; web.RequestHandler is the protocol class

from bot.telegram_channel import TelegramChannel

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20
MAX_DEPTH = 32  # Telegram's updates nest about 6 deep


def nesting_depth(body: bytes) -> int:
    """How deep brackets nest in a JSON text, counted without parsing it (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def within_limits(body: bytes, max_depth: int = MAX_DEPTH) -> bool:
    """Small and shallow enough to parse safely (checked before any parsing)."""
    return len(body) <= MAX_BODY and nesting_depth(body) <= max_depth


def bounded_json(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON body within size and depth limits; None when it is not acceptable."""
    if not within_limits(body, max_depth):
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def telegram_route(channel: TelegramChannel, secret: str) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        data = bounded_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        if channel.parse_webhook_body(data) is None:
            return web.Response(status=400)
        try:
            await channel.accept_update(data)
        except Exception as exc:  # not stored: 500, so Telegram sends it again; never the body
            log.error("telegram webhook could not store an update: %s", type(exc).__name__)
            return web.Response(status=500)
        return web.Response(status=200)

    return handle


class WebhookServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=MAX_BODY)
        self._runner: web.AppRunner | None = None

    def add(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port (tests): report the one the system chose
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
