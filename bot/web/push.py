"""Web Push to staff phones: a staff channel that wakes a phone for an urgent case, even with the
console closed, with no personal content (the case code and its tier, nothing else).

Why ``pywebpush``: it does the two standards a push service requires, VAPID (RFC 8292, a JWT
signed with our key so the push service knows who sends) and the aes128gcm payload encryption
(RFC 8291/8188, so the push service cannot read what it carries), with an aiohttp client we
already depend on. Written by hand, both are easy to get subtly wrong.

The VAPID key pair is made at the console's first start and kept sealed in the store like the
channels' other secrets (``ChannelSecrets``). Subscriptions are sealed too: an endpoint reaches
one phone. A push is best effort beside the console and the other channels: a push service
that is down never holds back an alert (it is logged, without the endpoint), and one that
answers 404 or 410 Gone means the phone unsubscribed, so the subscription is removed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode
from pywebpush import WebPushException, webpush_async

from bot.crypto import Secrets
from bot.storage import ChannelSecrets, Store
from bot.storage.console import PushSubscription, PushSubscriptions
from handlers.staff import Alert

log = logging.getLogger(__name__)

VAPID_SECRET = "web_push_vapid"
PUSH_TTL = 3600  # seconds a push service keeps an undelivered push: an alert an hour old is
PUSH_TIMEOUT = 10.0  # stale news; the console and the escalation repeat it anyway
GONE = (404, 410)


@dataclass(frozen=True)
class VapidKeys:
    private_pem: str
    public_key: str  # base64url of the uncompressed P-256 point: the browser's
    # applicationServerKey

    def vapid(self) -> Vapid02:
        return Vapid02.from_pem(self.private_pem.encode())


def _public_of(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return str(b64urlencode(raw))


async def vapid_keys(store: Store, now: dt.datetime) -> VapidKeys:
    """The deployment's VAPID key pair, made on first use and kept sealed in the store
    (``ChannelSecrets`` takes the store's lock itself: no unit of work around it)."""
    secrets = ChannelSecrets(store)
    found = await secrets.get(VAPID_SECRET)
    if found is None:
        vapid = Vapid02()
        vapid.generate_keys()
        found = {"private_pem": vapid.private_pem().decode()}
        await secrets.put(VAPID_SECRET, found, now)
        async with store.unit_of_work() as uow:
            await uow.audit.record("system", "web_push_keys_made", now)
            await uow.commit()
    vapid = Vapid02.from_pem(found["private_pem"].encode())
    return VapidKeys(found["private_pem"], _public_of(vapid))


def endpoint_hash(secrets: Secrets, endpoint: str) -> str:
    return secrets.hash_id("web-push", endpoint)


def acceptable_endpoint(endpoint: str, allow_http: bool = False) -> bool:
    """A push service's URL: https (a plain-http one only where the deployment allows it, as
    the tests' loopback fake). Anything else is refused: the server must not be made to post
    to arbitrary places."""
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    return parts.scheme in schemes and bool(parts.netloc) and len(endpoint) <= 1024


def push_payload(alert: Alert) -> str:
    """What a phone is told: which case and how urgent. Never where, who or why."""
    return json.dumps({"code": alert.code, "tier": alert.tier.value})


class WebPushChannel:
    """A staff channel (``bot.staff_channels.StaffChannel``) for urgent alerts.

    ``notify`` runs inside the dispatcher's transaction, which holds the store: it only reads
    the subscriptions and starts the sends, which run after it (``drain`` waits for them)."""

    def __init__(self, store: Store, keys: VapidKeys | None, contact: str,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.store = store
        self.keys = keys  # set at the console's start (``vapid_keys``)
        self.contact = contact  # the VAPID "sub" claim: mailto: or an https URL
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._sending: set[asyncio.Task[None]] = set()
        self.sent = 0  # pushes a push service accepted, for /healthz-style counts and tests

    async def notify(self, uow: object, alert: Alert, text: str) -> None:
        if not alert.urgent:
            return
        if self.keys is None:  # only in the moment before the console's start made them
            log.warning("web push keys not loaded yet: an urgent alert was not pushed")
            return
        subscriptions = await PushSubscriptions(self.store).all()
        if not subscriptions:
            return
        task = asyncio.create_task(self._send_all(subscriptions, push_payload(alert)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def drain(self, timeout: float = 15.0) -> None:
        """Wait (bounded) for the pushes started so far."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=timeout)

    async def _send_all(self, subscriptions: list[PushSubscription], payload: str) -> None:
        keys = self.keys
        assert keys is not None  # notify checked
        gone: list[int] = []
        timeout = aiohttp.ClientTimeout(total=PUSH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            results = await asyncio.gather(
                *(self._send(session, keys, s, payload) for s in subscriptions),
                return_exceptions=True)
        for subscription, result in zip(subscriptions, results, strict=True):
            if result is True:
                self.sent += 1
            elif result == "gone":
                gone.append(subscription.id)
            else:
                name = type(result).__name__ if isinstance(result, BaseException) else result
                log.warning("web push not accepted (%s)", name)  # never the endpoint
        if gone:
            async with self.store.unit_of_work() as uow:
                repository = PushSubscriptions(uow.store)
                for subscription_id in gone:
                    await repository.remove(subscription_id)
                await uow.audit.record("system", "web_push_gone", self._clock(),
                                       detail=str(len(gone)))
                await uow.commit()

    async def _send(self, session: aiohttp.ClientSession, keys: VapidKeys,
                    subscription: PushSubscription, payload: str) -> bool | str:
        try:
            await webpush_async(
                subscription.info(), data=payload, vapid_private_key=keys.vapid(),
                vapid_claims={"sub": self.contact}, ttl=PUSH_TTL,
                headers={"Urgency": "high"}, aiohttp_session=session, timeout=PUSH_TIMEOUT)
        except WebPushException as exc:
            status = exc.status_code
            if status in GONE:
                return "gone"
            return f"status {status}"
        return True


def push_contact(public_url: str) -> str:
    """The VAPID contact: the console's https address, or a placeholder address push services
    accept (they use it only to reach the sender's operator about abuse)."""
    parts = urlsplit(public_url)
    if parts.scheme == "https" and parts.hostname and "." in parts.hostname:
        return f"https://{parts.hostname}"
    return "mailto:staff@binhan.invalid"
