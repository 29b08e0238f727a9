"""The webhook HTTP server (aiohttp), shared by every channel that receives webhooks.

Telegram's requests carry ``X-Telegram-Bot-Api-Secret-Token``; a request without the right one
gets 403 and changes nothing. The update is processed before the 200 is sent, so a failure makes
Telegram retry, and the store's processed-event ids make the retry harmless.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.telegram_channel import TelegramChannel

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20


def telegram_route(channel: TelegramChannel, secret: str) -> web.RequestHandler:
    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            body = await request.read()
            data = json.loads(body) if len(body) <= MAX_BODY else None
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400)
        update = channel.parse_webhook_body(data)
        if update is None:
            return web.Response(status=400)
        try:
            await channel.process_update(update)
        except Exception as exc:  # answer 500 so Telegram retries; never log the body
            log.error("telegram webhook failed: %s", type(exc).__name__)
            return web.Response(status=500)
        return web.Response(status=200)

    return handle


class WebhookServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=MAX_BODY)
        self._runner: web.AppRunner | None = None

    def add(self, path: str, handler: web.RequestHandler) -> None:
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
