"""Who the help is for: an age, a child or an old person, a man, a disability; and who is writing.

Ages come as "em 14 tuổi", "14t", "30t", "U60", "I'm 15", "bà cụ 70 tuổi"; a school class ("hs lớp
3", "học lớp 8") means a child without giving an age. An age said of someone else's child ("bé nhà
em 5 tuổi") marks a child in the story; when the writer also gives their own age ("em 30t, con 5
tuổi") the writer's age is the one kept. An adult's "con trai" (son) is not a child by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.understanding.lexicon import Lexicon
from handlers.understanding.words import Words

ADULT_AGE = 18
ELDERLY_AGE = 60  # the reader's threshold for "elderly" cards; no legal claim is made on it

_AGE = re.compile(
    r"(?<![a-z0-9])(\d{1,2}) ?(?:tuoi|t|yo|y o|years? old|year old)(?![a-z0-9])"
)
_AGE_EN = re.compile(r"(?<![a-z0-9])(?:i m|i am|im|aged?|age) (\d{1,2})(?![a-z0-9])")
_U_AGE = re.compile(r"(?<![a-z0-9])u ?([1-9]\d)(?![a-z0-9])")
_GRADE = re.compile(r"(?<![a-z0-9])(?:hoc sinh |hoc |dang hoc |)lop ([1-9]|1[0-2])(?![a-z0-9])")
_ADULT = re.compile(
    r"(?<![a-z0-9])(?:tren|qua|du|hon|ngoai|over|above) ?18( tuoi| t)?(?![a-z0-9])"
    r"|(?<![a-z0-9])(?:sinh vien|nguoi lon|truong thanh|adult|grown up)(?![a-z0-9])"
)
_MINOR = re.compile(r"(?<![a-z0-9])(?:duoi|chua du|chua toi|under|below) ?18(?![a-z0-9])")
_ELDERLY_WORDS = re.compile(
    r"(?<![a-z0-9])(?:ba cu|ong cu|cu ba|cu ong|nguoi gia|cao tuoi|nguoi cao tuoi|gia yeu"
    r"|elderly|old (?:man|woman|lady|person|people))(?![a-z0-9])"
)
# Words just before an age that say it is someone else's child.
_CHILD_SUBJECTS = frozenset(
    "be con chau dua nho tre em_be con_gai con_trai baby son daughter kid child".split()
)


class Band(StrEnum):
    CHILD = "child"
    ADULT = "adult"
    ELDERLY = "elderly"


@dataclass(frozen=True)
class People:
    age: int | None
    band: Band | None
    children: bool  # a child is in the story (writer or someone the writer speaks of)
    child_writer: bool  # the writer or the person at risk is a child
    men: bool
    elderly: bool
    disability: bool


def _band(age: int) -> Band:
    if age < ADULT_AGE:
        return Band.CHILD
    return Band.ELDERLY if age >= ELDERLY_AGE else Band.ADULT


def _is_child_subject(before: str) -> bool:
    parts = before.split()
    pairs = {"_".join(parts[k : k + 2]) for k in range(len(parts) - 1)}
    return bool(set(parts) & _CHILD_SUBJECTS - {"chau"} or pairs & _CHILD_SUBJECTS) or (
        "chau" in parts and parts[-1] != "chau"  # "cháu tôi 5 tuổi"; "cháu 12 tuổi" is the writer
    )


def read_people(words: Words, lex: Lexicon) -> People:
    norm = words.norm
    own: list[int] = []
    others: list[int] = []
    previous_child_end = -1
    for m in _AGE.finditer(norm):
        before = " ".join(norm[: m.start()].split()[-3:])
        # "2 con nhỏ 3 tuổi và 6 tuổi": an age listed right after a child's age is a child's too
        listed = previous_child_end >= 0 and norm[previous_child_end:m.start()].split() in (
            [], ["va"], ["voi"], ["and"], ["hai"], ["va", "be"], ["va", "dua"])
        if listed or _is_child_subject(before):
            others.append(int(m.group(1)))
            previous_child_end = m.end()
        else:
            own.append(int(m.group(1)))
            previous_child_end = -1
    for m in _AGE_EN.finditer(norm):
        own.append(int(m.group(1)))
    for m in _U_AGE.finditer(norm):
        own.append(int(m.group(1)))
    age = own[0] if own else (others[0] if others else None)
    band = _band(age) if age is not None else None
    # Only the writer's own age (or a grade, "dưới 18") says the writer is a child; "có 2 con
    # nhỏ 3 tuổi" is a child in the story, not a child writing.
    writer_child = bool(own) and band is Band.CHILD
    grade = _GRADE.search(norm)
    professional = lex.who["professional"].search(norm) is not None
    if band is None:
        if grade or _MINOR.search(norm):
            band = Band.CHILD
            writer_child = True
        elif _ELDERLY_WORDS.search(norm):
            band = Band.ELDERLY
        elif _ADULT.search(norm):
            band = Band.ADULT
        elif re.search(r"(?<![a-z0-9])hoc sinh(?![a-z0-9])", norm) and not professional:
            band = Band.CHILD
            writer_child = True
    children = (
        band is Band.CHILD
        or any(a < ADULT_AGE for a in others)
        or lex.audiences["children"].search(norm) is not None
    )
    elderly = band is Band.ELDERLY or _ELDERLY_WORDS.search(norm) is not None
    return People(
        age=age,
        band=band,
        children=children,
        child_writer=writer_child,
        men=lex.audiences["men"].search(norm) is not None,
        elderly=elderly or lex.audiences["elderly"].search(norm) is not None,
        disability=lex.audiences["disability"].search(norm) is not None,
    )
