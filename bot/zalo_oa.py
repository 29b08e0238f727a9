"""Zalo Official Account (Open API v3) as a channel: webhook in, ``/v3.0/oa/message/cs`` out.

- The webhook checks ``X-ZEvent-Signature`` (``mac=`` + hex sha256 of app_id + raw body +
  timestamp + the OA secret key) in constant time; a wrong or missing one gets 401 and changes
  nothing, except Zalo's unsigned empty test post (``{}`` or no body, sent when the webhook URL
  is saved), which gets 200 and does nothing. A good one is acknowledged at once and processed
  afterwards (Zalo wants an answer within about 2 s); duplicates (same ``msg_id``) are
  processed once.
- Tokens: the access token lives about 25 h and the refresh token is single-use and rotates, so a
  refresh stores the new pair (encrypted) before the new access token is used; refresh happens
  ahead of expiry and on errors -216/-220 (then the send is retried once). A failed refresh is
  reported to the operator.
- Answers are allowed only within Zalo's interaction window after the person last wrote: free
  for 48 h, billed to the OA's Zalo Cloud Account up to 7 days (``window``, a setting just under
  that), impossible after. A staff message in the billed band goes with a note to the staff
  member; after the window it is not attempted, and the staff member is told why.
- Parsing is tolerant (pydantic models ignoring what they do not know; coordinates as strings or
  numbers, under ``attachments[0].payload.coordinates`` or ``message.location``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.crypto import Secrets
from bot.inbound import Intake, Unparseable
from bot.sender import Pacing, Refused, RetryLater
from bot.staff import StaffDesk
from bot.storage import ChannelSecrets, SqliteUnitOfWork, Store
from bot.webhook import MAX_BODY, within_limits
from bot.zalo_common import QueuedChannel, chunks, numbered, queue_reply
from handlers.events import Choice, Command, Inbound, Location, Media, Message, Reply, Text
from handlers.flow import Engine

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
TOKENS = "zalo_oa_tokens"
MAX_BUTTONS = 5
MAX_TITLE = 100
MAX_QUERY_PAYLOAD = 1000
EXIT_OPTION = "exit"  # the core's quick exit: always a button, whatever else must give way
REFRESH_AHEAD = dt.timedelta(minutes=30)
FREE_WINDOW = dt.timedelta(hours=48)  # replies are free within 48 h of the person's last message
EXPIRED = (-216, -220)
INVALID_TOKEN = -216  # also what a missing permission looks like: refreshed once, not per message
# Errors that concern the whole OA, not one message: the operator must act (channels.md).
ACCOUNT_WIDE = {-221: "OA not verified", -224: "OA package required",
                -223: "API not granted to the app", -219: "app disabled",
                -320: "no Zalo Cloud Account", -321: "Zalo Cloud Account has no balance",
                INVALID_TOKEN: "token refused after a refresh (missing permission?)"}
REFRESH_FAILED = 0  # the kind under which failed token refreshes are alerted
ACCOUNT_PAUSE = dt.timedelta(hours=1)
# The refresh token dies three months after its last rotation: rotate at least weekly even when
# nobody writes (checked every few hours by the runner).
KEEP_ALIVE = dt.timedelta(days=6)
KEEP_ALIVE_CHECK = dt.timedelta(hours=6)
OUTSIDE_WINDOW = (-230, -232, -213, -244)
FOLLOW_EVENTS = ("follow", "unfollow")
FRESHNESS = dt.timedelta(hours=1)  # a signed event older than this is refused (replays)
MEDIA_EVENTS = {"user_send_image": "photo", "user_send_gif": "animation",
                "user_send_sticker": "sticker", "user_send_audio": "voice",
                "user_send_video": "video", "user_send_file": "document",
                "user_send_link": "link", "user_send_business_card": "contact"}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Sender(_Loose):
    id: str | int


class _Coordinates(_Loose):
    latitude: float
    longitude: float


class _Payload(_Loose):
    coordinates: _Coordinates | None = None


class _Attachment(_Loose):
    payload: _Payload | None = None


class _Msg(_Loose):
    msg_id: str | None = None
    text: str | None = None
    attachments: list[_Attachment] = []
    location: _Coordinates | None = None


class OAEvent(_Loose):
    app_id: str | int | None = None
    event_name: str
    sender: _Sender | None = None
    follower: _Sender | None = None  # follow / unfollow carry the person here, not in sender
    message: _Msg | None = None
    timestamp: str | int | None = None

    def person(self) -> str | None:
        """The person's id: ``follower.id`` for follow/unfollow, else ``sender.id`` (either
        is accepted for any event, as integrations disagree)."""
        first, second = ((self.follower, self.sender) if self.event_name in FOLLOW_EVENTS
                         else (self.sender, self.follower))
        who = first or second
        return str(who.id) if who is not None else None

    def coordinates(self) -> tuple[float, float] | None:
        if self.message is None:
            return None
        for attachment in self.message.attachments:
            if attachment.payload is not None and attachment.payload.coordinates is not None:
                c = attachment.payload.coordinates
                return c.latitude, c.longitude
        if self.message.location is not None:
            return self.message.location.latitude, self.message.location.longitude
        return None


def is_setup_probe(raw: bytes) -> bool:
    """Zalo may post an unsigned ``{}`` (or nothing) when the webhook URL is saved, and wants a
    200. Such a body carries no event, so answering it changes nothing; any other body must
    be signed."""
    if not raw.strip():
        return True
    try:
        return json.loads(raw) == {}
    except ValueError:
        return False


def signature_ok(raw: bytes, header: str, oa_secret: str) -> bool:
    """Check ``mac=<hex sha256(app_id + raw body + timestamp + OA secret)>``."""
    try:
        data = json.loads(raw)
        app_id = str(data["app_id"])
        timestamp = str(data["timestamp"])
    except (ValueError, KeyError, TypeError):
        return False
    expected = hashlib.sha256(app_id.encode() + raw + timestamp.encode()
                              + oa_secret.encode()).hexdigest()
    given = header.removeprefix("mac=").strip()
    return hmac.compare_digest(given.encode(), expected.encode())


class ButtonPayloads:
    """Opaque ``oa.query.hide`` payloads: the option id, encrypted.

    A tap comes back as a ``user_send_text`` whose text is the payload. Option ids are words
    ("danger", "under18"), and ``oa.query.show`` would write them into the person's chat for
    whoever reads the phone; ``hide`` keeps them out of the chat, and the encryption keeps them
    out of anything else that might show or log a payload. Stateless: any payload this
    deployment made opens again, and a stale one is refused by the core like any old button."""

    PREFIX = "ba1."

    def __init__(self, secrets: Secrets) -> None:
        self._secrets = secrets
        self._key: tuple[bytes, Fernet] | None = None

    def _fernet(self) -> Fernet:
        hash_key = self._secrets.hash_key  # the database's own key once the store is open
        if self._key is None or self._key[0] != hash_key:
            derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                           info=b"binhan/zalo-oa-buttons/v1").derive(hash_key)
            self._key = (hash_key, Fernet(base64.urlsafe_b64encode(derived)))
        return self._key[1]

    def seal(self, option_id: str) -> str:
        return self.PREFIX + self._fernet().encrypt(option_id.encode()).decode("ascii")

    def open(self, payload: str) -> str | None:
        """The option id of a payload we made, or None for anything else (typed text)."""
        if not payload.startswith(self.PREFIX) or len(payload) > MAX_QUERY_PAYLOAD:
            return None
        try:
            return self._fernet().decrypt(payload[len(self.PREFIX):].encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None


def to_event(event: OAEvent, buttons: ButtonPayloads | None = None) -> Inbound | None:
    name = event.event_name
    if name == "user_send_text" and event.message is not None and event.message.text is not None:
        option = buttons.open(event.message.text) if buttons is not None else None
        return Choice(option) if option is not None else Text(event.message.text)
    if name == "user_send_location":
        point = event.coordinates()
        return Location(*point) if point is not None else Media("location")
    if name == "follow":
        return Command("start")
    if name == "unfollow":
        return Command("x")  # as quick exit: wipe the session, stop what was not sent yet
    if name in MEDIA_EVENTS:
        return Media(MEDIA_EVENTS[name])
    return None  # oa_send_* echoes of our own messages, and anything else


def payloads(message: Message, seal: Callable[[str], str]) -> list[dict[str, Any]]:
    """The ``message`` objects of ``/v3.0/oa/message/cs`` for one core message (v3 shape).

    The text is always in ``message.text``; buttons go in ``attachment.payload.buttons`` of the
    last part (at most five, titles of at most 100 characters). Options are ``oa.query.hide``
    buttons with sealed payloads. With more than five options every option is also a numbered
    line of the text (the person may type the number or the words) and the buttons carry the
    first ones and, always, the quick exit: no option is ever lost. Phone numbers stay in the
    text; ``oa.open.phone`` buttons are added while there is room."""
    options = list(message.options)
    text = numbered(message) if len(options) > MAX_BUTTONS else message.text
    if message.venue is not None:
        v = message.venue
        text += f"\nhttps://maps.google.com/?q={v.lat:.6f},{v.lon:.6f}"
    if len(options) > MAX_BUTTONS:
        exits = [o for o in options if o.id == EXIT_OPTION]
        others = [o for o in options if o.id != EXIT_OPTION]
        options = others[:MAX_BUTTONS - len(exits)] + exits
    buttons: list[dict[str, Any]] = [
        {"type": "oa.query.hide", "title": o.label[:MAX_TITLE], "payload": seal(o.id)}
        for o in options]
    for phone in message.phones[:MAX_BUTTONS - len(buttons)]:
        buttons.append({"type": "oa.open.phone", "title": phone.label[:MAX_TITLE],
                        "payload": {"phone_code": phone.number.replace(" ", "")}})
    out: list[dict[str, Any]] = [{"text": part} for part in chunks(text)]
    if buttons and out:
        out[-1]["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return out


class ZaloOAClient:
    """A small httpx client of the OA API; the PyPI ones are thin or broken (channels.md)."""

    def __init__(
        self, http: httpx.AsyncClient, store: Store, api_url: str, oauth_url: str, app_id: str,
        app_secret: str, access_token: str, refresh_token: str,
        on_operator_alert: Callable[[str], Awaitable[None]] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``on_operator_alert`` hears of problems only an operator can fix (a failed token
        refresh, an account-wide error): once per kind until a message goes through again."""
        self.http = http
        self.secrets = ChannelSecrets(store)
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self._initial = {"access_token": access_token, "refresh_token": refresh_token,
                         "expires_at": None}
        self._on_operator_alert = on_operator_alert
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        # one rotation at a time across every worker (the refresh token is single-use)
        self._lock = store.locks.mutex("zalo_oa_tokens")
        self._alerted: set[int] = set()  # kinds the operator has heard of since the last success
        self._paused_until: dt.datetime | None = None
        self._refused_after_refresh: str | None = None  # an access token -216 keeps refusing

    async def _alert_once(self, kind: int, problem: str) -> None:
        if kind in self._alerted:
            return
        self._alerted.add(kind)
        if self._on_operator_alert is not None:
            try:
                await self._on_operator_alert(problem)
            except Exception as exc:  # the pause must hold even if the alert cannot go
                log.error("zalo OA operator alert failed: %s", type(exc).__name__)

    async def _account_problem(self, code: int) -> RetryLater:
        """Pause all sending for this OA (rows stay queued) and tell the operator once."""
        self._paused_until = self._clock() + ACCOUNT_PAUSE
        problem = f"zalo error {code}: {ACCOUNT_WIDE[code]}"
        log.error("zalo OA account problem (%s); sending paused for %s", problem, ACCOUNT_PAUSE)
        await self._alert_once(code, problem)
        return RetryLater(ACCOUNT_PAUSE.total_seconds())

    async def tokens(self) -> dict[str, Any]:
        return await self.secrets.get(TOKENS) or dict(self._initial)

    async def refresh(self, used: str | None = None) -> dict[str, Any]:
        """Rotate the pair. ``used`` is the access token that failed: if another task already
        rotated it, its fresh pair is used instead of spending the refresh token twice."""
        async with self._lock:
            current = await self.tokens()
            if used is not None and current["access_token"] != used:
                return current
            try:
                response = await self.http.post(
                    f"{self.oauth_url}/v4/oa/access_token",
                    headers={"secret_key": self.app_secret},
                    data={"app_id": self.app_id, "grant_type": "refresh_token",
                          "refresh_token": current["refresh_token"]},
                )
                body = response.json()
                fresh = {
                    "access_token": str(body["access_token"]),
                    "refresh_token": str(body["refresh_token"]),
                    "expires_at": (self._clock() + dt.timedelta(
                        seconds=int(body.get("expires_in", 90000)))).isoformat(),
                    "refreshed_at": self._clock().isoformat(),
                }
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.error("zalo OA token refresh failed: %s", type(exc).__name__)
                await self._alert_once(REFRESH_FAILED,
                                       f"token refresh failed ({type(exc).__name__}); "
                                       "renew the tokens")
                raise RetryLater(60) from None
            await self.secrets.put(TOKENS, fresh, self._clock())  # durable before first use
            return fresh

    async def keep_alive(self) -> bool:
        """Rotate the pair if it has not been rotated for ``KEEP_ALIVE`` (or never by us), so
        months without a message never let the refresh token expire. True if it refreshed."""
        tokens = await self.tokens()
        at = tokens.get("refreshed_at")
        if at is not None and self._clock() - dt.datetime.fromisoformat(at) < KEEP_ALIVE:
            return False
        await self.refresh(tokens["access_token"])
        return True

    async def _usable(self) -> dict[str, Any]:
        tokens = await self.tokens()
        expires = tokens.get("expires_at")
        if expires and dt.datetime.fromisoformat(expires) - REFRESH_AHEAD <= self._clock():
            tokens = await self.refresh(tokens["access_token"])
        return tokens

    async def send(self, user_id: str, message: dict[str, Any]) -> None:
        now = self._clock()
        if self._paused_until is not None and now < self._paused_until:
            raise RetryLater((self._paused_until - now).total_seconds())  # kept, not dropped
        tokens = await self._usable()
        for attempt in (1, 2):
            try:
                response = await self.http.post(
                    f"{self.api_url}/v3.0/oa/message/cs",
                    headers={"access_token": tokens["access_token"]},
                    json={"recipient": {"user_id": user_id}, "message": message},
                )
                body = response.json()
            except (httpx.HTTPError, ValueError):
                raise RetryLater(2.0) from None
            error = int(body.get("error", -1)) if isinstance(body, dict) else -1
            if error == 0:
                self._alerted.clear()  # whatever was wrong has been fixed
                self._paused_until = None
                self._refused_after_refresh = None
                return
            if error == INVALID_TOKEN and (
                    attempt == 2 or tokens["access_token"] == self._refused_after_refresh):
                # A fresh token refused too: a permission problem, not an expiry. Refreshing
                # again for every message would only burn refresh tokens.
                self._refused_after_refresh = tokens["access_token"]
                raise await self._account_problem(INVALID_TOKEN)
            if error in EXPIRED and attempt == 1:
                tokens = await self.refresh(tokens["access_token"])
                continue
            if error in ACCOUNT_WIDE:
                raise await self._account_problem(error)
            if error == -32:
                raise RetryLater(5.0)
            if error in OUTSIDE_WINDOW:
                raise Refused(f"zalo error {error} (outside the interaction window)")
            raise Refused(f"zalo error {error}")


