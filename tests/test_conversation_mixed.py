"""Mixed initiative (issue 16): what a person says is kept and used at any step; answers come as
soon as something can be answered; the quick exit number works; nothing loops or crashes.

Real engine, real SQLite store, messages typed the way people type on a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.storage import Outbox
from handlers.events import Command, DeleteHistory, Location, Media
from tests.conversation import Chat, Clock, make_engine, open_store


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


async def alerts(store, clock) -> list[dict]:
    return [payload for _, payload, _ in await Outbox(store).due(clock.now)]


async def on_call(store, clock) -> None:
    async with store.unit_of_work() as uow:
        await uow.staff.add("staff:1", 7001, "staff", "Hoa", clock.now)
        await uow.oncall.set("staff:1", True, clock.now)
        await uow.commit()


# A distance from a typed province is an estimate and says so (lead's note, kind 12).
ESTIMATE = re.compile(r"\d km( \(ước tính\))?")


def cards(chat: Chat) -> list[str]:
    return [m.text for m in chat.messages() if "Điện thoại" in m.text or "Phone" in m.text
            or "Liên hệ qua số" in m.text]


async def test_a_first_message_with_a_place_gets_help_there_at_once(chat) -> None:
    await chat.send("tôi ở Cà Mau, cần chỗ ở tạm")
    text = chat.text()
    assert "Cà Mau" in text
    assert "Những nơi có thể giúp bạn" in text  # results in the first reply, no greeting menu
    assert "nguy hiểm ngay lúc này" not in text
    assert cards(chat)
    # a typed province: a distance only as an estimate from its centre, said so on every card
    assert all(m.group(1) for m in ESTIMATE.finditer(text)), text


async def test_a_location_at_the_greeting_gives_places_with_km(chat) -> None:
    await chat.send("alo")
    await chat.send(Location(10.0341, 105.7880))  # Ninh Kiều, Cần Thơ, before any question
    text = chat.text()
    assert "chưa hiểu" not in text
    assert "Cần Thơ" in text and "Tầm Vu" in text
    assert re.search(r"cách khoảng \d+(\.\d)? km", text)


@pytest.mark.parametrize("taps", [["support"], ["support", "adult"]])
async def test_a_location_at_any_step_is_used(chat, taps) -> None:
    await chat.send("hi")
    for option in taps:
        await chat.tap(option)
    await chat.send(Location(10.0341, 105.7880))
    assert "Ngôi nhà Bình yên Cần Thơ" in chat.text()
    assert re.search(r"cách khoảng \d+(\.\d)? km", chat.text())


async def test_a_place_typed_at_the_age_question_is_not_lost(chat) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.send("em o nghe an")
    assert "Nghệ An" in chat.text()
    assert "Những nơi có thể giúp bạn" in chat.text()
    assert re.findall(r"\d+ km", chat.text()) == re.findall(
        r"(\d+ km) \(ước tính\)", chat.text())
    # places of another province (one "thêm" away once the distance takes its line): honest,
    # where it is and roughly how far from the province's centre, never a bare "elsewhere"
    await chat.send("thêm")
    assert "ở tỉnh khác: " in chat.text()
    assert re.search(r"ở tỉnh khác: [^\n,]+, khoảng \d+ km \(ước tính\)", chat.text())


@pytest.mark.parametrize("taps", [[], ["support"], ["support", "adult"], ["danger"]])
async def test_the_number_shown_next_to_quick_exit_exits_quietly(chat, store, taps) -> None:
    await chat.send("hi")
    for option in taps:
        await chat.tap(option)
    number = chat.options().index("exit") + 1
    reply = await chat.send(str(number))
    assert reply.outputs == [DeleteHistory()]
    async with store.unit_of_work() as uow:
        assert await uow.sessions.load(chat.key) is None


async def test_a_new_place_later_updates_the_case_without_a_second_alert(chat, store,
                                                                         clock) -> None:
    await chat.send("hi")
    await chat.tap("danger")
    await chat.send("ha noi")
    (alert,) = await alerts(store, clock)
    code = alert["code"]
    case = await store.unit_of_work().cases.get(code)
    assert case["province"] == 1
    await chat.send("à không, em đang ở Đà Nẵng")
    assert "Đà Nẵng" in chat.text()
    case = await store.unit_of_work().cases.get(code)
    assert case["province"] == 48
    assert len(await alerts(store, clock)) == 1  # updated, not doubled


async def test_an_unknown_stored_step_restarts_politely(chat, store, clock) -> None:
    async with store.unit_of_work() as uow:  # a session saved by an older version
        await uow.sessions.save(chat.key, {"step": "where_city_v0", "lang": "vi"}, clock.now)
        await uow.commit()
    await chat.send(Media("photo"))
    assert "bắt đầu lại" in chat.text()
    assert chat.options()[0] == "danger"
    async with store.unit_of_work() as uow:
        await uow.sessions.save(chat.key, {"step": "gone", "lang": "en"}, clock.now)
        await uow.commit()
    await chat.send("help")
    assert "/x" in chat.text()


async def test_a_protected_zalo_user_gets_numbers_and_one_hidden_case(chat, store,
                                                                      clock) -> None:
    await chat.send(Media("protected"))
    first = chat.messages()[0]
    assert first.text.index("111") < first.text.index("113")
    assert "không đọc được" in first.text
    await chat.send(Media("protected"))
    (alert,) = await alerts(store, clock)  # once per conversation
    assert alert["tier"] == "routine" and alert["reasons"] == ["hidden_by_zalo"]


async def test_a_short_first_answer_in_danger(chat, store, clock) -> None:
    reply = await chat.send("cuu em voi ck dang danh em")
    first = reply.messages[0].text
    assert first.splitlines()[1].startswith("113")  # the fitting number first
    assert len(first.splitlines()) <= 6
    assert len(reply.messages) <= 3
    assert reply.messages[-1].options  # then one question
    (alert,) = await alerts(store, clock)
    assert alert["tier"] == "urgent"


async def test_strangulation_advice_comes_at_once(chat) -> None:
    reply = await chat.send("no bop co em, em kho tho")
    first = reply.messages[0].text
    assert first.splitlines()[1].startswith("115")
    assert "115" in first and "đi khám" in first


async def test_a_call_back_request_typed_in_words_is_never_lost(chat, store, clock) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.tap("adult")
    await chat.tap("need:counselling")
    await chat.send("hue")
    await chat.tap("talk")
    (alert,) = await alerts(store, clock)  # the case exists before any detail is given
    await chat.send("goi cho em so 0912 345 678 nhe")
    await chat.send("sau 8h toi")
    await chat.send("hoa sen")
    assert "Mã trường hợp" in chat.text()
    case = await store.unit_of_work().cases.get(alert["code"])
    # the hour typed is kept as typed (the "evening" button would lose "8h"), and said back
    assert case["details"]["contact"] == {"way": "call", "phone": "0912345678",
                                          "time": "sau 8h toi", "code_word": "hoa sen"}
    assert len(await alerts(store, clock)) == 1


async def test_contact_details_left_half_way_are_kept(chat, store, clock) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.tap("adult")
    await chat.tap("need:legal")
    await chat.send("bac giang")
    await chat.tap("talk")
    await chat.tap("way:call")
    await chat.send("0987654321")
    (alert,) = await alerts(store, clock)
    case = await store.unit_of_work().cases.get(alert["code"])
    assert case["details"]["contact"]["phone"] == "0987654321"


async def test_staff_referral_cards_only_while_someone_is_on_duty(store, clock) -> None:
    pilot = "nhà tạm lánh cộng đồng quận Hoàn Kiếm"  # reachable only through staff
    off = Chat(make_engine(store, clock), key="test:off")
    await off.send("tôi an toàn, cần chỗ ở tạm")
    await off.send("hà nội")
    assert "Những nơi có thể giúp bạn" in off.text()
    assert pilot not in off.text()
    await off.send("thêm")  # nor among the rest
    assert "Ngôi nhà Bình yên" in off.text() and pilot not in off.text()
    await on_call(store, clock)
    on = Chat(make_engine(store, clock), key="test:on")
    await on.send("tôi an toàn, cần chỗ ở tạm")
    await on.send("hà nội")
    await on.send("thêm")
    assert pilot in on.text()
    assert "nhân viên Bình An có thể giới thiệu" in on.text()


async def test_language_can_be_switched_both_ways(chat) -> None:
    await chat.send("hi")
    await chat.tap("lang")
    assert "Switched to English" in chat.text()
    assert "lang" in chat.options()
    await chat.tap("lang")
    assert "Đã chuyển sang tiếng Việt" in chat.text()
    await chat.send(Command("lang", "en"))
    assert "in danger" in chat.text()


async def test_thanks_is_not_a_miss(chat) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.send("cam on")
    await chat.send("cảm ơn nhiều")
    assert "nhân viên trực" not in chat.text()


async def test_english_first_message_is_answered_in_english(chat) -> None:
    await chat.send("hello")
    assert "in danger" in chat.text()
    assert "Tiếng Việt" in [m.label for m in chat.messages()[-1].options]
    await chat.send("my husband is beating me")
    first = chat.messages()[0].text
    assert first.startswith("If you are in danger") and "113" in first


async def test_an_opening_story_about_someone_else_takes_the_relay_path(chat, store,
                                                                         clock) -> None:
    await chat.send("bạn em bị nhà chồng chửi bới suốt, em muốn tìm chỗ tư vấn cho bạn ấy")
    assert chat.options()[:3] == ["relay:yes", "relay:no", "relay:unsure"]
    await chat.send("ko, bây giờ thì ko")  # not in danger now
    assert chat.options()[:3] == ["consent:yes", "consent:no", "consent:unsafe"]
    await chat.send("chưa hỏi")
    assert "không mở hồ sơ" in chat.text()
    await chat.send("nó ở hải phòng")
    assert "Hải Phòng" in chat.text()
    assert await alerts(store, clock) == []  # no case without her consent


async def test_a_bystander_seeing_violence_now_gets_113_and_no_heroics(chat, store,
                                                                        clock) -> None:
    reply = await chat.send("nhà bên cạnh đang đánh nhau, chị vợ kêu cứu, tôi phải làm sao")
    first = reply.messages[0].text
    assert first.splitlines()[1].startswith("113")
    assert "Đừng tự can thiệp" in first
    (alert,) = await alerts(store, clock)
    assert alert["tier"] == "urgent" and alert["relayed"] is True


async def test_a_question_is_answered_and_the_conversation_goes_on(chat) -> None:
    await chat.send("hi")
    await chat.tap("support")
    await chat.tap("adult")
    await chat.send("ai đọc tin nhắn của tôi")
    assert "nhân viên" in chat.text()
    assert "need:shelter" in chat.options()  # still at the need question
    await chat.send("bạn gọi 113 giúp tôi được không")
    assert "không gọi được 113 thay bạn" in chat.text()


async def test_where_to_report_cites_the_law(chat) -> None:
    await chat.send("bị bạo lực gia đình thì báo ở đâu")
    assert "Điều 19" in chat.text() and "Ủy ban nhân dân" in chat.text()


async def test_the_same_question_is_never_put_a_third_time(chat) -> None:
    await chat.send("tôi an toàn, cần chỗ ở")  # a need: the place question follows
    assert any(m.ask_location for m in chat.messages())
    await chat.send("trên 18")  # an answer to another question: kept, place asked again
    await chat.send("em 30 tuổi")
    assert "Bạn đang ở đâu?" not in chat.text()
    assert "113" in chat.text()


async def test_a_location_abroad_gets_that_countrys_help_never_your_province(chat, store,
                                                                             clock) -> None:
    await chat.send("chồng em đang đánh em, cứu em")
    await chat.send(Location(35.1796, 129.0756))  # Busan
    text = chat.text()
    assert "Hàn Quốc" in text and "112" in text
    assert "+84 981 84 84 84" in text or "Đại sứ quán" in text or "Tổng lãnh sự" in text
    assert "trong tỉnh của bạn" not in text
    (alert,) = await alerts(store, clock)
    assert alert["tier"] == "urgent"
    case = await store.unit_of_work().cases.get(alert["code"])
    assert case["province"] is None
    async with store.unit_of_work() as uow:
        row = await (await uow.store.db.execute(
            "SELECT abroad FROM cases WHERE code = ?", (alert["code"],))).fetchone()
    assert row[0] == "KR"


async def test_a_named_city_abroad_in_danger_gets_the_local_numbers_first(chat, store,
                                                                          clock) -> None:
    reply = await chat.send("em đang ở Kuala Lumpur, chủ giữ passport, khóa cửa không cho em ra")
    first = reply.messages[0].text
    assert "Malaysia" in first and "999" in first
    assert "113" not in first
    (alert,) = await alerts(store, clock)
    assert alert["abroad"] == "MY"


def test_an_alert_says_abroad() -> None:
    from bot.alerts import alert_text
    from handlers.catalogue import default_catalogue
    from knowledge.gazetteer import default_gazetteer

    alert = {"code": "K7Q2", "tier": "urgent", "province": None, "channel": "telegram",
             "time": "2026-11-23T08:00:00+00:00", "reasons": ["confinement_trafficking"],
             "abroad": "MY"}
    text = alert_text(alert, default_catalogue(), default_gazetteer())
    assert "Ở nước ngoài: MY" in text


async def test_screen_answers_are_kept_when_the_screen_is_left(chat, store, clock) -> None:
    await chat.send("tôi an toàn, cần tư vấn")
    await chat.send("huế")
    await chat.tap("talk")
    await chat.tap("way:chat")
    await chat.tap("time:any")
    await chat.tap("skip")
    await chat.tap("screen")
    await chat.tap("ans:no")
    await chat.tap("ans:yes")  # threatened to kill
    await chat.send("à mà em chuyển ra Đà Nẵng rồi")  # leaves the screen with a new place
    assert "Đà Nẵng" in chat.text()
    (alert,) = await alerts(store, clock)
    case = await store.unit_of_work().cases.get(alert["code"])
    assert case["details"]["screen"] == {"weapon": "no", "threat_kill": "yes"}
    assert case["province"] == 48


async def test_a_blocked_person_in_danger_still_gets_numbers_a_case_and_staff(chat, store,
                                                                              clock) -> None:
    import datetime as dt

    async with store.unit_of_work() as uow:
        await uow.blocks.block(chat.key, clock.now + dt.timedelta(hours=24))
        await uow.commit()
    await chat.send("xin chao")  # routine text from a blocked person: numbers only
    assert "113" in chat.text() and await alerts(store, clock) == []
    reply = await chat.send("no dang bop co em")
    assert "115" in reply.messages[0].text
    (alert,) = await alerts(store, clock)
    assert alert["tier"] == "urgent" and "strangulation" in alert["reasons"]


async def test_a_question_at_a_contact_step_is_answered_not_taken_as_the_answer(
        chat, store, clock) -> None:
    await chat.send("cho em nói chuyện với nhân viên")
    (alert,) = await alerts(store, clock)
    await chat.tap("way:call")
    await chat.send("0912345678")
    await chat.send("ai đọc tin nhắn của em vậy")
    assert "nhân viên" in chat.text()
    assert "time:evening" in chat.options()  # still asking when to call
    await chat.send("buổi tối")
    case = await store.unit_of_work().cases.get(alert["code"])
    assert case["details"]["contact"]["time"] == "evening"
    assert "note" not in case["details"]["contact"]


async def test_in_danger_a_typed_province_gives_a_short_answer_and_no_wrong_commune(
        chat) -> None:
    await chat.send("chồng em đang bóp cổ em")
    reply = await chat.send("em ở đà nẵng")
    assert len(reply.messages) <= 3  # urgent replies stay short
    assert "Đà Nẵng" in chat.text()
    assert "Quế Phước" not in chat.text()  # the province's centre is not her commune
    assert "Bạn cần hỗ trợ gì" not in chat.text()  # in danger, no need question


async def test_danger_and_no_safe_moment_to_text_alerts_staff_and_ends_quietly(
        chat, store, clock) -> None:
    """The first sign of danger comes with "he is here, I must stop": staff are alerted, and the
    person sees only a short goodbye with the numbers, no question that keeps the chat open."""
    await chat.send("ck e dang say, vua dam e, gio ck vua vao phong, e phai tat")
    (alert,) = await alerts(store, clock)
    assert alert["tier"] == "urgent"
    messages = chat.messages()
    assert 1 <= len(messages) <= 2 and "113" in chat.text()
    assert not any(m.options for m in messages)
    async with store.unit_of_work() as uow:
        assert await uow.sessions.load(chat.key) is None  # nothing left to find on the server
