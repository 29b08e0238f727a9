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
from playwright.async_api import Error as PlaywrightError

from bot.alerts import AlertDispatcher
from bot.config import Settings
from bot.runner import serve
from bot.web.accounts import Role, create_account, setup_link
from bot.web.app import WebConfig, WebConsole
from handlers.catalogue import default_catalogue
from handlers.ports import CaseDraft
from knowledge.models import Hotline
from tests.conversation import SECRET, Chat, Clock, make_engine, open_store
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.telegram_harness import until
from tests.web_console import PASSWORD, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PERSON_CHAT = 515151
GROUP = -100777
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
        for page in (lan, minh):
            await expect(page.locator("html[data-live=on]")).to_have_count(1)  # stream open
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


async def test_handoff_with_a_person_on_telegram(tmp_path: Path, browser: Browser) -> None:
    """A deployment with Telegram and the console: a console-only staff member talks with a
    person on the Telegram fake, both ways, and the person's answer appears without a reload."""
    fake = FakeTelegram()
    await fake.start()
    fake.chat(GROUP, "supergroup")
    port = free_port()
    store = await open_store(tmp_path / "binhan.db")
    now = dt.datetime.now(dt.UTC)
    async with store.unit_of_work() as uow:
        token = await create_account(uow, store.secrets, "hoa", "Hoa", Role.STAFF,
                                     dt.timedelta(hours=1), now)
        await uow.commit()
    await store.close()
    settings = Settings(_env_file=None, database_path=tmp_path / "binhan.db",  # type: ignore[call-arg]
                        secret_key=SECRET, telegram_bot_token=TOKEN, telegram_api_url=fake.url,
                        staff_chat_id=GROUP, telegram_per_chat_interval=0,
                        web_listen=f"127.0.0.1:{port}", web_secure_cookies=False)
    stop = asyncio.Event()
    running = asyncio.create_task(serve(settings, stop))
    base = f"http://127.0.0.1:{port}"
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    try:
        clock = Clock()
        clock.now = dt.datetime.now(dt.UTC)
        for _ in range(100):
            try:
                await page.goto(f"{base}/healthz")
                break
            except PlaywrightError:
                await asyncio.sleep(0.1)
        await set_up_and_log_in(page, setup_link(base, token), "hoa", clock)

        await fake.user_sends(PERSON_CHAT, text="ck e cam dao doa giet e, cuu e voi")
        row = page.locator("table.queue tbody tr").first
        await expect(row).to_contain_text("KHẨN CẤP", timeout=20_000)
        # the same alert went to the Telegram staff group too: every staff channel gets it
        await until(lambda: any("KHẨN CẤP" in (m.get("text") or "")
                                for m in fake.bot_messages(GROUP)))
        await row.locator("a").click()
        await page.click("#claim")
        await expect(page.locator("#message")).to_contain_text("Bạn đã nhận ca")
        await page.fill("textarea[name=text]", "Chi la Hoa o trung tam. Em dang o dau?")
        await page.click("#send")
        await expect(page.locator("#message")).to_have_text("Đã gửi cho người đó.")
        await until(lambda: any("Em dang o dau?" in (m.get("text") or "")
                                for m in fake.bot_messages(PERSON_CHAT)))
        await expect(page.locator("html[data-live=on]")).to_have_count(1)  # stream open
        await page.evaluate("window.__notReloaded = true")
        await fake.user_sends(PERSON_CHAT, text="e o nha me de, ck ko biet")
        await expect(page.locator("#conversation")).to_contain_text("e o nha me de",
                                                                    timeout=20_000)
        assert await page.evaluate("window.__notReloaded") is True
        await page.screenshot(path=str(tmp_path / "handoff-phone.png"), full_page=True)
        await page.select_option("select[name=outcome]", "safe")
        await page.click("#close")
        await expect(page.locator("#status")).to_have_text("đã đóng")
        await until(lambda: any("kết thúc" in (m.get("text") or "")
                                for m in fake.bot_messages(PERSON_CHAT)))
    finally:
        await context.close()
        stop.set()
        await running
        await fake.stop()


async def console_with(tmp_path: Path, login: str, name: str, role: Role,
                       ) -> tuple[WebConsole, str, Clock]:
    """A console on loopback with one account; its setup link."""
    store = await open_store(tmp_path / "web.db")
    clock = Clock()
    clock.now = dt.datetime.now(dt.UTC)
    console = WebConsole(store, store.secrets, make_engine(store, clock).search.gazetteer,
                         WebConfig(secure_cookies=False), clock=clock)
    await console.start("127.0.0.1", 0)
    base = f"http://127.0.0.1:{console.port}"
    async with store.unit_of_work() as uow:
        token = await create_account(uow, store.secrets, login, name, role,
                                     dt.timedelta(hours=1), clock.now)
        await uow.commit()
    return console, setup_link(base, token), clock


