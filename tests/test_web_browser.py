"""The console in a real browser: Debian's headless Chromium driven by Playwright (the PyPI
package's own driver, with the system browser: no browser download). Two staff members set up
their accounts from one-time links and log in with TOTP, see an alert arrive without a reload,
claim the same case at the same moment (one wins), and close it.

Chromium comes from Debian (``apt-get install chromium``); ``.ci/run`` installs it when missing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.alerts import AlertDispatcher
from bot.web.accounts import Role, create_account, setup_link
from bot.web.app import WebConfig, WebConsole
from handlers.catalogue import default_catalogue
from tests.conversation import Chat, Clock, make_engine, open_store
from tests.web_console import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see README)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


async def set_up_and_log_in(page: Page, link: str, login: str, clock: Clock) -> None:
    """What a new staff member does with the link an admin sent them."""
    await page.goto(link)
    secret = (await page.text_content("#totp-secret") or "").strip()
    await page.fill("input[name=password]", PASSWORD)
    await page.fill("input[name=password2]", PASSWORD)
    await page.fill("input[name=code]", pyotp.TOTP(secret).at(clock.now))
    await page.click("button[type=submit]")
    await expect(page.locator("p.message")).to_contain_text("Tài khoản đã sẵn sàng")
    await page.click("a.button")  # to the login page
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", PASSWORD)
    await page.fill("input[name=code]", pyotp.TOTP(secret).at(clock.now + dt.timedelta(seconds=30)))
    await page.click("button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Ca đang mở")


async def test_two_staff_alert_claim_race_and_close(tmp_path: Path, browser: Browser) -> None:
    store = await open_store(tmp_path / "web.db")
    clock = Clock()
    clock.now = dt.datetime.now(dt.UTC)
    console = WebConsole(store, store.secrets, make_engine(store, clock).search.gazetteer,
                         WebConfig(secure_cookies=False), clock=clock)
    await console.start("127.0.0.1", 0)
    base = f"http://127.0.0.1:{console.port}"
    links = {}
    async with store.unit_of_work() as uow:
        for login, name in (("lan", "Lan"), ("minh", "Minh")):
            links[login] = setup_link(base, await create_account(
                uow, store.secrets, login, name, Role.STAFF, dt.timedelta(hours=1), clock.now))
        await uow.commit()
    lan_ctx = await browser.new_context(**PHONE)
    minh_ctx = await browser.new_context(**PHONE)
    lan, minh = await lan_ctx.new_page(), await minh_ctx.new_page()
    try:
        await set_up_and_log_in(lan, links["lan"], "lan", clock)
        await set_up_and_log_in(minh, links["minh"], "minh", clock)
        await expect(lan.locator(".empty")).to_be_visible()
        await expect(lan.locator("#live")).to_have_text("Trực tiếp: ca mới tự hiện ở đây.")
        await lan.evaluate("window.__notReloaded = true")

        # a person writes on a phone; the dispatcher hands the alert to the console
        person = Chat(make_engine(store, clock), key="zalo_bot:person-7", channel="zalo_bot")
        await person.send("ck e say ruou cam dao doa giet e, e dang o ha noi")
        dispatcher = AlertDispatcher(store, console.notifier, default_catalogue(),
                                     console.gazetteer, clock)
        assert await dispatcher.deliver_due() == 1
        async with store.unit_of_work() as uow:
            [case] = await uow.cases.open_cases()
        code = case["code"]
        banner = lan.locator(f"#alerts li[data-code='{code}']")
        await expect(banner).to_contain_text("KHẨN CẤP")
        row = lan.locator(f"tr[data-code='{code}']")
        await expect(row).to_be_visible()
        await expect(row).to_contain_text("KHẨN CẤP")
        assert await lan.evaluate("window.__notReloaded") is True  # it came live
        await expect(minh.locator(f"tr[data-code='{code}']")).to_be_visible()
        await lan.screenshot(path=str(tmp_path / "queue-phone.png"))

        # both open the case and press Claim at the same moment: one wins
        await lan.click(f"tr[data-code='{code}'] a")
        await minh.goto(f"{base}/case/{code}")
        await expect(lan.locator("#claim")).to_be_visible()
        await expect(minh.locator("#claim")).to_be_visible()
        await asyncio.gather(lan.click("#claim"), minh.click("#claim"))
        messages = [await page.locator("#message").text_content() for page in (lan, minh)]
        won = [m for m in messages if m and "Bạn đã nhận ca" in m]
        lost = [m for m in messages if m and "đã được" in m]
        assert len(won) == 1 and len(lost) == 1, messages
        winner = lan if "Bạn đã nhận ca" in (messages[0] or "") else minh
        loser = minh if winner is lan else lan
        holder = "Lan" if winner is lan else "Minh"
        assert holder in (lost[0] or "")
        await expect(loser.locator("#holder")).to_have_text(holder)
        async with store.unit_of_work() as uow:
            claims = [e for e in await uow.audit.entries(code) if e["action"] == "claim"]
        assert [e["actor"] for e in claims] == [f"{holder} (staff)"]
        await expect(loser.locator("#close")).to_have_count(0)  # not theirs to close

        # the holder closes it with an outcome; it leaves the other's queue without a reload
        await loser.goto(base + "/")
        await expect(loser.locator(f"tr[data-code='{code}']")).to_be_visible()
        await winner.select_option("select[name=outcome]", "referred")
        await winner.click("#close")
        await expect(winner.locator("#message")).to_contain_text(f"Ca {code} đã đóng")
        await expect(winner.locator("#status")).to_have_text("đã đóng")
        await expect(loser.locator(f"tr[data-code='{code}']")).to_have_count(0)
        await expect(loser.locator(".empty")).to_be_visible()
    finally:
        await lan_ctx.close()
        await minh_ctx.close()
        await console.stop()
        await store.close()
