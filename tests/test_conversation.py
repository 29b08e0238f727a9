"""Scripted conversations through the engine, on a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage import Outbox
from handlers.events import Choice, Command, DeleteHistory, Location, Media, Text
from tests.conversation import Chat, Clock, make_engine, open_store

# A contract test of the store: runs on SQLite and on PostgreSQL (tests/pg.py).
pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
async def store(tmp_path: Path):
    store = await open_store(tmp_path / "binhan.db")
    yield store
    await store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def chat(store, clock) -> Chat:
    return Chat(make_engine(store, clock))


async def to_needs(chat: Chat) -> None:
    """The common start: greeted, safe and needing support, an adult; now at "what do you need?"."""
    await chat.send("hi")
    await chat.tap("support")
    await chat.tap("adult")


async def pending_alerts(store, clock) -> list[dict]:
    return [payload for _, payload, _ in await Outbox(store).due(clock.now)]


async def test_first_message_asks_about_safety_with_quick_exit(chat: Chat) -> None:
    await chat.send("xin chào")
    assert "nguy hiểm" in chat.text()
    assert chat.options() == ["danger", "support", "other", "unsafe", "lang", "exit"]


async def test_support_path_to_results_and_contact_request(chat: Chat, store, clock) -> None:
    await to_needs(chat)
    await chat.tap("need:shelter")
    assert any(m.ask_location for m in chat.messages())
    await chat.send("em o ha noi")
    text = chat.text()
    assert "Ngôi nhà Bình yên" in text
    assert "113" in text and "1900 969 680" in text
    # the first answer is short; "more" shows each place in full and every national number
    assert chat.options()[:5] == ["more", "talk", "screen", "another", "done"]
    await chat.tap("more")
    assert "bí mật" in chat.text()  # confidential shelter: intake phone only
    assert "Các số điện thoại quốc gia" in chat.text()
    assert chat.options()[:4] == ["talk", "screen", "another", "done"]
    await chat.tap("talk")  # asking for staff opens the case and alerts at once
    assert len(await pending_alerts(store, clock)) == 1
    assert "không có nhân viên trực" in chat.text()  # truthful: nobody on call
    await chat.tap("way:call")
    await chat.send("0912 345 678")
    await chat.tap("time:evening")
    await chat.send("hoa sen")
    assert "Mã trường hợp" in chat.text()
    alerts = await pending_alerts(store, clock)
    assert len(alerts) == 1
    assert alerts[0]["tier"] == "routine" and alerts[0]["province"] == 1
    case = await store.unit_of_work().cases.get(alerts[0]["code"])
    assert case["details"]["contact"] == {"way": "call", "phone": "0912345678",
                                          "time": "evening", "code_word": "hoa sen"}
    assert "shelter" in case["needs"]


async def test_danger_gives_numbers_first_then_opens_urgent_case(chat, store, clock) -> None:
    await chat.send("hi")
    await chat.tap("danger")
    first = chat.messages()[0].text
    assert first.index("113") < first.index("115")
    assert "111" in first
    alerts = await pending_alerts(store, clock)
    assert [a["tier"] for a in alerts] == ["urgent"]
    assert any(m.ask_location for m in chat.messages())
    await chat.send(Location(21.03, 105.85))
    assert "Ngôi nhà Bình yên" in chat.text()  # help nearby at once, then the consent question
    assert chat.options()[:2] == ["yes", "no"]
    await chat.tap("yes")
    case = await store.unit_of_work().cases.get(alerts[0]["code"])
    assert case["details"]["location"] == {"lat": 21.03, "lon": 105.85}
    assert case["province"] == 1


async def test_danger_words_in_the_place_question_are_an_emergency(chat, store, clock) -> None:
    await to_needs(chat)
    await chat.tap("need:legal")
    await chat.send("nó đang đánh tôi")
    assert chat.messages()[0].text.startswith("Nếu bạn đang gặp nguy hiểm")
    alerts = await pending_alerts(store, clock)
    assert alerts and alerts[0]["tier"] == "urgent"
    assert "violence_now" in alerts[0]["reasons"]
    assert all("đánh" not in str(a) for a in alerts)  # never the person's words


async def test_urgent_text_with_place_goes_straight_to_results(chat, store, clock) -> None:
    await chat.send("cuu toi voi ck dang danh em o bac giang")
    alerts = await pending_alerts(store, clock)
    assert alerts[0]["province"] == 24
    assert chat.options()[:4] == ["talk", "screen", "another", "done"]


async def test_on_call_staff_changes_what_the_person_is_told(chat, store, clock) -> None:
    async with store.unit_of_work() as uow:  # a registered staff member goes on call
        await uow.staff.add("staff:1", 7001, "staff", "Hoa", clock.now)
        await uow.oncall.set("staff:1", True, clock.now)
        await uow.commit()
    await chat.send("hi")
    await chat.tap("danger")
    assert "nhân viên trực đã được báo" in chat.text()


@pytest.mark.parametrize("exit_event", [Command("x"), Text("thoát"), Text("thoat"), Text("EXIT"),
                                        Choice("exit")])
@pytest.mark.parametrize("taps", [[], ["support"], ["support", "adult"],
                                  ["support", "adult", "need:shelter"], ["danger"], ["other"],
                                  ["other", "relay:no"]])
async def test_quick_exit_from_every_state(chat, store, exit_event, taps) -> None:
    await chat.send("hello")
    for option in taps:
        await chat.tap(option)
    reply = await chat.send(exit_event)
    assert reply.outputs == [DeleteHistory()]
    async with store.unit_of_work() as uow:
        assert await uow.sessions.load(chat.key) is None
    await chat.send("hello")
    assert chat.options()[0] == "danger"  # a fresh start


async def test_restart_mid_conversation_resumes(tmp_path: Path, clock) -> None:
    store = await open_store(tmp_path / "x.db")
    chat = Chat(make_engine(store, clock))
    await to_needs(chat)
    await store.close()
    store = await open_store(tmp_path / "x.db")  # a new process, same file
    chat = Chat(make_engine(store, clock))
    await chat.send(Choice("need:counselling"))
    assert any(m.ask_location for m in chat.messages())  # the next step, not the start
    await store.close()


async def test_idle_session_is_wiped(chat, clock) -> None:
    await chat.send("hi")
    await chat.tap("support")
    clock.advance(minutes=31)
    await chat.send(Choice("adult"))  # stale button after idle: a fresh start, no crash
    assert "danger" in chat.options()


async def test_idle_sessions_are_purged_from_the_store(store, clock) -> None:
    engine = make_engine(store, clock)
    idle, active = Chat(engine, key="test:idle"), Chat(engine, key="test:active")
    await idle.send("hi")
    clock.advance(minutes=20)
    await active.send("hi")
    clock.advance(minutes=11)
    assert await engine.expire_idle() == 1
    async with store.unit_of_work() as uow:
        assert await uow.sessions.load("test:idle") is None
        assert await uow.sessions.load("test:active") is not None


async def test_relay_with_consent_records_relayed_case(chat, store, clock) -> None:
    async with store.unit_of_work() as uow:  # the shelter is reached only through staff on duty
        await uow.staff.add("staff:1", 7001, "staff", "Hoa", clock.now)
        await uow.oncall.set("staff:1", True, clock.now)
        await uow.commit()
    await chat.send("hi")
    await chat.tap("other")
    await chat.tap("relay:no")
    await chat.tap("need:trafficking")
    await chat.tap("consent:yes")
    await chat.send("lao cai")
    assert "Nhà Nhân ái Lào Cai" in chat.text()
    await chat.tap("talk")
    await chat.tap("way:chat")
    await chat.tap("time:any")
    await chat.tap("skip")
    (alert,) = await pending_alerts(store, clock)
    assert alert["relayed"] is True and alert["province"] == 15


async def test_relay_in_danger_takes_urgent_path(chat, store, clock) -> None:
    await chat.send("hi")
    await chat.tap("other")
    await chat.tap("relay:yes")
    assert "113" in chat.messages()[0].text
    (alert,) = await pending_alerts(store, clock)
    assert alert["tier"] == "urgent" and alert["relayed"] is True


async def test_relay_without_consent_opens_no_case(chat, store, clock) -> None:
    await chat.send("hi")
    await chat.tap("other")
    await chat.tap("relay:unsure")
    await chat.tap("need:shelter")
    await chat.tap("consent:no")
    assert "không mở hồ sơ" in chat.text()
    await chat.send("nghe an")
    assert await pending_alerts(store, clock) == []


async def test_place_retry_then_help_without_a_place_never_loop(chat) -> None:
    await to_needs(chat)
    await chat.tap("need:counselling")
    await chat.send("ở chỗ kia kìa")
    assert "chưa tìm được" in chat.text()
    # a second miss: national help now and the place can come later; not a third ask, and no
    # 34-line province list (issue 16, lead's note kind 11)
    await chat.send("😭")
    assert "Những nơi có thể giúp bạn" in chat.text()
    assert "prov:1" not in chat.options() and len(chat.options()) < 10
    await chat.send("thanh hoa")  # the place, typed later, still refines the answer
    assert "Thanh Hóa" in chat.text()
    assert "1800 1744" not in chat.text()  # issue 12: no source gives this number


async def test_not_knowing_where_gives_national_help_not_a_loop(chat) -> None:
    await to_needs(chat)
    await chat.tap("need:counselling")
    await chat.send("không biết nữa")  # "I don't know": national help and the next step
    assert "1900 969 680" in chat.text()
    assert chat.options()[:5] == ["more", "talk", "screen", "another", "done"]


async def test_ambiguous_place_gets_a_clarifying_choice(chat) -> None:
    await to_needs(chat)
    await chat.tap("need:shelter")
    await chat.send("dn")
    assert chat.options()[:2] == ["pick:0", "pick:1"]
    await chat.tap("pick:0")
    assert "Đà Nẵng" in chat.text()


async def test_location_in_the_sea_is_handled_kindly(chat) -> None:
    await to_needs(chat)
    await chat.tap("need:shelter")
    await chat.send(Location(12.5, 115.5))
    assert "không ở Việt Nam" in chat.text()
    assert "113" in chat.text()


async def test_under_18_always_sees_111(chat) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.tap("under18")
    assert "111" in chat.text()
    await chat.tap("need:counselling")
    await chat.send("hue")
    assert "111" in chat.text()
    hotline_message = [m for m in chat.messages() if m.phones and "113" in m.text][-1]
    assert hotline_message.phones[0].number == "111"


async def test_screen_high_danger_raises_case_to_urgent(chat, store, clock) -> None:
    await to_needs(chat)
    await chat.tap("need:counselling")
    await chat.send("ha tinh")
    await chat.tap("talk")
    await chat.tap("way:chat")
    await chat.tap("time:now")
    await chat.tap("skip")
    (alert,) = await pending_alerts(store, clock)
    assert alert["tier"] == "routine"
    await chat.tap("screen")
    await chat.tap("ans:no")  # weapon
    await chat.tap("ans:yes")  # threatened to kill
    for _ in range(9):
        await chat.tap("ans:unsure")
    assert chat.options()[0] == "skip"
    await chat.send("anh ấy theo dõi điện thoại của tôi")
    assert "ưu tiên" in chat.text()
    assert "điểm" not in chat.text().lower()  # no score is ever shown
    alerts = await pending_alerts(store, clock)
    assert [a["event"] for a in alerts] == ["raised_urgent", "opened"]  # urgent first
    case = await store.unit_of_work().cases.get(alert["code"])
    assert case["tier"] == "urgent"
    assert case["details"]["worries"] == "anh ấy theo dõi điện thoại của tôi"


async def test_screen_is_skippable_and_strangulation_suggests_a_doctor(chat, store, clock) -> None:
    await to_needs(chat)
    await chat.tap("need:medical")
    await chat.send("can tho")
    await chat.tap("screen")
    for answer in ("ans:no", "ans:no", "ans:no", "ans:no", "ans:yes"):  # 5th: strangled
        await chat.tap(answer)
    assert "đi khám" in chat.text() and "115" in chat.text()  # at once, not at the end
    await chat.tap("skip-screen")
    assert await pending_alerts(store, clock) == []  # one "yes" among the others: not urgent


@pytest.mark.parametrize("kind", ["photo", "voice", "sticker", "document", "contact"])
async def test_media_gets_a_kind_answer_and_keeps_the_step(chat, kind) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.send(Media(kind))
    assert "chỉ đọc được chữ" in chat.text()
    assert chat.options()[:2] == ["under18", "adult"]


async def test_forged_option_changes_nothing(chat, store, clock) -> None:
    await chat.send("hi")
    await chat.send(Choice("need:shelter"))  # not offered at this step
    assert "chưa hiểu" in chat.text()
    await chat.send(Choice("../../etc"))
    assert await pending_alerts(store, clock) == []


async def test_not_understood_twice_offers_a_human_honestly(chat) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.send("blah")
    await chat.send("blah blah")
    assert "không có nhân viên trực" in chat.text()  # honest: nobody on duty
    assert "113" in chat.text() and "24/7" in chat.text()  # the 24/7 numbers
    assert "để lại yêu cầu" in chat.text()  # a way forward: leave a request for staff
    assert chat.options()[:2] == ["yes", "no"]
    await chat.send("hmm")
    await chat.send("???")
    assert "contact-consent" not in chat.text()
    assert chat.options() == []  # a third miss never repeats the question
    assert "/start" in chat.text()


async def test_numbers_and_typed_labels_pick_options(chat) -> None:
    await chat.send("hi")
    await chat.send("2")  # numbered menus (Zalo Bot, terminal)
    assert chat.options()[:2] == ["under18", "adult"]
    await chat.send("Từ 18 tuổi trở lên")  # a Zalo OA tap comes back as its text
    assert "need:shelter" in chat.options()


async def test_language_switch_help_privacy_start_over(chat) -> None:
    await chat.send("hi")
    await chat.send(Command("lang", "en"))
    assert "Switched to English" in chat.text()
    assert "in danger" in chat.text()
    await chat.send("privacy")
    assert "not a person" in chat.text() and "30 minutes" in chat.text()
    await chat.send(Command("help"))
    assert "/x" in chat.text()
    await chat.tap("support")
    await chat.send("tiếng việt")
    assert "Đã chuyển sang tiếng Việt" in chat.text()
    await chat.send(Command("start"))
    assert chat.options()[0] == "danger"


async def test_not_safe_to_chat_ends_quietly_with_numbers(chat, store) -> None:
    await chat.send("hi")
    await chat.tap("unsafe")
    assert "113" in chat.text()
    assert chat.options() == []
    async with store.unit_of_work() as uow:
        assert await uow.sessions.load(chat.key) is None


async def test_huge_and_empty_text(chat) -> None:
    await chat.send("hi")
    await chat.send("a" * 100_000)
    assert "chỉ đọc phần đầu" in chat.text()
    await chat.send("   ")
    assert "chưa hiểu" in chat.text()
    await chat.send("🙂🙂🙂")
    assert chat.options()


# -- length on a phone (issue 16, 2a): a first answer fits one screen; "more" shows the rest ----
ROUTINE_BUDGET = 25  # phone lines of the answer before its question
URGENT_FIRST = 6  # lines of the first answer in danger (safety.md 7b)


def answer_lines(chat: Chat) -> int:
    """Phone lines of everything but the closing question and its buttons."""
    from handlers.conversation.render import phone_lines

    messages = chat.messages()
    body = messages[:-1] if messages and messages[-1].options else messages
    return sum(phone_lines(m.text) for m in body)


@pytest.mark.parametrize("turns", [
    ["tôi ở Cà Mau, cần chỗ ở tạm"],
    ["chao", "toi an toan", "tren 18", "ha noi"],
    ["e ở q1 tphcm, cần tư vấn tâm lý"],
    ["toi la nam, bi vo danh, o da nang, can tu van"],
    ["con 14 tuoi, o hue, can giup"],
    [Location(10.0341, 105.7880)],
    [Location(21.0285, 105.8542)],
])
async def test_a_routine_answer_with_places_fits_a_phone_screen(chat, turns) -> None:
    for turn in turns:
        await chat.send(turn)
    assert "Gõ \"thêm\"" in chat.text() or "Type \"more\"" in chat.text()
    assert answer_lines(chat) <= ROUTINE_BUDGET, chat.text()
    await chat.send("thêm")  # the rest, in full: addresses or why they are kept, every number
    text = chat.text()
    assert "Các số điện thoại quốc gia" in text and "113" in text
    assert "chưa hiểu" not in text


@pytest.mark.parametrize("message", [
    "cuu e voi ck e dang danh e", "bố say rượu đang đập đồ đòi giết cả nhà",
    "he is choking me help", "e bi hiep dam toi qua",
])
async def test_the_first_answer_in_danger_is_six_lines(chat, message) -> None:
    await chat.send(message)
    from handlers.conversation.render import phone_lines

    first = chat.messages()[0]
    assert not first.options
    assert len(first.text.split("\n")) <= URGENT_FIRST, first.text
    assert phone_lines(first.text, columns=60) <= URGENT_FIRST + 4, first.text
