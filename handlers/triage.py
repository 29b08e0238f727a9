"""Crisis triage: does this message look like danger, and of which kinds?

Every free-text message passes here before the flow reads it (safety.md, "Triage"). The check is
deliberately tuned for recall: a missed emergency costs far more than a false alarm. It works on
folded text (no diacritics), expands teencode token by token, blanks out known false friends
("đánh rơi", "giết thời gian", "cười muốn chết"), and drops a match that a negation just before it
cancels ("không bị đánh"). Patterns that contain their own negation ("không thở được", "không cho
ra ngoài") are never cancelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge.text import fold


class Reason(StrEnum):
    VIOLENCE_NOW = "violence_now"
    WEAPON = "weapon"
    THREAT_TO_KILL = "threat_to_kill"
    STRANGULATION = "strangulation"
    SEXUAL_VIOLENCE = "sexual_violence"
    CONFINEMENT = "confinement_trafficking"
    SELF_HARM = "self_harm"
    CHILD_AT_RISK = "child_at_risk"
    INJURY = "injury"


class Level(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


TEENCODE: dict[str, str] = {
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "hok": "khong", "khum": "khong",
    "kg": "khong", "hong": "khong", "dc": "duoc", "dk": "duoc", "ck": "chong", "vk": "vo",
    "ny": "nguoi yeu", "nyc": "nguoi yeu cu", "e": "em", "a": "anh", "c": "chi", "cj": "chi",
    "j": "gi", "z": "vay", "v": "vay", "r": "roi", "h": "gio", "bh": "bay gio",
    "ntn": "nhu the nao", "vs": "voi", "dt": "dien thoai", "sdt": "so dien thoai", "mk": "minh",
    "t": "toi", "m": "may", "bme": "bo me", "ae": "anh em", "cuuu": "cuu", "plz": "please",
    "pls": "please", "ng": "nguoi", "ngta": "nguoi ta", "bn": "ban", "tr": "troi",
}

# Phrases whose danger words mean nothing dangerous. Matched on folded, teencode-expanded text.
FALSE_FRIENDS = [
    r"danh (roi|mat|may|rang|bai|gia|thuc|dau|so|cau long|bong|co|van|tieng|sach|hieu|nhan"
    r"|thiep|ba|tinh|du|nghia|phan|bac|tennis|dan|trong|son|golf|chu|cap|lua|thue)",
    r"giet (thoi gian|thi gio)",
    r"(met|cuoi|chan|nong|lanh|doi|buon ngu|dep|so|ngai|buon cuoi|vui) (muon )?chet( di)?( duoc)?",
    r"chet (cuoi|me|that|thiet|roi|tiet)",
    r"dao (nay|truoc|gan day|choi|pho|quanh|mot vong)",
    r"(di|tan|den) dao",
    r"sung (suong|sot|bai|bai)",
    r"bua (com|an|sang|trua|toi|nay|truoc|kia|tiec|qua|mai)",
    r"giam (can|gia|doc|bot|dan|thieu|sat|mo|thue|toc do|hoc phi)",
    r"(hot|ban|xa|bo) gai",
    r"ban (hang|do|nha|xe|dat|online|le|si|buon|quan ao|chay)",
    r"(cat|uon|nhuom) toc",
    r"nghet (xe|duong|mui)",
    r"killing (time|it)",
    r"kill (time|it)",
]

# Not "no": "nó" (he/she/it) folds to it.
NEGATORS = {"khong", "chua", "chang", "cha", "not", "never", "nobody", "het", "dont", "didn"}

# category -> (patterns, negatable)
PATTERNS: dict[Reason, tuple[list[str], bool]] = {
    Reason.VIOLENCE_NOW: (
        [
            r"danh", r"dap", r"tat", r"dam", r"xo (nga|toi|em)", r"keo toc", r"nem (do|ghe|chen)",
            r"hanh hung", r"bao hanh", r"bao luc", r"dang bi", r"cuu( toi| em| chi| voi| con)",
            r"^cuu$", r"giup (toi|em|chi|minh|con)? ?voi", r"nguy hiem", r"so qua",
            r"bi (danh|dap|tat|dam|hanh ha)", r"hanh ha", r"dap pha", r"hits?", r"hitting",
            r"beat(ing|s)?( me)?", r"hurt(ing)? me", r"attack(ing|ed)?", r"abus(e|ing|ed)",
            r"help me", r"sos", r"danger", r"in danger", r"punch(ed|ing)?", r"kick(ed|ing)?",
            r"slap(ped|ping)?",
        ],
        True,
    ),
    Reason.WEAPON: (
        [
            r"dao", r"kiem", r"sung", r"riu", r"bua", r"ma tau", r"axit", r"acid", r"kim tiem",
            r"cam gay", r"vac gay", r"knife", r"gun", r"weapon", r"axe", r"machete", r"xang",
        ],
        True,
    ),
    Reason.THREAT_TO_KILL: (
        [
            r"giet", r"doa giet", r"chem", r"cho (may|tao|em|toi|chi|me|con|ca nha)? ?chet",
            r"se chet", r"bat chet", r"thieu song", r"dot (nha|chet)", r"kill(ing)?\b(?! myself)",
            r"murder", r"threat(en|ened|ening)? to kill",
        ],
        True,
    ),
    Reason.STRANGULATION: (
        [
            r"bop co", r"siet co", r"boc co", r"tay vao co", r"nghet tho", r"ngat tho",
            r"khong tho duoc", r"choke(d|s)?", r"choking", r"strangl(e|ed|ing)",
            r"can ?t breathe",
        ],
        False,
    ),
    Reason.SEXUAL_VIOLENCE: (
        [
            r"hiep dam", r"cuong hiep", r"xam hai", r"cuong buc", r"ep (.{0,20})quan he",
            r"ep (.{0,20})lam tinh", r"so mo", r"quay roi tinh duc", r"dam o", r"rape(d)?",
            r"sexual(ly)? (abuse|assault)", r"molest(ed|ing)?", r"lam nhuc",
        ],
        True,
    ),
    Reason.CONFINEMENT: (
        [
            r"nhot", r"giam", r"khoa cua", r"khoa trong",
            r"khong (cho|de) (em|toi|chi|minh|con|co ay|ai|ban|me|vo)? ?"
            r"(ra|ve|di|gap|lien lac|dung dien thoai)",
            r"bi ban", r"ban (sang|qua) (trung quoc|campuchia|lao|thai|nuoc ngoai|bien gioi)",
            r"lua (sang|qua|ban|di)", r"mua ban nguoi", r"buon nguoi", r"ep lam gai",
            r"ep ban dam", r"ep (lay chong|cuoi|ket hon)", r"giu (giay to|ho chieu|cccd|cmnd)",
            r"tich thu", r"trapped", r"locked (in|up)", r"traffick(ed|ing)", r"sold( me)?",
            r"can ?t leave", r"not allowed to leave", r"took my passport",
            r"held (captive|against)",
        ],
        False,
    ),
    Reason.SELF_HARM: (
        [
            r"tu tu", r"tu sat", r"muon chet", r"khong muon song", r"chan song", r"ket lieu",
            r"tu ket lieu", r"cat tay", r"nhay (cau|lau|song)", r"uong thuoc (chuot|tru sau)",
            r"suicid(e|al)", r"kill myself", r"end my life", r"want to die",
        ],
        True,
    ),
    Reason.INJURY: (
        [
            r"chay mau", r"mau chay", r"gay (xuong|tay|chan|rang|mui)", r"bat tinh", r"ngat xiu",
            r"bi bong", r"vet thuong", r"thuong nang", r"bi thuong", r"bam tim", r"sung vu",
            r"bleed(ing)?", r"broken (bone|arm|leg|nose)", r"unconscious", r"injur(ed|y)",
        ],
        True,
    ),
}

CHILD_WORDS = re.compile(
    r"\b(con (toi|em|minh|chi|gai|trai|nho|be)|be|chau|tre|tre em|dua nho|hoc sinh|child|kid"
    r"|kids|son|daughter|baby|girl|boy|minor|em be)\b"
)
CHILD_DIRECT = re.compile(r"\b(danh|dap|tat|xam hai|hanh ha|bao hanh) (con|be|chau|tre)\b")
HARM_TO_OTHERS = {
    Reason.VIOLENCE_NOW, Reason.WEAPON, Reason.THREAT_TO_KILL, Reason.STRANGULATION,
    Reason.SEXUAL_VIOLENCE, Reason.CONFINEMENT, Reason.INJURY,
}

_FALSE = re.compile(r"\b(" + "|".join(FALSE_FRIENDS) + r")\b")
_COMPILED = {
    reason: ([re.compile(r"\b" + p + r"\b") for p in patterns], negatable)
    for reason, (patterns, negatable) in PATTERNS.items()
}
_REPEATS = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True)
class TriageResult:
    level: Level
    reasons: list[Reason] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return self.level is Level.URGENT

    def public(self, text: str) -> dict[str, object]:
        reasons = [r.value for r in self.reasons]
        return {"input": text, "level": self.level.value, "reasons": reasons}


def normalise(text: str) -> str:
    """Folded, with stretched letters shortened and teencode expanded (whole tokens only)."""
    folded = _REPEATS.sub(r"\1\1", fold(text))
    return " ".join(TEENCODE.get(word, word) for word in folded.split())


def _negated(text: str, start: int) -> bool:
    before = text[:start].split()[-3:]
    return any(word in NEGATORS for word in before)


def triage(text: str) -> TriageResult:
    """Classify one message. Empty or non-text input is routine."""
    norm = normalise(text[:5000])
    if not norm:
        return TriageResult(Level.ROUTINE)
    cleaned = _FALSE.sub(lambda m: " " + "_" * (len(m.group(0)) - 2) + " ", norm)
    found: list[Reason] = []
    for reason, (patterns, negatable) in _COMPILED.items():
        for pattern in patterns:
            if any(not (negatable and _negated(cleaned, m.start())) for m in
                   pattern.finditer(cleaned)):
                found.append(reason)
                break
    if CHILD_DIRECT.search(cleaned) or (
        HARM_TO_OTHERS.intersection(found) and CHILD_WORDS.search(cleaned)
    ):
        found.append(Reason.CHILD_AT_RISK)
    if found:
        return TriageResult(Level.URGENT, found)
    return TriageResult(Level.ROUTINE)
