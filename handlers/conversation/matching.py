"""Options matched by meaning: a menu number, the label, an intent, or the option's key words.

People answer menus in words, teencode and English, and on the Zalo Bot platform every menu is
answered by typing. So "ko", "hok", "k" are a no, "uk", "ừ", "co" a yes, "tôi an toàn" picks
"I am safe", "trên 18" picks adult, and "tối" picks the evening. Matching is on folded text
(no diacritics, lower case) and on whole words, so "co" never matches inside "con".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from handlers.conversation.options import Answer, Kind, OptionId
from handlers.understanding import AgeBand, Intent, Reading, Who
from knowledge.text import fold

YES = Intent.YES
NO = Intent.NO

# Intents that pick an option wherever that option is offered.
BY_INTENT: dict[Intent, tuple[str, ...]] = {
    Intent.YES: ("yes", "consent:yes", "relay:yes", "ans:yes"),
    # At the greeting ("are you in danger now?") a plain "no" means safe, needing support.
    Intent.NO: ("no", "consent:no", "relay:no", "ans:no", "age-skip", "skip", "support"),
    # Where a question has no skip button, skipping is the answer that commits to least.
    Intent.SKIP: ("skip", "skip-screen", "age-skip", "no-place", "ans:unsure", "none",
                  "relay:unsure", "consent:no", "no", "time:any", "way:chat"),
    Intent.SAFE: ("support", "relay:no"),
    Intent.NOT_SAFE_TO_TALK: ("unsafe", "consent:unsafe"),
    Intent.WANTS_HUMAN: ("talk", "yes"),
    Intent.THANKS: ("done",),
    Intent.LANG_EN: ("lang",),
}

# Key words of each option (folded; whole words or phrases), Vietnamese, teencode and English.
KEY_WORDS: dict[str, tuple[str, ...]] = {
    "danger": ("nguy hiem", "dang gap nguy", "in danger", "danger", "cuu"),
    "support": ("an toan", "can ho tro", "can giup", "i am safe", "im safe", "i'm safe", "safe",
                "ho tro", "support", "need help", "giup do"),
    "other": ("nguoi khac", "giup ban", "hoi giup", "ban toi", "ban em", "ban minh", "hang xom",
              "someone else", "a friend", "my friend", "for a friend", "neighbour", "neighbor"),
    "unsafe": ("khong an toan", "ko an toan", "k an toan", "not safe", "unsafe"),
    "lang": ("english", "tieng anh"),
    "under18": ("duoi 18", "chua du 18", "under 18", "tre em", "hoc sinh", "minor"),
    "adult": ("tren 18", "tu 18", "du 18", "over 18", "nguoi lon", "adult", "18+"),
    "age-skip": ("khong muon noi", "ko muon noi", "rather not", "bi mat"),
    "no-place": ("khong muon noi", "ko muon noi", "rather not", "khong muon tiet lo"),
    "talk": ("nhan vien", "nguoi that", "noi chuyen", "tu van vien", "talk", "staff", "a person",
             "someone"),
    "screen": ("cau hoi", "an toan cua toi", "questions", "safety questions"),
    "more": ("them", "xem them", "them nua", "con nua", "chi tiet", "dia chi", "more",
             "show more", "see more", "details", "address"),
    "another": ("noi khac", "cho khac", "tinh khac", "another place", "somewhere else",
                "other place"),
    "done": ("xong", "xong roi", "het roi", "the thoi", "done", "finished", "bye", "tam biet"),
    "none": ("khong phai", "ko phai", "none of these", "not these"),
    "skip": ("bo qua", "skip", "khong can", "ko can", "thoi"),
    "skip-screen": ("bo qua", "skip", "thoi", "khong tra loi", "ko tra loi"),
    "way:chat": ("nhan tin", "nhan o day", "chat", "text", "message", "tin nhan", "zalo"),
    "way:call": ("goi dien", "goi cho", "goi", "call", "phone", "dien thoai"),
    "time:now": ("ngay bay gio", "bay gio", "luon", "ngay", "now", "right now", "asap"),
    "time:morning": ("buoi sang", "sang", "morning"),
    "time:afternoon": ("buoi chieu", "chieu", "trua", "afternoon", "noon"),
    "time:evening": ("buoi toi", "toi", "dem", "evening", "night", "tonight"),
    "time:any": ("luc nao cung", "luc nao cung duoc", "bat cu luc nao", "gio nao cung",
                 "anytime", "any time", "whenever"),
    "ans:unsure": ("khong chac", "ko chac", "k chac", "khong biet", "ko biet", "k biet",
                   "chac vay", "not sure", "unsure", "maybe", "co the"),
    "relay:unsure": ("khong biet", "ko biet", "k biet", "khong ro", "ko ro", "not sure",
                     "don't know", "dont know", "unsure"),
    "relay:yes": ("dang nguy hiem", "dang bi danh", "right now", "in danger"),
    "relay:no": ("khong nguy hiem", "ko nguy hiem", "not in danger", "can ho tro"),
    "consent:yes": ("dong y", "da dong y", "roi", "agreed", "they agreed", "she agreed"),
    "consent:no": ("chua", "chua hoi", "not yet", "no"),
    "consent:unsafe": ("khong an toan", "ko an toan", "not safe", "khong the hoi", "cant ask",
                       "can't ask"),
}

LEAD_NO = frozenset({"khong", "ko", "k", "kh", "hok", "khum", "hong", "kg", "no", "nope", "chua"})
LEAD_YES = frozenset({"co", "u", "uk", "um", "uh", "vang", "da", "yes", "yeah", "yep", "ok",
                      "oke", "okay", "dung", "roi", "duoc", "dc", "sure"})

_WORD_CACHE: dict[str, re.Pattern[str]] = {}


NEGATIONS = frozenset({"khong", "ko", "k", "kh", "hok", "khum", "chua", "chang", "not", "no",
                       "never", "dont", "don"})


def _has(text: str, phrase: str) -> bool:
    """The phrase as whole words, not negated just before ("mình ko gặp nguy hiểm gì" does not
    pick "in danger"; "ko an toàn" is a phrase of its own)."""
    pattern = _WORD_CACHE.get(phrase)
    if pattern is None:
        pattern = re.compile(rf"(?<![\w]){re.escape(phrase)}(?![\w])")
        _WORD_CACHE[phrase] = pattern
    for found in pattern.finditer(text):
        before = text[:found.start()].split()[-3:]  # "not in immediate danger"
        if not NEGATIONS.intersection(before):
            return True
    return False


def match(reading: Reading, offered: Sequence[str], labels: dict[str, str]) -> OptionId | None:
    """The offered option this message picks, or None. ``labels`` maps ids to shown labels."""
    if not offered:
        return None
    if reading.option_number is not None:
        index = reading.option_number - 1
        return OptionId.parse(offered[index]) if 0 <= index < len(offered) else None
    folded = fold(reading.text[:300]).strip(" .!?,")
    if not folded:
        return None
    for wire in offered:  # the id itself (Zalo OA taps) or the exact label
        if folded == fold(wire) or folded == fold(labels.get(wire, "")):
            return OptionId.parse(wire)
    found = _by_facts(reading, offered)
    if found is not None:
        return found
    intents = set(reading.intents)
    lead = folded.replace(",", " ").split()[0] if folded.split() else ""
    if lead in LEAD_NO and Intent.YES not in intents:
        intents.add(Intent.NO)  # "ko, bay gio thi ko", "chua hoi"
    elif lead in LEAD_YES and Intent.NO not in intents:
        intents.add(Intent.YES)  # "uk, ...", "vang a", "co chu"
    for intent in sorted(intents):
        for wire in BY_INTENT.get(intent, ()):
            if wire in offered:
                return OptionId.parse(wire)
    best: tuple[int, str] | None = None
    short = len(folded.split()) <= 4  # "thêm" is "more" alone, not in "hỏi thêm về luật"
    for wire in offered:
        for phrase in KEY_WORDS.get(wire, ()):
            if wire == "more" and not short:
                continue
            if _has(folded, phrase) and (best is None or len(phrase) > best[0]):
                best = (len(phrase), wire)
    if best is not None:
        return OptionId.parse(best[1])
    return None


def _by_facts(reading: Reading, offered: Sequence[str]) -> OptionId | None:
    """Facts the reader found that answer the question: an age, a need, who is writing."""
    if reading.age_band is not None or reading.age is not None:
        child = reading.age_band is AgeBand.CHILD or (reading.age is not None and reading.age < 18)
        wire = "under18" if child else "adult"
        if wire in offered:
            return OptionId.parse(wire)
    for need in reading.needs:
        if f"need:{need.value}" in offered:
            return OptionId.parse(f"need:{need.value}")
    if reading.who is not Who.SELF and "other" in offered:
        return OptionId(Kind.OTHER)
    return None


def consents(reading: Reading) -> bool:
    """The message says the person agreed ("em ấy đồng ý", "she agreed"), whatever was asked."""
    folded = fold(reading.text[:300])
    return any(_has(folded, phrase) for phrase in KEY_WORDS["consent:yes"] if phrase != "roi")


def relay_answer(option: OptionId) -> Answer | None:
    return option.value if isinstance(option.value, Answer) else None