async def test_a_directory_edit_refused_by_validation(tmp_path: Path, browser: Browser) -> None:
    """A supervisor on a phone corrects a hotline: a number that is not one is refused with
    the checks' own words and nothing changes; the same change with its source is saved."""
    console, link, clock = await console_with(tmp_path, "hoa", "Hoa", Role.SUPERVISOR)
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    try:
        await set_up_and_log_in(page, link, "hoa", clock)
        await page.click("header a[href='/directory']")
        await page.fill("input[name=q]", "tre em")
        await page.click("form.search button")
        await page.click("tr[data-entry='child-111'] a")
        await expect(page.locator("input[name=number]")).to_have_value("111")
        await page.fill("input[name=number]", "goi so 111 nha")
        await page.click("#save")
        problems = page.locator("#problems")
        await expect(problems).to_contain_text("Chưa lưu")
        await expect(problems).to_contain_text("is not a phone number")
        await expect(page.locator("input[name=number]")).to_have_value("goi so 111 nha")
        # a new number with the old source would invent a fact: refused too
        await page.fill("input[name=number]", "1800 1567")
        await page.click("#save")
        await expect(problems).to_contain_text("Đã đổi mà không có nguồn: Số")
        await page.screenshot(path=str(tmp_path / "directory-refused-phone.png"), full_page=True)
        desk = console.organisation.directory
        assert desk is not None
        entry = desk.entry("child-111")
        assert entry is not None and isinstance(entry, Hotline) and entry.number == "111"
        # hours checked by a call, with that source: saved
        await page.fill("input[name=number]", "111")
        await page.fill("input[name=hours]", "24/7")
        await page.fill("input[name=source]", "Gọi kiểm tra tổng đài 111 ngày 20/11/2026")
        await page.fill("input[name=source_date]", "2026-11-20")
        await page.click("#save")
        await expect(page.locator("#message")).to_contain_text("Đã lưu")
        entry = desk.entry("child-111")
        assert entry is not None and entry.hours == "24/7"
    finally:
        await context.close()
        await console.stop()
        await console.store.close()


async def test_statistics_page_and_csv_download(tmp_path: Path, browser: Browser) -> None:
    """A supervisor reads the statistics on a phone and downloads the CSV of aggregates; the
    queue page registers the Web Push service worker."""
    console, link, clock = await console_with(tmp_path, "hoa", "Hoa", Role.SUPERVISOR)
    store = console.store
    async with store.unit_of_work() as uow:
        for n in range(7):
            code = await uow.cases.open(CaseDraft(
                "urgent", "zalo_bot", f"zb:person-{n}", province=1, needs=["shelter"],
                details={"contact": {"phone": "0912 345 678"}}),
                clock.now - dt.timedelta(hours=n))
            await uow.cases.claim(code, "staff:x",
                                  clock.now - dt.timedelta(hours=n, minutes=-3))
        await uow.cases.open(CaseDraft("routine", "telegram", "tg:person-x", province=79),
                             clock.now)
        await uow.commit()
        codes = [c["code"] for c in await uow.cases.open_cases()]
    context = await browser.new_context(accept_downloads=True, **PHONE)
    page = await context.new_page()
    try:
        await set_up_and_log_in(page, link, "hoa", clock)
        await expect(page.locator("html[data-service-worker=registered]")).to_have_count(1)
        await expect(page.locator("#push-subscribe")).to_be_visible()
        await page.click("header a[href='/stats']")
        await expect(page.locator("h1")).to_have_text("Thống kê")
        await expect(page.locator("svg.chart").first).to_be_visible()
        tiers = page.locator("table.stats[data-dimension=tier]")
        await expect(tiers).to_contain_text("urgent")
        await expect(tiers).to_contain_text("<5")  # the one routine case is not shown as 1
        await expect(page.locator("tr[data-timing=claim]")).to_contain_text("3.0")
        await page.screenshot(path=str(tmp_path / "stats-phone.png"), full_page=True)
        async with page.expect_download() as waiting:
            await page.click("#csv")
        download = await waiting.value
        path = tmp_path / "stats.csv"
        await download.save_as(path)
        body = path.read_text(encoding="utf-8-sig")
        assert body.splitlines()[0] == "table,group,week,cases,note"
        assert "tier,urgent," in body and "suppressed: fewer than 5 cases" in body
        assert not any(code in body for code in codes) and "0912" not in body
    finally:
        await context.close()
        await console.stop()
        await store.close()
