"""Call-back details typed in words: a phone number, a safe time, a code word (issue 16, item 12).

A person who asks for staff types these in any order and any form ("sdt e la 0912.345.678, goi
sau 8h toi, ma la hoa hong"). Losing them loses the case, so each is read wherever it appears.
"""

from __future__ import annotations

import re

from handlers.understanding.lexicon import Lexicon
from handlers.understanding.words import Words
from knowledge.text import fold

# A Vietnamese number: 0 or +84 / 84, then 9 or 10 digits, with spaces, dots or dashes anywhere.
# Typed in parts too ("0 9 8 8 - 2 2 3 - 4 4 5"): up to three separator characters between digits.
_PHONE = re.compile(r"(?<![\d+])(?:\+\s?84|84|0)(?:[\s.\-]{0,3}\d){8,10}(?!\d)")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")

# A code word or a cover story for the caller ("chị Lan bên ngân hàng") is at most this long.
CODE_WORDS = 6
# Words that end a code word: what comes next is another detail or a courtesy.
_CODE_STOP = frozenset(
    """va goi sau truoc luc nhe nha a ah nhen and call after before please thanks so dien thoai
    khi toi em minh cam on sdt phone time khung gio gio""".split()
)
# Folded "ma" is also "mà" (but) and "má" (mother): a code word follows only a typed "mã" or "ma".
_MA_TYPED = frozenset({"mã", "ma", "Mã", "Ma", "MÃ", "MA"})


# Digits said in words, folded (Vietnamese as typed with or without marks, and English). "linh"
# is the zero of "một trăm linh năm"; "lăm", "tư", "mốt" are how 5, 4, 1 are said after others.
_DIGIT_WORDS = {
    "khong": "0", "ko": "0", "hok": "0", "linh": "0", "zero": "0",
    "mot": "1", "mo": "1", "one": "1",
    "hai": "2", "two": "2",
    "ba": "3", "three": "3",
    "bon": "4", "tu": "4", "four": "4",
    "nam": "5", "lam": "5", "five": "5",
    "sau": "6", "six": "6",
    "bay": "7", "bai": "7", "seven": "7",
    "tam": "8", "eight": "8",
    "chin": "9", "nine": "9",
}
_PIECE = re.compile(r"\+?\d+|[^\W\d_]+")


def phone_number(text: str) -> str | None:
    """The first Vietnamese phone number in the text, as ten or eleven digits from 0.

    Typed in digits with spaces, dots or dashes ("0912.345.678", "+84 912 345 678"), or in words
    ("không chín tám bảy...", "khong chin tam bay", "khong 9-1-2 ba bon nam"): a run of digit
    words and digit groups is a number only if it spells a valid Vietnamese number, so ordinary
    words that are also digits ("ba" father, "sau" after, "tám") never make one by chance."""
    for m in _PHONE.finditer(text):
        digits = _national(re.sub(r"\D", "", m.group()))
        if digits is not None:
            return digits
    return _spelled_number(text)


def _national(digits: str) -> str | None:
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None


def _spelled_number(text: str) -> str | None:
    """A number typed (at least partly) in words: runs of digit words and digit groups."""
    runs: list[list[str]] = [[]]
    words: list[bool] = [False]
    for piece in _PIECE.findall(fold(text)):
        digit = piece.lstrip("+") if piece.lstrip("+").isdigit() else _DIGIT_WORDS.get(piece)
        if digit is None:
            runs.append([])
            words.append(False)
            continue
        runs[-1].append(digit)
        words[-1] = words[-1] or not piece.lstrip("+").isdigit()
    for run, spelled in zip(runs, words, strict=True):
        if not spelled:
            continue  # digits only: the pattern above has read them already
        digits = "".join(run)
        for start in range(len(digits)):
            for size in (11, 10, 12):
                found = _national(digits[start:start + size])
                if found is not None:
                    return found
    return None


def safe_time(words: Words, lex: Lexicon) -> tuple[str, set[int]] | None:
    """When it is safe to call, cut from what was typed ("sau 8h tối", "after 6pm")."""
    spans = words.spans(lex.time)
    if not spans:
        return None
    i, j = spans[0]
    for a, b in spans[1:]:
        if a <= j + 1:  # "tầm 2h chiều, buổi tối": touching phrases read as one
            j = max(j, b)
    return words.original(i, j), set(range(i, j))


def code_word(words: Words, lex: Lexicon) -> tuple[str, set[int]] | None:
    """The word(s) after "mã là" / "code word:" / "cứ hỏi là", up to six, kept as typed."""
    for m in lex.code_word.finditer(words.norm):
        i, j = words.span(m.start(), m.end())
        if words.folded[i] == "ma" and words.tokens[i].raw not in _MA_TYPED:
            continue
        end = j
        clause = words.tokens[j - 1].clause
        while (
            end < len(words)
            and end - j < CODE_WORDS
            and words.tokens[end].clause == clause
            and words.folded[end] not in _CODE_STOP
            and not words.folded[end].isdigit()
        ):
            end += 1
        if end == j and j < len(words) and words.tokens[j].clause != clause:
            # "code word: sunflower" written after a break: take the next clause's first words
            clause = words.tokens[j].clause
            while end < len(words) and end - j < CODE_WORDS and words.tokens[end].clause == clause:
                end += 1
        if end > j:
            return words.original(j, end), set(range(i, end))
    return None


# "sáng mai tầm 10h" said back as "10h sáng mai": the hour first, as staff write it down.
_PART_FIRST = re.compile(
    r"^(?P<part>sáng|sang|trưa|trua|chiều|chieu|tối|toi|đêm|dem)\s+(?P<day>nay|mai)\s*,?\s*"
    r"(?:tầm|tam|khoảng|khoang|lúc|luc|vào|vao|cỡ|co)?\s*(?P<hour>\d{1,2}\s?(?:h|g|giờ|gio)"
    r"(?:\s?\d{1,2})?)$",
    re.IGNORECASE,
)


def time_said_back(typed: str) -> str:
    """The safe time as it is confirmed to the person: hour first when the words allow it,
    otherwise exactly as typed (never a guess)."""
    m = _PART_FIRST.match(typed.strip())
    if m is None:
        return typed.strip()
    return f"{m['hour']} {m['part']} {m['day']}"
