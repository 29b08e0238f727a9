"""Folding Vietnamese text to a comparison key.

People type with or without diacritics, with old or new tone placement ("hoà"/"hòa"), and paste
look-alike letters (Ð U+00D0 for Đ U+0110). Every comparison in Bình An goes through ``fold`` on
both sides, so a stored name and a typed one meet on the same key (vietnam.md, "Text people type").
Diacritics are never restored: that inverts meaning ("chống" vs "chồng").
"""

from __future__ import annotations

import re
import unicodedata

_LOOKALIKES = str.maketrans({"Ð": "đ", "ð": "đ", "Đ": "đ", "ɗ": "đ", "‐": "-", "–": "-", "—": "-"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d, punctuation and dashes to single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_LOOKALIKES).lower()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d")
    return _NON_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """The folded words of a text."""
    folded = fold(text)
    return folded.split() if folded else []


def compact(text: str) -> str:
    """Folded with no spaces at all: "Hà Nội", "ha noi" and "hanoi" share one key."""
    return fold(text).replace(" ", "")