class ZaloOATransport:
    def __init__(self, client: ZaloOAClient) -> None:
        self.client = client

    async def call(self, chat: Any, method: str, params: dict[str, Any]) -> list[int]:
        await self.client.send(str(chat), params["message"])
        return []


class ZaloOAChannel(QueuedChannel):
    def __init__(
        self, client: ZaloOAClient, engine: Engine, store: Store, secrets: Secrets,
        oa_secret_key: str, window: dt.timedelta, desk: StaffDesk | None = None,
        pacing: Pacing | None = None, clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(CHANNEL, ZaloOATransport(client), engine, store, secrets, desk,
                         pacing, clock)
        self.client = client
        self.oa_secret_key = oa_secret_key
        self.window = window
        self.buttons = ButtonPayloads(secrets)
        self.intake = Intake(store, CHANNEL, self._process_body)

    async def webhook(self, request: web.Request) -> web.Response:
        """Check size and depth, the signature, then freshness; store the event in the inbox
        (one commit) and only then answer 200: Zalo never sends an acknowledged event again."""
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413)
        raw = await request.read()
        if not within_limits(raw):
            return web.Response(status=400)  # too big or too deep: refused before any parsing
        if is_setup_probe(raw):
            return web.Response(status=200)  # Zalo's unsigned test post: nothing to do
        if not signature_ok(raw, request.headers.get("X-ZEvent-Signature", ""),
                            self.oa_secret_key):
            return web.Response(status=401)
        try:
            event = OAEvent.model_validate_json(raw)
        except ValidationError:
            return web.Response(status=400)
        if not self._fresh(event):
            log.warning("zalo OA refused an event outside the freshness window")
            return web.Response(status=401)  # a replay is no more authentic than a forgery
        try:
            await self.intake.accept([(self._event_key(event), json.loads(raw))])
        except Exception as exc:  # not stored: not acknowledged
            log.error("zalo OA could not store an event: %s", type(exc).__name__)
            return web.Response(status=500)
        return web.Response(status=200)

    def _fresh(self, event: OAEvent) -> bool:
        """A signed event older (or newer) than ``FRESHNESS`` is a replay, not news: the
        processed-event ids that would catch it are purged after a week. Wall-clock time, as
        Zalo's timestamp is (not the injectable clock the conversation logic runs on)."""
        try:
            sent = dt.datetime.fromtimestamp(int(str(event.timestamp)) / 1000, dt.UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            return False
        return abs(dt.datetime.now(dt.UTC) - sent) <= FRESHNESS

    @staticmethod
    def _event_key(event: OAEvent) -> str:
        msg_id = event.message.msg_id if event.message is not None else None
        return msg_id or f"{event.event_name}:{event.person()}:{event.timestamp}"

    async def _process_body(self, body: dict[str, Any]) -> None:
        try:
            event = OAEvent.model_validate(body)
        except ValidationError:
            raise Unparseable("OAEvent") from None
        await self.process(event)

    async def idle(self) -> None:
        """Wait for events still being processed (tests, shutdown)."""
        await self.intake.idle()

    async def process(self, event: OAEvent) -> None:
        inbound = to_event(event, self.buttons)
        user = event.person()
        if inbound is None or user is None:
            return
        key = self.secrets.hash_id(CHANNEL, user)
        msg_id = event.message.msg_id if event.message is not None else None
        event_id = f"{CHANNEL}:{msg_id or f'{event.event_name}:{user}:{event.timestamp}'}"
        now = self._clock()

        async def queue(uow: SqliteUnitOfWork, reply: Reply) -> None:
            await uow.contact_window.touch(key, now)

            def to_user(message: Message) -> list[dict[str, Any]]:
                return [{"chat": user, "method": "send", "params": {"message": p}}
                        for p in payloads(message, self.buttons.seal)]

            await queue_reply(uow, CHANNEL, key, reply, to_user, self.desk, now)

        # A failure propagates to the inbox (bot.inbound.Intake), which retries it.
        await self.engine.handle(key, CHANNEL, inbound, event_id=event_id, on_reply=queue,
                                 address={"channel": CHANNEL, "user": user})
        self.sender.wake()

    async def to_person(self, uow: SqliteUnitOfWork, case: dict[str, Any], text: str,
                        urgent: bool) -> bool:
        """A staff message, within Zalo's interaction window after the person last wrote:
        free up to 48 h, billed to the OA's Zalo Cloud Account up to 7 days (the staff member
        is told), impossible after (not attempted; the staff member is told why)."""
        last = await uow.contact_window.last(case["conversation"])
        user = (case.get("address") or {}).get("user")
        if last is None or user is None:
            return False
        elapsed = self._clock() - last
        hours = int(elapsed.total_seconds() // 3600)
        if elapsed > self.window:
            await self._tell_claimer(uow, case, "staff-zalo-window-closed", hours)
            return False
        for payload in payloads(Message(text), self.buttons.seal):
            await uow.outgoing.queue(CHANNEL, case["conversation"], 0 if urgent else 1,
                                     {"chat": user, "method": "send",
                                      "params": {"message": payload}},
                                     self._clock())
        if elapsed > FREE_WINDOW:
            await self._tell_claimer(uow, case, "staff-zalo-window-billed", hours)
        self.sender.wake()
        return True

    async def _tell_claimer(self, uow: SqliteUnitOfWork, case: dict[str, Any], key: str,
                            hours: int) -> None:
        """A note about the window to the staff member handling the case (in the same
        transaction as the handoff itself)."""
        if self.desk is None or not case.get("claimed_by"):
            return
        member = await uow.staff.get(case["claimed_by"])
        if member is not None:
            await self.desk.post.to_staff(uow, member["user_id"],
                                          self.desk.t(key, code=case["code"], hours=hours))
