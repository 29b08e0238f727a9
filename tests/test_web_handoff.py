"""Talking with the person from the console, on a Zalo-only deployment: the holder's words reach
the person on Zalo, the person's answers appear on the holder's case page (live), and closing the
case tells the person. Other staff see none of it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from pathlib import Path

from bot.runner import serve
from bot.web.accounts import Role, create_account, setup_link
from tests.conversation import open_store
from tests.fake_zalo import FakeZaloBot
from tests.test_web_staff_channels import _settings, _until
from tests.web_console import csrf_of, enrol, free_port, login, session

PERSON = "zalo-user-9"


async def test_handoff_both_ways_from_the_console(tmp_path: Path) -> None:
    fake = FakeZaloBot()
    api = await fake.start()
    port = free_port()
    store = await open_store(tmp_path / "binhan.db")
    now = dt.datetime.now(dt.UTC)
    async with store.unit_of_work() as uow:
        tokens = {name: await create_account(uow, store.secrets, name, name.title(), Role.STAFF,
                                             dt.timedelta(hours=1), now)
                  for name in ("lan", "minh")}
        await uow.commit()
    await store.close()
    stop = asyncio.Event()
    running = asyncio.create_task(serve(_settings(tmp_path, api, web_listen=f"127.0.0.1:{port}",
                                                  web_secure_cookies=False), stop))
    base = f"http://127.0.0.1:{port}"
    lan, minh = session(), session()
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                async with lan.get(f"{base}/healthz"):
                    break
            await asyncio.sleep(0.05)
        for http, name in ((lan, "lan"), (minh, "minh")):
            secret = await enrol(http, setup_link(base, tokens[name]), dt.datetime.now(dt.UTC))
            later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
            assert (await login(http, base, name, secret, later)).status == 303

        fake.push(fake.update(PERSON, "ck e dang danh e, cuu e"))

        async def case_code() -> str | None:
            async with lan.get(f"{base}/queue") as response:
                page = await response.text()
            found = page.split('data-code="')
            return found[1].split('"')[0] if len(found) > 1 else None

        await _until(lambda: _truthy(case_code()))
        code = await case_code()
        assert code
        async with lan.get(f"{base}/case/{code}") as response:
            page = await response.text()
        async with lan.post(f"{base}/case/{code}/claim", data={"csrf": csrf_of(page)}) as r:
            page = await r.text()
        assert 'id="send"' in page  # the holder may talk with the person
        async with lan.post(f"{base}/case/{code}/reply", data={
                "csrf": csrf_of(page), "text": "Chi la Lan o trung tam. Em co an toan ko?"}) as r:
            page = await r.text()
        assert "Đã gửi cho người đó." in page

        async def person_got_it() -> bool:
            return any("Em co an toan ko?" in text for text in fake.texts_to(PERSON))

        await _until(person_got_it)
        assert any(t.startswith("Nhân viên:") for t in fake.texts_to(PERSON))

        async with lan.get(f"{base}/events") as stream:
            await stream.content.readline()
            fake.push(fake.update(PERSON, "e dang o nha hang xom, ck chua ve"))
            event = None
            async with asyncio.timeout(10):
                async for raw in stream.content:
                    if raw.startswith(b"event: handoff"):
                        event = json.loads((await stream.content.readline())[6:])
                        break
        assert event == {"code": code}  # the live event names the case, not the words
        async with lan.get(f"{base}/case/{code}/conversation") as response:
            assert "e dang o nha hang xom" in await response.text()
        async with minh.get(f"{base}/case/{code}/conversation") as response:
            assert response.status == 403  # not the holder
        async with minh.get(f"{base}/case/{code}") as response:
            assert "nha hang xom" not in await response.text()

        async with lan.get(f"{base}/case/{code}") as response:
            page = await response.text()
        async with lan.post(f"{base}/case/{code}/close", data={
                "csrf": csrf_of(page), "outcome": "safe"}) as response:
            assert response.status == 200

        async def told_it_ended() -> bool:
            return any("kết thúc cuộc trò chuyện" in text for text in fake.texts_to(PERSON))

        await _until(told_it_ended)
    finally:
        await lan.close()
        await minh.close()
        stop.set()
        await running
        await fake.stop()
    store = await open_store(tmp_path / "binhan.db")
    async with store.unit_of_work() as uow:
        actions = [e["action"] for e in await uow.audit.entries(code)]
        await uow.commit()
    await store.close()
    for action in ("claim", "handoff_message", "refused", "close"):  # refused: minh's look
        assert action in actions, actions


async def _truthy(value) -> bool:  # type: ignore[no-untyped-def]
    return bool(await value)
