"""The reader's vocabulary, loaded once from ``lexicon.yaml`` and compiled into regexes.

Words live in a data file (one comment per entry) so that adding how people say something is a
one-line change reviewed like data, not code. Everything here is built at import: ``read`` does no
I/O and compiles nothing per message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")


def phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    """One alternation over whole words; longer phrases first so they win at the same place."""
    ordered = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(f"(?:{p})" for p in ordered)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


@dataclass(frozen=True)
class IntentWords:
    whole: frozenset[str]  # the message, without particles, is exactly one of these
    phrases: re.Pattern[str] | None  # or one of these occurs anywhere


@dataclass(frozen=True)
class Lexicon:
    teencode: dict[str, str]
    particles: frozenset[str]
    pronouns: frozenset[str]
    intents: dict[str, IntentWords]
    questions: dict[str, re.Pattern[str]]
    needs: dict[str, re.Pattern[str]]
    place_cues: frozenset[str]
    not_place: frozenset[str]
    who: dict[str, re.Pattern[str]]
    audiences: dict[str, re.Pattern[str]]
    lang_en: frozenset[str]
    lang_vi: frozenset[str]
    lang_neutral: frozenset[str]
    code_word: re.Pattern[str]
    time: re.Pattern[str]


def _words(items: list[object]) -> frozenset[str]:
    return frozenset(str(i).strip() for i in items)


@cache
def lexicon() -> Lexicon:
    """The compiled vocabulary (read once per process)."""
    # BaseLoader: every scalar stays a string ("yes", "no", "on" are words here, not booleans).
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # libyaml when present: 10x faster
    raw = yaml.load(LEXICON_PATH.read_text(encoding="utf-8"), Loader=loader)
    intents = {
        name: IntentWords(
            whole=_words(spec.get("whole", [])),
            phrases=phrase_regex(spec["phrases"]) if spec.get("phrases") else None,
        )
        for name, spec in raw["intents"].items()
    }
    lang = raw["language"]
    return Lexicon(
        teencode={str(k): str(v) for k, v in raw["teencode"].items()},
        particles=_words(raw["particles"]),
        pronouns=_words(raw["pronouns"]),
        intents=intents,
        questions={k: phrase_regex(v) for k, v in raw["questions"].items()},
        needs={k: phrase_regex(v) for k, v in raw["needs"].items()},
        place_cues=_words(raw["place_cues"]),
        not_place=_words(raw["not_place"]),
        who={k: phrase_regex(v) for k, v in raw["who"].items()},
        audiences={k: phrase_regex(v) for k, v in raw["audiences"].items()},
        lang_en=_words(lang["en"]),
        lang_vi=_words(lang["vi"]),
        lang_neutral=_words(lang["neutral"]),
        code_word=phrase_regex(raw["code_word_cues"]),
        time=phrase_regex(raw["time_phrases"]),
    )
