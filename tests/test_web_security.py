"""The console's security rules over real HTTP on loopback: headers, cookies, CSRF, TOTP,
throttling, one-time setup links, roles (with every refusal in the audit log), and nothing
personal in URLs or logs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.logs import NOISY
from bot.storage import Store
from bot.web.accounts import Role, create_account, setup_link
from bot.web.app import WebConfig, WebConsole
from handlers.ports import CaseDraft
from knowledge.gazetteer import default_gazetteer
from tests.conversation import Clock, open_store
from tests.web_console import PASSWORD, code_at, csrf_of, enrol, login, secret_of, session

PHONE = "0912 345 678"


@dataclass
class Desk:
    store: Store
    console: WebConsole
    clock: Clock
    base: str

    async def account(self, name: str, role: Role) -> str:
        """A set-up account; its TOTP secret."""
        async with self.store.unit_of_work() as uow:
            token = await create_account(uow, self.store.secrets, name, name.title(), role,
                                         dt.timedelta(hours=24), self.clock.now)
            await uow.commit()
        async with session() as http:
            return await enrol(http, setup_link(self.base, token), self.clock.now)

    async def case(self, tier: str = "urgent") -> str:
        async with self.store.unit_of_work() as uow:
            code = await uow.cases.open(CaseDraft(
                tier, "zalo_bot", "zb:hash-1", province=1, reasons=["weapon"],
                needs=["shelter"], consent=True,
                details={"contact": {"phone": PHONE, "code_word": "hoa sen"},
                         "worries": "ck hay kiem tra dt"}), self.clock.now)
            await uow.commit()
        return code

    async def audit(self) -> list[dict]:
        async with self.store.unit_of_work() as uow:
            return await uow.audit.entries()


def real_clock() -> Clock:
    clock = Clock()
    clock.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return clock


async def start(tmp_path: Path, **config: object) -> Desk:
    store = await open_store(tmp_path / "web.db")
    clock = real_clock()
    console = WebConsole(store, store.secrets, default_gazetteer(),
                         WebConfig(**{"secure_cookies": False, **config}), clock=clock)
    await console.start("127.0.0.1", 0)
    return Desk(store, console, clock, f"http://127.0.0.1:{console.port}")


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    desk = await start(tmp_path)
    yield desk
    await desk.console.stop()
    await desk.store.close()


async def logged_in(desk: Desk, name: str, role: Role):  # type: ignore[no-untyped-def]
    secret = await desk.account(name, role)
    desk.clock.advance(seconds=30)  # the next code: a code is accepted once only
    http = session()
    response = await login(http, desk.base, name, secret, desk.clock.now)
    assert response.status == 303 and response.headers["Location"] == "/"
    return http


async def test_every_answer_carries_the_security_headers(desk: Desk) -> None:
    async with session() as http:
        for path in ("/login", "/healthz", "/static/console.js", "/setup/not-a-token", "/"):
            async with http.get(desk.base + path, allow_redirects=False) as response:
                csp = response.headers["Content-Security-Policy"]
                assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
                assert "unsafe-inline" not in csp
                assert response.headers["X-Frame-Options"] == "DENY"
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Referrer-Policy"] == "no-referrer"
        async with http.get(desk.base + "/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"


async def test_session_cookie_is_secure_httponly_and_strict(tmp_path: Path) -> None:
    """With Secure cookies (the default) a plain-HTTP client does not send them back, so this
    test hands the form cookie back itself, as a browser would over HTTPS."""
    desk = await start(tmp_path, secure_cookies=True)
    try:
        async with desk.store.unit_of_work() as uow:
            token = await create_account(uow, desk.store.secrets, "lan", "Lan", Role.STAFF,
                                         dt.timedelta(hours=1), desk.clock.now)
            await uow.commit()
        link = setup_link(desk.base, token)
        async with session() as http:
            async with http.get(link) as response:
                page = await response.text()
                form_cookie = response.cookies["binhan_login_csrf"]
            assert form_cookie["secure"] and form_cookie["httponly"]
            jar = {"Cookie": f"binhan_login_csrf={form_cookie.value}"}
            secret = secret_of(page)
            async with http.post(link, headers=jar, data={
                    "csrf": csrf_of(page), "secret": secret, "password": PASSWORD,
                    "password2": PASSWORD, "code": code_at(secret, desk.clock.now)}) as response:
                assert response.status == 200
            desk.clock.advance(seconds=30)
            async with http.post(f"{desk.base}/login", headers=jar, allow_redirects=False,
                                 data={"csrf": form_cookie.value, "login": "lan",
                                       "password": PASSWORD,
                                       "code": code_at(secret, desk.clock.now)}) as response:
                assert response.status == 303
                cookie = response.cookies["binhan_session"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
    finally:
        await desk.console.stop()
        await desk.store.close()


async def test_pages_need_a_login(desk: Desk) -> None:
    code = await desk.case()
    async with session() as http:
        for path in ("/", f"/case/{code}", "/audit"):
            async with http.get(desk.base + path, allow_redirects=False) as response:
                assert response.status == 303 and response.headers["Location"] == "/login"
        async with http.get(desk.base + "/queue") as response:
            assert response.status == 401
        async with http.post(f"{desk.base}/case/{code}/claim", data={"csrf": "x"}) as response:
            assert response.status == 401


async def test_a_form_without_its_csrf_token_is_refused(desk: Desk) -> None:
    code = await desk.case()
    http = await logged_in(desk, "lan", Role.STAFF)
    async with http:
        for form in ({}, {"csrf": "guessed-token"}):
            async with http.post(f"{desk.base}/case/{code}/claim", data=form,
                                 allow_redirects=False) as response:
                assert response.status == 403
        async with http.get(f"{desk.base}/case/{code}") as response:
            page = await response.text()
        assert 'id="claim"' in page  # still unclaimed
        async with http.post(f"{desk.base}/case/{code}/claim", data={"csrf": csrf_of(page)},
                             allow_redirects=False) as response:
            assert response.status == 303
    assert [e["detail"] for e in await desk.audit() if e["action"] == "refused"] == \
        ["csrf", "csrf"]
    # the login form has its own token too
    async with session() as http, http.post(f"{desk.base}/login", data={
            "login": "lan", "password": PASSWORD, "code": "000000"}) as response:
        assert response.status == 403


async def test_wrong_or_replayed_totp_is_refused(desk: Desk) -> None:
    secret = await desk.account("lan", Role.STAFF)
    desk.clock.advance(seconds=30)
    async with session() as http:
        wrong = "123456" if code_at(secret, desk.clock.now) != "123456" else "654321"
        async with http.get(f"{desk.base}/login") as response:
            token = csrf_of(await response.text())
        async with http.post(f"{desk.base}/login", allow_redirects=False, data={
                "csrf": token, "login": "lan", "password": PASSWORD, "code": wrong}) as response:
            assert response.status == 401
            assert "binhan_session" not in response.cookies
        assert (await login(http, desk.base, "lan", secret, desk.clock.now)).status == 303
    async with session() as other:  # the same code again, from elsewhere: refused
        response = await login(other, desk.base, "lan", secret, desk.clock.now)
        assert response.status == 401
    async with session() as http:  # a right code with the wrong password: refused
        desk.clock.advance(seconds=30)
        response = await login(http, desk.base, "lan", secret, desk.clock.now,
                               password="not-the-password")
        assert response.status == 401


async def test_logins_are_throttled_after_repeated_failures(desk: Desk) -> None:
    secret = await desk.account("lan", Role.STAFF)
    async with session() as http:
        for attempt in range(5):
            desk.clock.advance(seconds=30)
            response = await login(http, desk.base, "lan", secret, desk.clock.now,
                                   password=f"guess-number-{attempt}")
            assert response.status == 401
        desk.clock.advance(seconds=30)
        response = await login(http, desk.base, "lan", secret, desk.clock.now)
        assert response.status == 429  # even the right password and code wait now
        desk.clock.advance(minutes=16)
        response = await login(http, desk.base, "lan", secret, desk.clock.now)
        assert response.status == 303


async def test_a_setup_link_works_once(desk: Desk) -> None:
    async with desk.store.unit_of_work() as uow:
        token = await create_account(uow, desk.store.secrets, "minh", "Minh", Role.STAFF,
                                     dt.timedelta(hours=1), desk.clock.now)
        old = await create_account(uow, desk.store.secrets, "hoa", "Hoa", Role.STAFF,
                                   dt.timedelta(hours=1), desk.clock.now - dt.timedelta(hours=2))
        await uow.commit()
    link = setup_link(desk.base, token)
    async with session() as http:
        await enrol(http, link, desk.clock.now)
        async with http.get(link) as response:
            assert response.status == 404
        async with http.get(setup_link(desk.base, old)) as response:
            assert response.status == 404  # expired


async def test_roles_are_enforced_and_every_refusal_audited(desk: Desk) -> None:
    code = await desk.case()
    staff = await logged_in(desk, "lan", Role.STAFF)
    other = await logged_in(desk, "minh", Role.STAFF)
    supervisor = await logged_in(desk, "thu", Role.SUPERVISOR)
    async with staff, other, supervisor:
        async with staff.get(f"{desk.base}/audit") as response:
            assert response.status == 403
        async with other.get(f"{desk.base}/case/{code}") as response:
            page = await response.text()
        async with other.post(f"{desk.base}/case/{code}/claim", data={"csrf": csrf_of(page)},
                              allow_redirects=False) as response:
            assert response.status == 303
        async with staff.get(f"{desk.base}/case/{code}") as response:
            page = await response.text()
        assert PHONE not in page  # not the holder: no private details
        token = csrf_of(page)
        async with staff.post(f"{desk.base}/case/{code}/close", allow_redirects=False,
                              data={"csrf": token, "outcome": "safe"}) as response:
            assert response.status == 403  # only the holder or a supervisor closes
        async with staff.post(f"{desk.base}/case/{code}/routine", allow_redirects=False,
                              data={"csrf": token}) as response:
            assert response.status == 403  # lowering a case is a supervisor's call
        async with supervisor.get(f"{desk.base}/case/{code}") as response:
            page = await response.text()
        assert PHONE in page
        async with supervisor.post(f"{desk.base}/case/{code}/close", allow_redirects=False,
                                   data={"csrf": csrf_of(page), "outcome": "referred"}) as r:
            assert r.status == 303
    refusals = [(e["actor"], e["detail"], e["case"]) for e in await desk.audit()
                if e["action"] == "refused"]
    assert refusals == [("Lan (staff)", "audit", None), ("Lan (staff)", "close", code),
                        ("Lan (staff)", "routine", code)]
    async with desk.store.unit_of_work() as uow:
        case = await uow.cases.get(code)
    assert case is not None and case["status"] == "closed" and case["outcome"] == "referred"


async def test_nothing_personal_in_urls_or_logs(desk: Desk,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code = await desk.case()
    http = await logged_in(desk, "lan", Role.STAFF)
    async with http:
        async with http.get(f"{desk.base}/case/{code}") as response:
            page = await response.text()
        async with http.post(f"{desk.base}/case/{code}/claim", data={"csrf": csrf_of(page)}
                             ) as response:
            page = await response.text()
            final_url = str(response.url)
        assert PHONE in page and "hoa sen" in page  # the holder sees how to reach the person
        assert "claim-ok" in final_url and PHONE.replace(" ", "") not in final_url
    # every logger that production keeps at DEBUG (bot.logs holds the noisy libraries at WARNING)
    logged = "\n".join(r.getMessage() for r in caplog.records
                       if not r.name.startswith(NOISY) or r.levelno >= logging.WARNING)
    for private in (PHONE, "hoa sen", "kiem tra", "lan", PASSWORD):
        assert private not in logged


async def test_logout_ends_the_session_on_the_server(desk: Desk) -> None:
    http = await logged_in(desk, "lan", Role.STAFF)
    async with http:
        async with http.get(f"{desk.base}/") as response:
            page = await response.text()
        token = next(c.value for c in http.cookie_jar if c.key == "binhan_session")
        async with http.post(f"{desk.base}/logout", data={"csrf": csrf_of(page)},
                             allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/login"
    replay = {"Cookie": f"binhan_session={token}"}  # the old cookie: no longer a session
    async with session() as stolen, stolen.get(f"{desk.base}/", allow_redirects=False,
                                               headers=replay) as response:
        assert response.status == 303 and response.headers["Location"] == "/login"
