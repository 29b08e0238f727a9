"""The message catalogue: same keys in both languages, every text renders and fits 2,000 chars."""

from __future__ import annotations

import re

import pytest

from handlers.catalogue import LANGUAGES, MAX_TEXT, default_catalogue

SAMPLE_ARGS = {"number": "1900 969 680", "name": "X" * 80, "extra": " (24/7)", "km": "12",
               "phones": "0291 3610 237", "address": "A" * 200, "offers": "o",
               "place": "Bắc Giang → Bắc Ninh", "code": "K7Q2", "minutes": 30, "tier": "URGENT",
               "province": "Hà Nội", "channel": "telegram", "time": "2026-11-23 08:00",
               "reasons": "violence_now", "text": "T" * 1000, "status": "new", "names": "A, B",
               "usage": "/close CODE OUTCOME", "outcome": "referred", "relayed": "",
               "contact": "chat, evening", "code_word": "hoa sen", "location": "21.0, 105.8",
               "worries": "W" * 500, "needs": "shelter", "claimer": "Hoa", "hours": 72,
               "country": "Hàn Quốc", "repeat": 2, "numbers": "111, 113",
               "others": "1900 969 680 Ngôi nhà Bình yên · 111 · 115"}


def test_every_key_in_both_languages() -> None:
    catalogue = default_catalogue()
    assert catalogue.keys("vi") == catalogue.keys("en")
    assert len(catalogue.keys("vi")) > 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_renders_and_fits(lang: str) -> None:
    catalogue = default_catalogue()
    for key in sorted(catalogue.keys(lang)):
        text = catalogue.text(lang, key, **SAMPLE_ARGS)
        assert text.strip(), key
        assert len(text) <= MAX_TEXT, key
        assert "{" not in text, key


def test_wording_never_blames() -> None:
    catalogue = default_catalogue()
    for lang in LANGUAGES:
        for key in catalogue.keys(lang):
            text = catalogue.text(lang, key, **SAMPLE_ARGS).lower()
            assert not re.search(r"invalid|\berror|(?<!xin )lỗi|không hợp lệ|sai rồi", text), key
