"""Triage: each reason category with and without diacritics and in teencode, false friends,
negation, and the CLI."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main
from handlers.triage import Level, Reason, triage
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
