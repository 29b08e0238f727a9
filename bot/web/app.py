"""The staff web console: an aiohttp application on its own listener (``WEB_LISTEN``).

Server-rendered pages (Jinja2, autoescaped) that work as plain forms on any phone browser, with
htmx (vendored, no build step) reloading the queue when the server-sent event stream says a case
arrived or changed. Every request passes the same gates: security headers on every answer, a
session for everything but login, setup, static files and /healthz, a CSRF token on every form,
and the role table (``bot.web.permissions``) before each action, refusals audited.
Nothing personal goes into a URL or a log line: URLs carry case codes only.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets as pysecrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.config import Settings
from bot.crypto import Secrets
from bot.staff import DeskConfig
from bot.storage import (
    Outbox,
    SqliteUnitOfWork,
    Store,
    WebAccountRepository,
    WebCaseViews,
    WebHandoffRepository,
    WebSessionRepository,
)
from bot.web.accounts import (
    MIN_PASSWORD,
    Account,
    hash_password,
    needs_rehash,
    new_totp_secret,
    setup_hash,
    totp_step,
    totp_uri,
    verify_password,
)
from bot.web.handoff import WebDesk
from bot.web.i18n import web_text
from bot.web.live import Broker, LiveEvent, WebNotifier
from bot.web.organisation import OrganisationPages
from bot.web.permissions import Action, allowed
from bot.web.push import WebPushChannel, push_contact
from bot.web.throttle import LoginThrottle
from knowledge.gazetteer import Gazetteer

log = logging.getLogger(__name__)

SESSION_COOKIE = "binhan_session"
LOGIN_CSRF_COOKIE = "binhan_login_csrf"  # double-submit token for the forms before a session
LANG_COOKIE = "binhan_lang"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
KEEPALIVE_SECONDS = 15.0
PURGE_SECONDS = 3600.0
PUBLIC_PREFIXES = ("/login", "/setup/", "/static/", "/healthz", "/lang/", "/sw.js")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a setup link never leaks through a Referer
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Outcome(StrEnum):
    """How a case ended, in categories (free text could carry a person's words)."""

    REFERRED = "referred"
    SAFE = "safe"
    NO_CONTACT = "no-contact"
    DECLINED = "declined"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class WebConfig:
    secure_cookies: bool = True
    session_lifetime: dt.timedelta = dt.timedelta(hours=12)
    login_attempts: int = 5
    login_window: dt.timedelta = dt.timedelta(minutes=15)
    default_language: str = "vi"
    message_retention: dt.timedelta = dt.timedelta(days=7)  # handoff words (safety.md)
    push_contact: str = "mailto:staff@binhan.invalid"  # the VAPID "sub" claim
    push_allow_http: bool = False  # plain-http push endpoints: the tests' loopback fake only


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Visit:
    """What the gates learned about a request: its language, who is logged in, their token."""

    lang: str
    account: Account | None = None
    csrf: str | None = None


VISIT = web.RequestKey("visit", Visit)


class WebConsole:
    """The console's application, its live broker and its listener."""

    def __init__(
        self, store: Store, secrets: Secrets, gazetteer: Gazetteer,
        config: WebConfig | None = None, broker: Broker | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.secrets = secrets
        self.gazetteer = gazetteer
        self.config = config or WebConfig()
        self.broker = broker or Broker()
        self.notifier = WebNotifier(self.broker)
        self.throttle = LoginThrottle(self.config.login_attempts, self.config.login_window)
        self.text = web_text()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._runner: web.AppRunner | None = None
        self.desk: WebDesk | None = None  # set by the runner: talking with the person
        self._purging: asyncio.Task[None] | None = None
        # Web Push to staff phones: a staff channel the runner adds to the fan-out
        self.push = WebPushChannel(store, None, self.config.push_contact, self.now)
        self.organisation = OrganisationPages(self)
        self.jinja = jinja2.Environment(
            loader=jinja2.PackageLoader("bot.web", "templates"),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )

    # -- the application ---------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers, self._session, self._csrf],
                              client_max_size=64 * 1024)
        static = Path(str(resources.files("bot.web") / "static"))
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/lang/{lang}", self.set_language)
        app.router.add_get("/login", self.login_page)
        app.router.add_post("/login", self.login)
        app.router.add_post("/logout", self.logout)
        app.router.add_get("/setup/{token}", self.setup_page)
        app.router.add_post("/setup/{token}", self.setup)
        app.router.add_get("/", self.queue_page)
        app.router.add_get("/queue", self.queue_fragment)
        app.router.add_get("/events", self.events)
        app.router.add_get("/case/{code}", self.case_page)
        app.router.add_get("/case/{code}/conversation", self.conversation)
        app.router.add_post("/case/{code}/reply", self.reply)
        app.router.add_post("/case/{code}/{action}", self.case_action)
        app.router.add_get("/audit", self.audit_page)
        app.router.add_get("/sw.js", self.service_worker)
        self.organisation.routes(app)
        app.router.add_static("/static/", static, append_version=False)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def start(self, host: str, port: int) -> None:
        # No URLs or addresses logged. Live queues (server-sent events) never end on their own:
        # at shutdown they get two seconds, not aiohttp's default minute.
        await self.organisation.start()
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self._purging = asyncio.create_task(self._purge_forever())

    def now(self) -> dt.datetime:
        return self._clock()

    async def service_worker(self, request: web.Request) -> web.FileResponse:
        """The service worker that shows a Web Push on a staff phone, served from the root so
        its scope is the whole console."""
        path = Path(str(resources.files("bot.web") / "static" / "sw.js"))
        return web.FileResponse(path, headers={"Content-Type": "text/javascript",
                                               "Service-Worker-Allowed": "/"})

    async def purge(self) -> int:
        """Expired sessions, and handoff words older than the message retention."""
        now = self._clock()
        async with self.store.unit_of_work() as uow:
            count = await WebSessionRepository(uow.store).purge(now)
            count += await WebHandoffRepository(uow.store).purge(
                now - self.config.message_retention)
            await uow.commit()
        return count

    async def _purge_forever(self) -> None:
        """Hourly, starting an hour after the start: never racing the first requests or a stop
        for the store (``binhan purge`` and the runner's purge cover a fresh start)."""
        while True:
            await asyncio.sleep(PURGE_SECONDS)
            try:
                await self.purge()
            except Exception as exc:
                log.error("console purge failed: %s", type(exc).__name__)

    @property
    def port(self) -> int:
        assert self._runner is not None
        site = next(iter(self._runner.sites))
        server = site._server
        if not isinstance(server, asyncio.Server):  # a TCP site, started: start() ran first
            raise RuntimeError("the console is not listening")
        return int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._purging is not None:
            self._purging.cancel()
            await asyncio.wait({self._purging}, timeout=2.0)  # a stop never hangs on it
            self._purging = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_shutdown(self, app: web.Application) -> None:
        self.broker.close()

    # -- gates -------------------------------------------------------------------------------
    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if isinstance(response, web.HTTPException):
            raise response
        return response

    @web.middleware
    async def _session(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        request[VISIT] = Visit(self._language(request))
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with self.store.unit_of_work() as uow:
                found = await WebSessionRepository(uow.store).get(self._session_hash(token),
                                                                  self._clock())
                record = await WebAccountRepository(uow.store).get(found[0]) if found else None
            if found and record and record.password_hash:
                request[VISIT].account = Account.of(record)
                request[VISIT].csrf = found[1]
        if request[VISIT].account is None and not request.path.startswith(PUBLIC_PREFIXES):
            if request.method == "GET" and request.path not in ("/queue", "/events"):
                raise web.HTTPSeeOther("/login")
            raise web.HTTPUnauthorized(text="login required")
        return await handler(request)

    @web.middleware
    async def _csrf(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST":
            form = await request.post()
            sent = str(form.get("csrf", ""))
            expected = request[VISIT].csrf or request.cookies.get(LOGIN_CSRF_COOKIE, "")
            if not expected or not pysecrets.compare_digest(sent.encode(), expected.encode()):
                account: Account | None = request[VISIT].account
                if account is not None:
                    await self._audit_refusal(account, "csrf")
                log.warning("console form refused: bad CSRF token")
                return self._page(request, "message.html", status=403,
                                  message=self._t(request, "bad-request"))
        return await handler(request)

    def _language(self, request: web.Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, self.config.default_language)
        return lang if lang in ("vi", "en") else "vi"

    def _session_hash(self, token: str) -> str:
        return self.secrets.hash_id("web-session", token)

    def _t(self, request: web.Request, key: str, **args: object) -> str:
        return self.text.text(request[VISIT].lang, key, **args)

    def _page(self, request: web.Request, template: str, status: int = 200,
              **context: Any) -> web.Response:
        lang = request[VISIT].lang
        html = self.jinja.get_template(template).render(
            t=lambda key, **args: self.text.text(lang, key, **args), lang=lang,
            account=request[VISIT].account, csrf=request[VISIT].csrf or "", path=request.path,
            **context)
        return web.Response(text=html, content_type="text/html", status=status)

    def _cookie(self, response: web.StreamResponse, name: str, value: str,
                max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                            secure=self.config.secure_cookies, samesite="Strict")

    @staticmethod
    def _staff(request: web.Request) -> Account:
        """The logged-in account on a staff page. The session gate lets no request without one
        past it; should one get here, it gets the gate's own answer."""
        account = request[VISIT].account
        if account is None:
            raise web.HTTPUnauthorized(text="login required")
        return account

    async def _audit_refusal(self, account: Account, action: str,
                             code: str | None = None) -> None:
        async with self.store.unit_of_work() as uow:
            await uow.audit.record(account.actor, "refused", self._clock(), code, action)
            await uow.commit()
        log.warning("console action refused by role: %s", action)

    async def _refuse(self, request: web.Request, action: Action,
                      code: str | None = None) -> web.Response:
        await self._audit_refusal(self._staff(request), action.value, code)
        return self._page(request, "message.html", status=403,
                          message=self._t(request, "refused"))

    # -- public pages ------------------------------------------------------------------------
    async def healthz(self, request: web.Request) -> web.Response:
        try:
            pending = len(await Outbox(self.store).due(self._clock()))
            database = "ok"
        except Exception as exc:
            log.error("health check: store failed (%s)", type(exc).__name__)
            pending, database = -1, "error"
        status = 200 if database == "ok" else 503
        return web.json_response({"status": "ok" if status == 200 else "error",
                                  "database": database, "pending_alerts": pending,
                                  "live_consoles": self.broker.listeners}, status=status)

    async def set_language(self, request: web.Request) -> web.Response:
        lang = request.match_info["lang"]
        target = request.query.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = web.HTTPSeeOther(target)
        if lang in ("vi", "en"):
            self._cookie(response, LANG_COOKIE, lang, max_age=365 * 24 * 3600)
        raise response

    def _login_form(self, request: web.Request, status: int = 200,
                    error: str | None = None) -> web.Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or pysecrets.token_urlsafe(24)
        request[VISIT].csrf = token
        response = self._page(request, "login.html", status=status, error=error)
        self._cookie(response, LOGIN_CSRF_COOKIE, token)
        return response

    async def login_page(self, request: web.Request) -> web.Response:
        if request[VISIT].account is not None:
            raise web.HTTPSeeOther("/")
        return self._login_form(request, error=None)

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        login = str(form.get("login", "")).strip().lower()[:64]
        now = self._clock()
        keys = [f"login:{login}", f"addr:{request.remote}"]
        minutes = int(self.config.login_window.total_seconds() // 60)
        if self.throttle.locked(keys, now):
            log.warning("console login throttled")
            return self._login_form(request, 429, self._t(request, "login-throttled",
                                                          minutes=minutes))
        async with self.store.unit_of_work() as uow:
            accounts = WebAccountRepository(uow.store)
            record = await accounts.get(login)
            ok = verify_password(record.password_hash if record else None,
                                 str(form.get("password", "")))
            step = (totp_step(record.totp_secret, str(form.get("code", "")), now)
                    if ok and record and record.totp_secret else None)
            ok = ok and step is not None and record is not None \
                and await accounts.use_totp_step(login, step)
            if ok and record is not None:
                if needs_rehash(record.password_hash or ""):
                    await accounts.set_password_hash(
                        login, hash_password(str(form.get("password", ""))))
                token = pysecrets.token_urlsafe(32)
                csrf = pysecrets.token_urlsafe(24)
                await WebSessionRepository(uow.store).create(
                    self._session_hash(token), login, csrf, now + self.config.session_lifetime)
                await WebSessionRepository(uow.store).purge(now)
                await uow.audit.record(Account.of(record).actor, "web_login", now)
            await uow.commit()
        if not ok:
            self.throttle.failed(keys, now)
            log.warning("console login failed")
            return self._login_form(request, 401, self._t(request, "login-failed"))
        self.throttle.succeeded(keys[0])
        response = web.HTTPSeeOther("/")
        self._cookie(response, SESSION_COOKIE, token,
                     max_age=int(self.config.session_lifetime.total_seconds()))
        response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        token = request.cookies.get(SESSION_COOKIE, "")
        async with self.store.unit_of_work() as uow:
            await WebSessionRepository(uow.store).delete(self._session_hash(token))
            await uow.commit()
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    async def _setup_account(self, token: str) -> Any:
        async with self.store.unit_of_work() as uow:
            return await WebAccountRepository(uow.store).by_setup(
                setup_hash(self.secrets, token), self._clock())

    def _setup_form(self, request: web.Request, record: Any, secret: str,
                    status: int = 200, error: str | None = None) -> web.Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or pysecrets.token_urlsafe(24)
        request[VISIT].csrf = token
        response = self._page(request, "setup.html", status=status, name=record.name,
                              login=record.login, secret=secret,
                              uri=totp_uri(secret, record.login), error=error,
                              min_password=MIN_PASSWORD)
        self._cookie(response, LOGIN_CSRF_COOKIE, token)
        return response

    async def setup_page(self, request: web.Request) -> web.Response:
        record = await self._setup_account(request.match_info["token"])
        if record is None:
            return self._page(request, "message.html", status=404,
                              message=self._t(request, "setup-invalid"))
        return self._setup_form(request, record, new_totp_secret())

    async def setup(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        record = await self._setup_account(token)
        if record is None:
            return self._page(request, "message.html", status=404,
                              message=self._t(request, "setup-invalid"))
        form = await request.post()
        secret = str(form.get("secret", ""))
        if len(secret) != 32 or not secret.isalnum():
            secret = new_totp_secret()
        password = str(form.get("password", ""))
        if len(password) < MIN_PASSWORD or password != str(form.get("password2", "")):
            return self._setup_form(request, record, secret, 400,
                                    self._t(request, "setup-mismatch"))
        step = totp_step(secret, str(form.get("code", "")), self._clock())
        if step is None:
            return self._setup_form(request, record, secret, 400,
                                    self._t(request, "setup-bad-code"))
        async with self.store.unit_of_work() as uow:
            accounts = WebAccountRepository(uow.store)
            if await accounts.by_setup(setup_hash(self.secrets, token), self._clock()) is None:
                return self._page(request, "message.html", status=404,
                                  message=self._t(request, "setup-invalid"))
            await accounts.complete_setup(record.login, hash_password(password), secret, step)
            await uow.audit.record(Account.of(record).actor, "web_setup", self._clock())
            await uow.commit()
        return self._page(request, "message.html", message=self._t(request, "setup-done"),
                          link_login=True)

    # -- the queue ---------------------------------------------------------------------------
    async def _holders(self, uow: SqliteUnitOfWork) -> dict[str, str]:
        names = {m["key"]: m["name"] for m in await uow.staff.all()}
        names.update(await WebAccountRepository(uow.store).names())
        return names

    def _where(self, case: dict[str, Any], lang: str) -> str:
        country = case.get("country")
        if country:
            return str(country)
        province = self.gazetteer.provinces.get(case["province"] or -1)
        return province.short if province else self.text.text(lang, "alert-no-province")

    @staticmethod
    def _local(moment: dt.datetime) -> str:
        return moment.astimezone(VIETNAM).strftime("%d/%m %H:%M")

    async def _queue_rows(self, request: web.Request) -> list[dict[str, Any]]:
        async with self.store.unit_of_work() as uow:
            cases = await uow.cases.open_cases()
            holders = await self._holders(uow)
        return [{"code": c["code"], "tier": c["tier"], "status": c["status"],
                 "where": self._where(c, request[VISIT].lang),
                 "holder": holders.get(c["claimed_by"] or "", ""),
                 "opened": self._local(c["created_at"])} for c in cases]

    async def queue_page(self, request: web.Request) -> web.Response:
        if not allowed(self._staff(request), Action.VIEW_QUEUE):
            return await self._refuse(request, Action.VIEW_QUEUE)
        return self._page(request, "queue.html", rows=await self._queue_rows(request))

    async def queue_fragment(self, request: web.Request) -> web.Response:
        if not allowed(self._staff(request), Action.VIEW_QUEUE):
            return await self._refuse(request, Action.VIEW_QUEUE)
        return self._page(request, "queue_rows.html", rows=await self._queue_rows(request))

    async def events(self, request: web.Request) -> web.StreamResponse:
        if not allowed(self._staff(request), Action.VIEW_QUEUE):
            return await self._refuse(request, Action.VIEW_QUEUE)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "X-Accel-Buffering": "no"})
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        await response.prepare(request)
        queue = self.broker.subscribe()
        try:
            await response.write(b": connected\n\n")
            while True:
                try:  # not wait_for: on Python 3.11 it can lose a cancellation (bot.alerts)
                    async with asyncio.timeout(KEEPALIVE_SECONDS):
                        event = await queue.get()
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                if event is None:
                    break
                await response.write(event.encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.broker.unsubscribe(queue)
        with contextlib.suppress(ConnectionResetError, RuntimeError):
            await response.write_eof()
        return response

    # -- a case ------------------------------------------------------------------------------
    async def case_page(self, request: web.Request) -> web.Response:
        account = self._staff(request)
        code = request.match_info["code"].upper()[:8]
        if not allowed(account, Action.VIEW_CASE):
            return await self._refuse(request, Action.VIEW_CASE, code)
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
            if case is None:
                return self._page(request, "message.html", status=404,
                                  message=self._t(request, "not-found"))
            holders = await self._holders(uow)
            private = allowed(account, Action.VIEW_PRIVATE, case)
            if private and case["claimed_by"]:
                await uow.audit.record(account.actor, "view", self._clock(), code)
            events = await WebCaseViews(uow.store).alert_events(code)
            audit = await uow.audit.entries(code)
            await uow.commit()
        timeline = [{"at": self._local(at), "what": self._t(request, f"event-{event}"),
                     "detail": self._t(request, "event-alert-sent" if sent
                                       else "event-alert-waiting")}
                    for event, at, sent in events]
        timeline += [{"at": self._local(dt.datetime.fromisoformat(e["at"])),
                      "what": e["action"], "detail": f"{e['actor']} {e['detail']}".strip()}
                     for e in audit]
        done = request.query.get("done", "")
        message = None
        if done in ("claim-ok", "closed-ok", "urgent-ok", "routine-ok", "reply-ok",
                    "reply-failed"):
            message = self._t(request, done, code=code)
        elif done == "claim-lost":
            message = self._t(request, done, code=code,
                              name=holders.get(case["claimed_by"] or "", "?"))
        details = case["details"] if private and case["claimed_by"] else None
        return self._page(
            request, "case.html", case=case, where=self._where(case, request[VISIT].lang),
            holder=holders.get(case["claimed_by"] or "", ""), details=details,
            contact=_contact_text(details), location=_location_text(details),
            code_word=((details or {}).get("contact") or {}).get("code_word") or "",
            worries=(details or {}).get("worries") or "",
            timeline=timeline, message=message, outcomes=list(Outcome),
            outcome_label=self._outcome_label(request, case["outcome"]),
            can_close=allowed(account, Action.CLOSE, case),
            can_routine=allowed(account, Action.ROUTINE, case),
            can_talk=self.desk is not None and case["status"] != "closed"
            and allowed(account, Action.HANDOFF, case),
            lines=await self._lines(case) if allowed(account, Action.HANDOFF, case) else [],
        )

    # -- talking with the person (the handoff) -----------------------------------------------
    async def _lines(self, case: dict[str, Any]) -> list[dict[str, str]]:
        async with self.store.unit_of_work() as uow:
            lines = await WebHandoffRepository(uow.store).lines(case["code"])
        return [{"at": self._local(line.at), "side": line.side, "text": line.text}
                for line in lines]

    async def conversation(self, request: web.Request) -> web.Response:
        account = self._staff(request)
        code = request.match_info["code"].upper()[:8]
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
        if case is None:
            raise web.HTTPNotFound()
        if not allowed(account, Action.HANDOFF, case):
            return await self._refuse(request, Action.HANDOFF, code)
        return self._page(request, "conversation.html", lines=await self._lines(case))

    async def reply(self, request: web.Request) -> web.StreamResponse:
        account = self._staff(request)
        code = request.match_info["code"].upper()[:8]
        form = await request.post()
        text = str(form.get("text", "")).strip()
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
            if case is None:
                raise web.HTTPNotFound()
            if self.desk is None or not allowed(account, Action.HANDOFF, case):
                await uow.audit.record(account.actor, "refused", self._clock(), code,
                                       Action.HANDOFF.value)
                await uow.commit()
                return self._page(request, "message.html", status=403,
                                  message=self._t(request, "refused"))
            if not text:
                raise web.HTTPSeeOther(f"/case/{code}")
            member = {"key": account.staff_key, "name": account.name,
                      "role": account.role.label, "user_id": 0}
            answer = await self.desk.console_message(uow, member, code, text)
            await uow.commit()
        done = "reply-ok" if answer == self.desk.t("staff-sent") else "reply-failed"
        raise web.HTTPSeeOther(f"/case/{code}?done={done}")

    def _outcome_label(self, request: web.Request, outcome: str | None) -> str:
        if outcome in {o.value for o in Outcome}:
            return self._t(request, f"outcome-{outcome}")
        return outcome or ""

    async def case_action(self, request: web.Request) -> web.StreamResponse:
        account = self._staff(request)
        code = request.match_info["code"].upper()[:8]
        try:
            action = Action(request.match_info["action"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if action not in (Action.CLAIM, Action.URGENT, Action.ROUTINE, Action.CLOSE):
            raise web.HTTPNotFound()
        form = await request.post()
        now = self._clock()
        async with self.store.unit_of_work() as uow:
            case = await uow.cases.get(code)
            if case is None:
                return self._page(request, "message.html", status=404,
                                  message=self._t(request, "not-found"))
            if not allowed(account, action, case):
                await uow.audit.record(account.actor, "refused", now, code, action.value)
                await uow.commit()
                log.warning("console action refused by role: %s", action.value)
                return self._page(request, "message.html", status=403,
                                  message=self._t(request, "refused"))
            done = await self._act(uow, account, action, case, form, now)
            await uow.commit()
        self.broker.publish(LiveEvent("queue", {"code": code}))
        raise web.HTTPSeeOther(f"/case/{code}?done={done}")

    async def _act(self, uow: SqliteUnitOfWork, account: Account, action: Action,
                   case: dict[str, Any], form: Any, now: dt.datetime) -> str:
        code = case["code"]
        if action is Action.CLAIM:
            # the store's claim: a conditional update, so of two claims at once one wins
            if not await uow.cases.claim(code, account.staff_key, now):
                return "claim-lost"
            await uow.audit.record(account.actor, "claim", now, code)
            return "claim-ok"
        if action is Action.URGENT:
            await uow.cases.raise_urgent(code, [*case["reasons"], "staff_judgement"], now)
            await uow.audit.record(account.actor, "urgent", now, code)
            return "urgent-ok"
        if action is Action.ROUTINE:
            await WebCaseViews(uow.store).set_routine(code, now)
            await uow.audit.record(account.actor, "routine", now, code)
            return "routine-ok"
        try:
            outcome = Outcome(str(form.get("outcome", "")))
        except ValueError:
            raise web.HTTPBadRequest(text="unknown outcome") from None
        if self.desk is not None:
            await self.desk.end_for_close(uow, case)
        await uow.cases.set_status(code, "closed", now, outcome=outcome.value, handoff=False)
        await uow.audit.record(account.actor, "close", now, code, outcome.value)
        return "closed-ok"

    # -- admin -------------------------------------------------------------------------------
    async def audit_page(self, request: web.Request) -> web.Response:
        if not allowed(self._staff(request), Action.AUDIT):
            return await self._refuse(request, Action.AUDIT)
        async with self.store.unit_of_work() as uow:
            entries = (await uow.audit.entries())[-300:]
        entries.reverse()
        for entry in entries:
            entry["at"] = self._local(dt.datetime.fromisoformat(entry["at"]))
        return self._page(request, "audit.html", entries=entries)


def _contact_text(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    contact = details.get("contact") or {}
    return ", ".join(str(v) for k, v in contact.items() if k != "code_word")


def _location_text(details: dict[str, Any] | None) -> str:
    location = (details or {}).get("location")
    return f"{location['lat']:.5f}, {location['lon']:.5f}" if location else ""


def web_config(settings: Settings) -> WebConfig:
    return WebConfig(
        secure_cookies=settings.web_secure_cookies,
        session_lifetime=dt.timedelta(hours=settings.web_session_hours),
        login_attempts=settings.web_login_attempts,
        login_window=dt.timedelta(minutes=settings.web_login_window_minutes),
        default_language=settings.default_language,
        message_retention=dt.timedelta(days=settings.retention_message_days),
        push_contact=push_contact(public_url(settings)),
    )


def public_url(settings: Settings) -> str:
    """The base of setup links: WEB_PUBLIC_URL, or the listener itself."""
    if settings.web_public_url:
        return settings.web_public_url
    host, port = (settings.web_listen or "127.0.0.1:8080").rsplit(":", 1)
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"


def desk_config(settings: Settings) -> DeskConfig:
    return DeskConfig(
        escalate_after=dt.timedelta(seconds=settings.escalate_after_seconds),
        escalate_repeat=dt.timedelta(seconds=settings.escalate_repeat_seconds),
        invite_lifetime=dt.timedelta(hours=settings.invite_hours),
    )
