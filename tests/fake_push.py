"""A loopback Web Push service, speaking the real protocol: it plays the browser's side too.

``subscribe()`` makes what a browser would (a P-256 key pair and a 16-byte auth secret) and an
endpoint on this server. A POST to an endpoint is checked as a push service and a browser
would: the VAPID ``Authorization: vapid t=JWT,k=KEY`` header must carry a JWT signed by that
key for this origin, and the aes128gcm body is decrypted with the subscription's private key
(``http_ece``). What arrived is kept for the test to read. An endpoint marked ``gone`` answers
410 Gone, as a push service does once a phone unsubscribed.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt as vapid_jwt


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeSubscription:
    name: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str
    gone: bool = False

    def keys(self) -> dict[str, str]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}


@dataclass
class Delivery:
    name: str
    payload: bytes
    claims: dict[str, Any]
    public_key: str
    headers: dict[str, str] = field(default_factory=dict)


class FakePushService:
    def __init__(self) -> None:
        self.subscriptions: dict[str, FakeSubscription] = {}
        self.delivered: list[Delivery] = []
        self.refused: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{name}", self._push)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def subscribe(self, name: str) -> FakeSubscription:
        subscription = FakeSubscription(name, ec.generate_private_key(ec.SECP256R1()),
                                        os.urandom(16), f"{self.url}/push/{name}")
        self.subscriptions[name] = subscription
        return subscription

    async def _push(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        subscription = self.subscriptions.get(name)
        if subscription is None:
            return web.Response(status=404)
        if subscription.gone:
            return web.Response(status=410, text="subscription expired")
        body = await request.read()
        try:
            scheme, params = request.headers["Authorization"].split(" ", 1)
            assert scheme.lower() == "vapid", scheme
            parts = dict(part.split("=", 1) for part in params.split(","))
            claims = vapid_jwt.decode(parts["t"], parts["k"])  # raises unless signed by k
            assert claims["aud"] == self.url, claims
            assert int(claims["exp"]) > time.time(), claims
            assert request.headers["Content-Encoding"] == "aes128gcm"
            assert int(request.headers["TTL"]) > 0
            payload = http_ece.decrypt(body, private_key=subscription.private_key,
                                       auth_secret=subscription.auth, version="aes128gcm")
        except Exception as exc:  # a malformed push: refused as a push service would
            self.refused.append(f"{type(exc).__name__}: {exc}")
            return web.Response(status=400, text="bad push")
        self.delivered.append(Delivery(name, payload, claims, parts["k"],
                                       dict(request.headers)))
        return web.Response(status=201)
