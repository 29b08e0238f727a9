"""The console speaks Vietnamese and English: every key in both, every page in both."""

from __future__ import annotations

from pathlib import Path

from bot.web.i18n import web_text
from tests.test_web_security import start
from tests.web_console import session


def test_both_languages_have_every_key() -> None:
    text = web_text()
    assert text.keys("vi") == text.keys("en")
    args = {"code": "AB12", "name": "Lan", "minutes": 15, "min": 10, "hours": 72,
            "weeks": 12, "total": 40, "fields": "phones", "days": 200, "who": "Lan"}
    for key in text.keys("vi"):
        assert text.text("vi", key, **args)
        assert text.text("en", key, **args)


async def test_the_language_link_switches_the_pages(tmp_path: Path) -> None:
    desk = await start(tmp_path)
    try:
        async with session() as http:
            async with http.get(f"{desk.base}/login") as response:
                page = await response.text()
            assert "Đăng nhập nhân viên" in page and 'lang="vi"' in page
            async with http.get(f"{desk.base}/lang/en?next=/login") as response:
                page = await response.text()
            assert "Staff login" in page and 'lang="en"' in page
            async with http.get(f"{desk.base}/lang/en?next=//evil.example") as response:
                assert str(response.url).startswith(desk.base)  # no open redirect
    finally:
        await desk.console.stop()
        await desk.store.close()
