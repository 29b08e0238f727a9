"""Triage: each reason category with and without diacritics and in teencode, false friends,
negation, and the CLI."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from handlers.triage import PRIORITY, Level, Reason, triage
from knowledge.text import fold

CASES = [
    (Reason.VIOLENCE_NOW, ["Chồng tôi đang đánh tôi", "ck e dang danh e", "cứu tôi với",
                           "he is hitting me", "nó tát em liên tục", "cuuuu em voi"]),
    (Reason.WEAPON, ["Nó cầm dao đuổi em", "anh ta có súng", "he has a knife"]),
    (Reason.THREAT_TO_KILL, ["Nó dọa giết cả nhà tôi", "hắn bảo sẽ giết e", "he will kill me"]),
    (Reason.STRANGULATION, ["Anh ta bóp cổ tôi", "ko thở dc", "he choked me"]),
    (Reason.SEXUAL_VIOLENCE, ["Tôi bị hiếp dâm", "bị xâm hại", "ep e quan he", "he raped me"]),
    (Reason.CONFINEMENT, ["Họ nhốt em trong phòng", "ko cho e ra ngoài",
                          "em bị bán sang Trung Quốc", "họ giữ hộ chiếu của em",
                          "I am trapped"]),
    (Reason.SELF_HARM, ["Tôi muốn chết", "e k muốn sống nữa", "I want to kill myself"]),
    (Reason.CHILD_AT_RISK, ["Chồng đánh con tôi", "bố nó xâm hại bé", "he hits my son"]),
    (Reason.INJURY, ["Đầu tôi chảy máu", "em bị gãy tay", "I am bleeding"]),
]


@pytest.mark.parametrize(("reason", "text"), [(r, t) for r, ts in CASES for t in ts])
@pytest.mark.parametrize("form", ["as typed", "no diacritics"])
def test_each_reason(reason: Reason, text: str, form: str) -> None:
    typed = text if form == "as typed" else fold(text)
    result = triage(typed)
    assert result.level is Level.URGENT, typed
    assert reason in result.reasons, (typed, result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "tôi bị đánh rơi điện thoại",
        "em đang học đánh máy",
        "mệt chết đi được",
        "cười muốn chết",
        "giết thời gian thôi",
        "dạo này em buồn",
        "bữa cơm tối nay",
        "chị đang giảm cân",
        "danh sách các trung tâm",
        "em đi bán hàng",
        "xin chào",
        "em muốn tìm nhà tạm lánh",
        "",
    ],
)
def test_false_friends_and_everyday_text_are_routine(text: str) -> None:
    assert triage(text).level is Level.ROUTINE
    assert triage(fold(text)).level is Level.ROUTINE


@pytest.mark.parametrize("text", ["tôi không bị đánh", "chồng em chưa bao giờ đánh em",
                                  "he did not hit me", "k bi danh"])
def test_negation(text: str) -> None:
    assert Reason.VIOLENCE_NOW not in triage(text).reasons


def test_negation_inside_the_pattern_is_kept() -> None:
    assert Reason.STRANGULATION in triage("tôi không thở được").reasons
    assert Reason.CONFINEMENT in triage("chồng không cho tôi ra khỏi nhà").reasons


def test_cli_prints_json_lines(capsys, monkeypatch) -> None:
    assert main(["triage", "nó", "bóp", "cổ", "tôi"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row == {"input": "nó bóp cổ tôi", "level": "urgent", "reasons": ["strangulation"]}
    monkeypatch.setattr("sys.stdin", io.StringIO("xin chao\ncuu em\n"))
    assert main(["triage", "-"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["level"] for r in rows] == ["routine", "urgent"]


# -- issue 17: diacritics, negation, frames, children, reason order ---------------------------


@pytest.mark.parametrize("text", ["kiểm tra giúp em", "tất cả các chị", "dành cho phụ nữ",
                                  "từ từ em kể", "Hoàn Kiếm", "Côn Đảo", "Tam Đảo",
                                  "đường Trần Hưng Đạo", "em đang kiếm việc", "tu van giup e"])
def test_words_with_diacritics_keep_their_meaning(text: str) -> None:
    assert triage(text).level is Level.ROUTINE


@pytest.mark.parametrize("text", ["cha dượng đánh em", "em đang có chửa, nó đá vào bụng em",
                                  "không, nó đang đánh em", "ko nó đang đánh e đó",
                                  "chị Hồng ơi nó đang đánh em"])
def test_nouns_are_not_negators_and_negation_stays_in_its_clause(text: str) -> None:
    assert triage(text).urgent, text


@pytest.mark.parametrize("text", ["bạo lực", "bạo hành", "bạo lực gia đình",
                                  "bạo lực kinh tế là gì", "luật phòng chống bạo lực gia đình",
                                  "hồi trước chồng em hay đánh em, giờ đã ly hôn rồi",
                                  "bạn em bị chồng đánh, em nên khuyên thế nào",
                                  "phim này có cảnh đánh vợ",
                                  "em làm bài tập về bạo lực học đường"])
def test_topic_words_and_lowering_frames_are_routine(text: str) -> None:
    """Changed by issue 17: "bạo lực"/"bạo hành" alone no longer page staff."""
    assert triage(text).level is Level.ROUTINE, triage(text).reasons


@pytest.mark.parametrize("text", ["nhà bên cạnh đang đánh vợ, chị ấy kêu cứu",
                                  "hàng xóm đang bị chồng đánh",
                                  "hồi trước nó hay đánh em, giờ nó đang đứng ngoài cửa dọa giết",
                                  "bạn em đang bị chồng cầm dao đuổi", "🆘"])
def test_a_present_danger_cue_outweighs_a_frame(text: str) -> None:
    assert triage(text).urgent, text


@pytest.mark.parametrize("text", ["em 14 tuổi, bố em đánh em", "hs lớp 3 bị bố đánh",
                                  "bé nhà em bị bố đánh", "cháu 5 tuổi bị dì ghẻ đánh",
                                  "bố con đánh mẹ con", "con dang bi ba danh"])
def test_children_are_recognised(text: str) -> None:
    result = triage(text)
    assert result.reasons[0] is Reason.CHILD_AT_RISK, (text, result.reasons)


def test_an_adult_son_is_not_a_child() -> None:
    result = triage("con trai tôi 40 tuổi đánh tôi, tôi 70 tuổi rồi")
    assert result.urgent and Reason.CHILD_AT_RISK not in result.reasons


def test_reasons_come_in_a_stable_order_that_decides_the_first_answer() -> None:
    assert triage("chồng bóp cổ em, em đang chảy máu").reasons == [
        Reason.STRANGULATION, Reason.INJURY]
    assert triage("em vừa uống thuốc trừ sâu vì chồng đánh").reasons[0] is Reason.SELF_HARM
    assert triage("nó đánh con em chảy máu").reasons[:2] == [Reason.CHILD_AT_RISK,
                                                             Reason.INJURY]
    many = triage("em 12 tuổi, nó cầm dao dọa giết, bóp cổ em")
    assert many.reasons == sorted(many.reasons, key=list(PRIORITY).index)


@pytest.mark.parametrize("text", [
    "em đang trốn trong nhà tắm, ck say rượu đang tìm em",   # hiding from a drunk partner
    "nó nhắn tối nay về là em biết tay",                      # a threat for tonight
    "nó lấy gối đè lên mặt em",                               # an object over the face
    "ck trói tay em vào giường",                              # tied up
    "sáng nay tỉnh dậy em không nhớ gì, quần áo bị cởi",       # waking up drugged
    "nó giở trò với em tối qua",                              # a euphemism for rape
    "ck lắc mạnh em bé vì bé khóc",                           # a baby shaken
    "cháu bị dội nước sôi",                                   # scalded
    "em chuẩn bị dây rồi",                                    # a rope prepared
    "chồng bắt con đi, dọa hai bố con chết chung",            # child taken, die together
    "nyc dọa tung ảnh nóng của em tối nay",                   # intimate images and a threat
])
def test_indirect_danger_and_euphemisms(text: str) -> None:
    assert triage(text).urgent, text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_triaged_without_error(text: str) -> None:
    """Odd input (superscript digits, control characters, astral planes) gets a verdict, never an
    exception: an exception here would drop the message."""
    result = triage(text)
    assert result.level in (Level.URGENT, Level.ROUTINE)
    assert (result.level is Level.URGENT) == bool(result.reasons)
