"""A message as words: what was typed, its folded form and its teencode-expanded form, aligned.

Matching runs on the expanded form ("ko dc" -> "khong duoc") but what the reader hands back (a
code word, a safe time) is cut from the original text, with its diacritics, by the same token
positions. Clause numbers (split at , ; ! ? new line and a full stop before a space) let a place be
recognised as a clause of its own: "Cà Mau, cần chỗ ở tạm".
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from knowledge.text import fold

_WORD = re.compile(r"[^\W_]+")
_BREAK = re.compile(r"[,;!?\n\r…]|\.(?=\s|$)|\s-\s")
_REPEATS = re.compile(r"([a-z])\1{2,}")


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    """One typed word folded, stretched letters shortened ("cuuuu" -> "cuu"); words repeat a lot."""
    return _REPEATS.sub(r"\1\1", fold(word).replace(" ", ""))


@dataclass(frozen=True, slots=True)
class Token:
    raw: str  # as typed
    start: int  # offsets in the original text
    end: int
    folded: str  # no diacritics, lower case ("Hồng" -> "hong")
    norm: str  # teencode expanded ("ko" -> "khong", "bh" -> "bay gio"): may hold a space
    clause: int


class Words:
    """Tokens of one message with the joined normalised string and its offsets."""

    def __init__(self, text: str, teencode: dict[str, str]) -> None:
        self.text = unicodedata.normalize("NFC", text)
        breaks = [m.start() for m in _BREAK.finditer(self.text)]
        tokens: list[Token] = []
        for m in _WORD.finditer(self.text):
            folded = _fold_word(m.group())
            if not folded:
                continue
            clause = bisect.bisect_right(breaks, m.start())
            norm = teencode.get(folded, folded)
            tokens.append(Token(m.group(), m.start(), m.end(), folded, norm, clause))
        self.tokens = tokens
        self.folded = [t.folded for t in tokens]
        # Clauses are kept apart by "|" in the joined string, so no phrase reaches across a
        # comma: "chào bạn, mình cần tư vấn" holds no "bạn mình cần" (someone else's need).
        starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for k, t in enumerate(tokens):
            if k and t.clause != tokens[k - 1].clause:
                parts.append("|")
                pos += 2
            starts.append(pos)
            parts.append(t.norm)
            pos += len(t.norm) + 1
        self._starts = starts
        self.norm = " ".join(parts)

    def __len__(self) -> int:
        return len(self.tokens)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Token indices [i, j) covered by characters [start, end) of ``norm``."""
        i = bisect.bisect_right(self._starts, start) - 1
        j = bisect.bisect_left(self._starts, end)
        return max(i, 0), max(j, i + 1)

    def spans(self, pattern: re.Pattern[str] | None) -> list[tuple[int, int]]:
        if pattern is None:
            return []
        return [self.span(m.start(), m.end()) for m in pattern.finditer(self.norm)]

    def original(self, i: int, j: int) -> str:
        """The typed text from token i to token j - 1, punctuation between them kept."""
        return self.text[self.tokens[i].start : self.tokens[j - 1].end]

    def has_diacritics(self, skip: set[int]) -> bool:
        """Whether any word outside ``skip`` was typed with Vietnamese marks."""
        for k, t in enumerate(self.tokens):
            if k in skip:
                continue
            if t.raw.lower() != t.folded and not t.raw.isascii():
                return True
        return False

    def span_start(self, i: int) -> int:
        """Offset in ``norm`` where token i starts."""
        return self._starts[i] if i < len(self._starts) else len(self.norm)
