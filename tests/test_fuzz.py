"""Hostile input, fuzzed with hypothesis (bounded example counts, so CI stays fast): every way in
answers clearly or with a 4xx, never crashes, and never leaves anything half-written."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
from pathlib import Path

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.telegram_render import decode_option, encode_option
from bot.webhook import WebhookServer, telegram_route
from bot.zalo_bot import parse_update
from bot.zalo_oa import OAEvent, to_event
from handlers.flow import EXIT_WORDS
from knowledge.importer import COLUMNS, import_csv
from knowledge.text import fold
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZaloOA
from tests.telegram_harness import RunningBot

NASTY = ["", "\x00", "\u202e\u202dabc", "🙂" * 50, "a" * 100_000, "NaN", "1e309", "-0",
         "’; DROP TABLE cases; --", "\ufeff", "thoát", "/x", "1|danger", "1|claim:ZZZZ"]
text = st.one_of(st.text(max_size=200), st.sampled_from(NASTY))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), text)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=12)

UPDATE_KEYS = ["message", "edited_message", "callback_query", "channel_post", "my_chat_member"]
MESSAGE_KEYS = ["message_id", "date", "chat", "from", "text", "location", "photo", "sticker",
                "reply_to_message", "contact", "voice"]
telegram_like = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=-(2**40), max_value=2**40)},
    optional={key: st.one_of(json_values, st.fixed_dictionaries(
        {}, optional={k: json_values for k in MESSAGE_KEYS})) for key in UPDATE_KEYS},
)
FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(st.lists(st.one_of(telegram_like, json_values), min_size=10, max_size=10))
def test_telegram_webhook_bodies(bodies) -> None:
    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        try:
            with tempfile.TemporaryDirectory() as folder:
                async with RunningBot(fake, Path(folder) / "f.db", polling=False) as bot:
                    server = WebhookServer("127.0.0.1", 0)
                    server.add("/t", telegram_route(bot.channel, "s3cret-token"))
                    await server.start()
                    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
                    url = f"http://127.0.0.1:{server.port}/t"
                    try:
                        async with aiohttp.ClientSession() as http:
                            for body in bodies:
                                raw = json.dumps(body, allow_nan=True).encode()
                                async with http.post(url, data=raw, headers=headers) as r:
                                    assert r.status in (200, 400), (r.status, body)
                            async with http.post(url, data=b"\xff\xfe", headers=headers) as r:
                                assert r.status == 400
                    finally:
                        await server.stop()
                    async with bot.store.unit_of_work() as uow, uow.store.db.execute(
                            "PRAGMA integrity_check") as cursor:
                        assert (await cursor.fetchone())[0] == "ok"
        finally:
            await fake.stop()

    asyncio.run(scenario())


@settings(max_examples=200, deadline=None)
@given(st.one_of(text, st.binary(max_size=80).map(lambda b: b.decode("latin-1"))))
def test_callback_codes_never_raise(data: str) -> None:
    option = decode_option(data)
    assert option is None or (isinstance(option, str) and option)
    if option is not None and len(option.encode()) <= 60:
        assert decode_option(encode_option(option)) == option


@FUZZ
@given(st.lists(json_values, min_size=8, max_size=8), st.lists(text, min_size=3, max_size=3))
def test_zalo_oa_webhook_bodies(bodies, texts) -> None:
    from tests.conversation import Clock
    from tests.test_zalo import ZaloWorld

    async def scenario() -> None:
        with tempfile.TemporaryDirectory() as folder:
            async with ZaloWorld(Path(folder), Clock()) as z:
                async with aiohttp.ClientSession() as http:
                    for body in bodies:
                        event = {"app_id": "1", "timestamp": "2", "event_name": "user_send_text",
                                 "sender": {"id": "5"}, "message": body}
                        if isinstance(body, dict):
                            event = {**event, **body}
                        raw = json.dumps(event, allow_nan=True).encode()
                        try:
                            signature = FakeZaloOA.sign(raw, event)
                        except (KeyError, TypeError):
                            signature = "mac=0"
                        async with http.post(z.oa_fake.webhook_url, data=raw,
                                             headers={"X-ZEvent-Signature": signature}) as r:
                            assert r.status in (200, 400, 401)
                for t in texts:  # odd but well-formed messages: an answer, or a quiet exit
                    before = len(z.oa_fake.texts_to("77"))
                    await z.oa_fake.deliver(z.oa_fake.text_event("77", t))
                    await z.settle()
                    answered = len(z.oa_fake.texts_to("77")) > before
                    assert answered != (fold(t[:40]) in EXIT_WORDS), t

    asyncio.run(scenario())


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_zalo_parsers_never_raise(data) -> None:
    update = parse_update(data)
    assert update is None or update.message.chat.id is not None
    try:
        event = OAEvent.model_validate(data)
    except ValueError:
        return
    to_event(event)
    event.coordinates()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(text, min_size=0, max_size=len(COLUMNS) + 2), max_size=6),
       st.booleans())
def test_csv_import_never_crashes(rows, with_header) -> None:
    from knowledge.search import default_search

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if with_header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.csv"
        path.write_bytes(buffer.getvalue().encode("utf-8", "surrogatepass"))
        report = import_csv(path, default_search().resolver, set())
    assert len(report.accepted) + len(report.rejected) >= (1 if not with_header else 0)
    for _line, problems in report.rejected:
        assert problems and all(isinstance(p, str) and p for p in problems)


def test_csv_with_nul_bytes_or_another_encoding_is_refused(tmp_path: Path, resolver) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,name_vi\x00,kind,source\nx,y,shelter,s\n")
    report = import_csv(path, resolver, set())
    assert report.accepted == [] and "missing column(s): name_vi" in report.rejected[0][1][0]
    path.write_bytes("id,name_vi,kind,source\nx,Nhà,shelter,s\n".encode("utf-16"))
    report = import_csv(path, resolver, set())
    assert report.accepted == [] and "cannot be read" in report.rejected[0][1][0]


COMMANDS = st.sampled_from([["where"], ["triage"], ["nearest"], ["kb", "validate"], ["kb"],
                            ["forget"], ["staff", "remove"], ["nope"], []])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMMANDS, st.lists(st.one_of(text, st.sampled_from(
    ["--lat", "--lon", "nan", "inf", "--limit", "-5", "99999999999", "--place", "--need", "-"])),
    max_size=5))
def test_cli_arguments(command, args) -> None:
    import contextlib
    import os

    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        cwd = os.getcwd()
        os.chdir(folder)
        stdin, os.sys.stdin = os.sys.stdin, io.StringIO("ha noi\n")
        try:
            code = main([*command, *[a.replace("\x00", "") for a in args]])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
        finally:
            os.sys.stdin = stdin
            os.chdir(cwd)
    assert code in (0, 1, 2)
