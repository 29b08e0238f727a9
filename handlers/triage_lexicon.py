"""The triage lexicon (``triage_lexicon.yaml``) and the Vietnamese-aware phrase matcher.

The lexicon is reviewed data, the matcher is code. Matching respects how people type:

- A word typed WITH diacritics is compared with its diacritics, so "kiểm tra" never reads as
  "kiếm" (sword) and "Đảo" never as "dao" (knife). A word typed WITHOUT them is compared folded,
  because "ck e dang danh e" is how a frightened person types on a phone.
- Pattern words written ``=word`` only match when typed with diacritics: single syllables that
  are hopelessly ambiguous once folded ("kiem" = kiểm/kiếm/kiềm). Without diacritics, the
  multi-word phrases of the lexicon carry the meaning instead.
- Teencode and stretched letters ("cuuuu", "emmm") are normalised token by token.
- Masks (idioms, everyday compounds, place names) are matched first; a cue that touches a masked
  token does not count, so "đánh răng", "giết thời gian" and "Hoàn Kiếm" stay quiet.

Pattern syntax (one line per entry in the YAML): words separated by spaces; ``a|b`` is a choice in
one slot and ``_`` joins words inside a choice (``say|say_rượu``); ``~`` skips up to three words
and ``~~`` up to six (inside one clause); ``<n>`` is any number; ``^`` and ``$`` anchor the match
to the start or end of its clause.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import product
from typing import Any

import yaml

from knowledge.text import fold

_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "ɗ": "đ", "’": "'", "`": "'"})
# Old and new tone placement in open syllables: "hoà" and "hòa" are one word.
_OLD_TONES = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_OLD_TONE_END = re.compile("(" + "|".join(_OLD_TONES) + ")$")
_WORD = re.compile(r"[^\W_]+|[\U0001F000-\U0001FAFF\u2600-\u27BF]")
# Clause boundaries: punctuation, line breaks and the conjunctions that start a new thought.
_CLAUSE_PUNCT = re.compile(r"[.,;:!?…\n\r()\[\]/]+")
_RUN = re.compile(r"(.)\1+")
MAX_GAP = {"~": 3, "~~": 6}


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """``fold`` of one word, cached (people reuse words; folding is costly). Folding a text
    word by word and joining the non-empty results with spaces equals folding it whole."""
    return fold(word)


@lru_cache(maxsize=65536)
def _marks(word: str) -> bool:
    """True when the word carries a tone or vowel mark (đ alone does not count: many people
    type "đ" out of habit but no tones)."""
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", word))


@lru_cache(maxsize=65536)
def canon(word: str) -> str:
    """NFC, lower case, look-alike letters fixed, new-style tone placement."""
    word = unicodedata.normalize("NFC", word).translate(_LOOKALIKES).lower()
    return _OLD_TONE_END.sub(lambda m: _OLD_TONES[m.group(1)], word)


@dataclass(slots=True)
class Token:
    """One typed word: the forms it may stand for (as typed, and with stretched letters
    shortened), whether it was typed with diacritics, and which clause it is in.

    Not frozen, though nothing changes a token once made: a message makes one per word, and a
    frozen dataclass costs four times as much to build (triage speed, benchmarks §6)."""

    raws: frozenset[str]
    folds: frozenset[str]
    marked: bool
    clause: int
    number: int | None = None
    capital: bool = False  # typed with a capital letter (a name, after "thôn", "phố"...)
    typed: str = ""  # the word as typed (lower case), on the first token it made; else ""


@dataclass(frozen=True, slots=True)
class Word:
    raw: str
    folded: str
    strict: bool  # only with diacritics

    def matches(self, token: Token, exact: bool = False) -> bool:
        if self.raw == NUMBER:
            return token.number is not None
        if token.marked or exact:
            return self.raw in token.raws
        return not self.strict and self.folded in token.folds


@dataclass(frozen=True, slots=True)
class Gap:
    most: int


# One slot: a choice among word sequences ("say|say_rượu" is ("say",) or ("say", "rượu")).
Slot = tuple[tuple[Word, ...], ...] | Gap
NUMBER = "<n>"


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    slots: tuple[Slot, ...]
    tag: str = ""  # what the pattern stands for (a Reason value, a frame name, "mask" ...)
    at_start: bool = False  # "^": the match begins its clause
    at_end: bool = False  # "$": the match ends its clause
    # Per word slot, the folded first words of its choices: a pattern is tried only when every
    # slot has one of them somewhere in the message (a cheap test that skips most patterns).
    needs: tuple[frozenset[str], ...] = ()
    # Per slot, for speed: the one-word choices as (spellings, folded forms of non-strict words)
    # and the multi-word choices; None for a gap.
    quick: tuple[tuple[frozenset[str], frozenset[str], tuple[tuple[Word, ...], ...],
                       frozenset[str]] | None, ...] = ()

    def firsts(self) -> tuple[Word, ...]:
        first = self.slots[0]
        assert not isinstance(first, Gap), self.text
        return tuple(seq[0] for seq in first)

    def words(self) -> list[Word]:
        return [w for slot in self.slots if not isinstance(slot, Gap) for seq in slot
                for w in seq]


def _word(text: str) -> Word:
    strict = text.startswith("=")
    raw = canon(text.lstrip("="))
    return Word(raw, raw if raw == NUMBER else fold(raw), strict)


def compile_pattern(text: str, tag: str = "") -> Pattern:
    parts = text.split()
    at_start = bool(parts) and parts[0] == "^"
    at_end = bool(parts) and parts[-1] == "$"
    parts = parts[1 if at_start else 0: len(parts) - (1 if at_end else 0)]
    slots: list[Slot] = []
    for part in parts:
        if part in MAX_GAP:
            slots.append(Gap(MAX_GAP[part]))
            continue
        slots.append(tuple(tuple(_word(w) for w in alt.split("_") if w)
                           for alt in part.split("|") if alt))
    if not slots or isinstance(slots[0], Gap) or isinstance(slots[-1], Gap):
        raise ValueError(f"bad triage pattern: {text!r}")
    needs = tuple(frozenset(seq[0].folded for seq in slot) for slot in slots
                  if not isinstance(slot, Gap))
    quick = tuple(
        None if isinstance(slot, Gap) else (
            frozenset(seq[0].raw for seq in slot if len(seq) == 1),
            frozenset(seq[0].folded for seq in slot if len(seq) == 1 and not seq[0].strict),
            tuple(seq for seq in slot if len(seq) > 1),
            frozenset(key for seq in slot if len(seq) > 1
                      for key in (seq[0].raw, seq[0].folded)),
        )
        for slot in slots
    )
    return Pattern(text, tuple(slots), tag, at_start, at_end, needs, quick)


@dataclass(frozen=True, slots=True)
class Match:
    pattern: Pattern
    start: int
    end: int  # exclusive
    positions: tuple[int, ...]  # tokens the words matched (gaps excluded)


class PatternSet:
    """A named group of patterns (the cues, the masks...). Matching runs through a ``Scanner``
    that holds many sets in one index, so a message is read once for all of them."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns

    def find(self, tokens: list[Token], exact: bool = False) -> list[Match]:
        """Every match of this set alone (tests and tools; triage uses a Scanner)."""
        return Scanner([self]).scan(tokens, exact).get(self, [])


class Scanner:
    """Patterns of several sets, matched against a message in one pass.

    Every pattern is read as the word sequences it stands for (one per combination of choices,
    each ranked in the order ``_match_at`` tries them): they live in a trie keyed by folded
    words, then by spelling, and one walk from each token finds every one that matches there,
    checking spelling and diacritics word by word on the way (thousands of place names cost
    about what a handful would). A pattern with gaps is cut at its gaps; the walk finds its
    parts, and ``_Gapped`` joins them the way ``_match_at`` would. A pattern with too many
    combinations to list falls back to an index under the rarest of its words.
    tests/test_triage_matcher.py checks all of this against ``_match_at`` tried everywhere."""

    def __init__(self, sets: list[PatternSet]) -> None:
        self._trie: _Trie = {}
        # The rest, under each folded word of their rarest slot, with their other slots.
        self._index: dict[str, list[tuple[Pattern, PatternSet, tuple[frozenset[str], ...]]]] = {}
        rest: list[tuple[Pattern, PatternSet]] = []
        building: _Building = {}

        for group in sets:
            for pattern in group.patterns:
                gapped = _Gapped.of(pattern, group)
                if gapped is not None:
                    for part in gapped.parts:
                        for words, rank in part.sequences:
                            _branch(building, words).parts.append((part, rank))
                    continue
                sequences = _sequences(pattern.slots)
                if sequences is None:
                    rest.append((pattern, group))
                    continue
                for words, rank in sequences:
                    _branch(building, words).ends.append(
                        (pattern, group, rank if len(sequences) > 1 else None))
        self._trie = _finish(building)
        frequency: dict[str, int] = {}
        for pattern, _ in rest:
            for need in pattern.needs:
                for key in need:
                    frequency[key] = frequency.get(key, 0) + 1
        for pattern, group in rest:
            anchor = min(pattern.needs, key=lambda need: sum(frequency[k] for k in need))
            others = tuple(need for need in pattern.needs if need is not anchor)
            for key in anchor:
                self._index.setdefault(key, []).append((pattern, group, others))

    def scan(self, tokens: list[Token], exact: bool = False) -> dict[PatternSet, list[Match]]:
        """Every match, by set. ``exact``: words typed without diacritics are taken as spelled
        (for masks and frames in a message typed with diacritics, where "tung" is not
        "tùng")."""
        found: dict[PatternSet, list[Match]] = {}
        parts: _PartsFound = {}
        self._walk(tokens, exact, found, parts)
        for part in parts:
            if part.leads is not None:  # the first part of a pattern with gaps: try it
                part.leads.find(tokens, parts, found)
        if not self._index:
            for matches in found.values():
                matches.sort(key=lambda m: (m.start, m.end))
            return found
        where: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            for key in token.folds:
                where.setdefault(key, []).append(i)
            if token.number is not None:
                where.setdefault(NUMBER, []).append(i)
        present = frozenset(where)
        tried: set[int] = set()
        for key in where:
            for pattern, group, others in self._index.get(key, ()):
                if id(pattern) in tried:
                    continue
                tried.add(id(pattern))
                if any(need.isdisjoint(present) for need in others):
                    continue
                for i in sorted({i for k in pattern.needs[0] for i in where.get(k, ())}):
                    self._try(pattern, group, tokens, i, exact, found)
        for matches in found.values():
            matches.sort(key=lambda m: (m.start, m.end))
        return found

    def _walk(self, tokens: list[Token], exact: bool, found: dict[PatternSet, list[Match]],
              parts: _PartsFound) -> None:
        """The patterns without gaps, from every token on, inside its clause: a word matches a
        token typed with diacritics (or any token when ``exact``) by its spelling, and one typed
        without them by its folded form unless the word is ``=strict``; ``<n>`` any number.
        Where several of a pattern's sequences match at one token, the one that comes first in
        the pattern's own order wins, as in ``_match_at``'s search."""
        count = len(tokens)
        begun: set[_Gapped] = set()  # patterns with gaps whose first part was found
        steps = [(token.clause, token.marked or exact, token.raws,
                  token.folds if token.number is None else (*token.folds, NUMBER),
                  j + 1 == count or tokens[j + 1].clause != token.clause)
                 for j, token in enumerate(tokens)]
        for i in range(count):
            clause = steps[i][0]
            starts_clause = i == 0 or steps[i - 1][0] != clause
            best: dict[int, tuple[tuple[int, ...], Pattern, PatternSet, int]] = {}
            level = [self._trie]
            j = i
            while level and j < count:
                at, spelled, raws, keys, ends_clause = steps[j]
                if at != clause:
                    break
                deeper = []
                for node in level:
                    for key in keys:
                        spellings = node.get(key)
                        if spellings is None:
                            continue
                        if spelled and key != NUMBER:
                            hits: tuple[_Branch, ...] = ()
                            for raw in raws:
                                hits += spellings.by_raw.get(raw, ())
                        else:
                            hits = spellings.loose
                        for branch in hits:
                            for pattern, group, rank in branch.ends:
                                if (pattern.at_start and not starts_clause) or (
                                        pattern.at_end and not ends_clause):
                                    continue
                                if rank is None:
                                    found.setdefault(group, []).append(
                                        Match(pattern, i, j + 1, tuple(range(i, j + 1))))
                                    continue
                                held = best.get(id(pattern))
                                if held is None or rank < held[0]:
                                    best[id(pattern)] = (rank, pattern, group, j + 1)
                            for part, rank in branch.parts:
                                # A later part counts only after its pattern's first part
                                # (starts are walked in order, and parts follow each other).
                                if part.leads is not None:
                                    begun.add(part.leads)
                                elif part.owner not in begun:
                                    continue
                                parts.setdefault(part, {}).setdefault(i, []).append(
                                    (rank, j + 1))
                            if branch.children:
                                deeper.append(branch.children)
                level = deeper
                j += 1
            for _, pattern, group, end in best.values():
                found.setdefault(group, []).append(Match(pattern, i, end, tuple(range(i, end))))

    @staticmethod
    def _try(pattern: Pattern, group: PatternSet, tokens: list[Token], i: int, exact: bool,
             found: dict[PatternSet, list[Match]]) -> None:
        clause = tokens[i].clause
        if pattern.at_start and i > 0 and tokens[i - 1].clause == clause:
            return
        positions = _match_at(pattern, 0, tokens, i, clause, exact)
        if positions is not None:
            found.setdefault(group, []).append(Match(pattern, i, positions[-1] + 1, positions))


class _Branch:
    """One spelling of one word in the trie: the patterns whose sequence ends here (with the
    sequence's rank among the pattern's own, or None when it has only one), and the words that
    may follow."""

    __slots__ = ("building", "children", "ends", "parts")

    def __init__(self) -> None:
        self.building: _Building = {}
        self.children: _Trie = {}
        self.ends: list[tuple[Pattern, PatternSet, tuple[int, ...] | None]] = []
        self.parts: list[tuple[_Part, tuple[int, ...]]] = []  # a gap-free part of a pattern


class _Part:
    """The words between two gaps of a pattern with gaps ("bóp|siết ~ cổ": "bóp|siết", "cổ"),
    as sequences with their ranks; the trie walk finds every place each one matches."""

    __slots__ = ("leads", "owner", "sequences")

    def __init__(self, sequences: list[tuple[tuple[Word, ...], tuple[int, ...]]]) -> None:
        self.sequences = sequences
        self.leads: _Gapped | None = None  # the pattern, when this is its first part
        self.owner: _Gapped | None = None  # the pattern it is a part of


# Per part: start token -> (rank, end) of every sequence of the part matching there.
_PartsFound = dict[_Part, dict[int, list[tuple[tuple[int, ...], int]]]]


class _Gapped:
    """A pattern with gaps, matched from the matches of its parts: the same search as
    ``_match_at`` (each part's sequences in rank order, then each gap shortest first; the
    first that reaches the end wins), on what the trie walk already found."""

    __slots__ = ("gaps", "group", "parts", "pattern")

    def __init__(self, pattern: Pattern, group: PatternSet, parts: list[_Part],
                 gaps: list[int]) -> None:
        self.pattern, self.group, self.parts, self.gaps = pattern, group, parts, gaps

    @classmethod
    def of(cls, pattern: Pattern, group: PatternSet) -> _Gapped | None:
        """None for a pattern without gaps, or with a part of too many sequences to list."""
        if not any(isinstance(slot, Gap) for slot in pattern.slots):
            return None
        parts: list[_Part] = []
        gaps: list[int] = []
        run: list[Slot] = []
        for slot in (*pattern.slots, Gap(0)):
            if not isinstance(slot, Gap):
                run.append(slot)
                continue
            sequences = _sequences(tuple(run))
            if sequences is None:
                return None
            parts.append(_Part(sequences))
            gaps.append(slot.most)
            run = []
        gapped = cls(pattern, group, parts, gaps[:-1])
        parts[0].leads = gapped
        for part in parts:
            part.owner = gapped
        return gapped

    def find(self, tokens: list[Token], parts: _PartsFound,
             found: dict[PatternSet, list[Match]]) -> None:
        first = parts.get(self.parts[0])
        if first is None or any(part not in parts for part in self.parts[1:]):
            return
        pattern = self.pattern
        for i in sorted(first):
            clause = tokens[i].clause
            if pattern.at_start and i > 0 and tokens[i - 1].clause == clause:
                continue
            positions = self._from(0, i, tokens, parts, clause)
            if positions is not None:
                found.setdefault(self.group, []).append(
                    Match(pattern, i, positions[-1] + 1, positions))

    def _from(self, k: int, i: int, tokens: list[Token], parts: _PartsFound,
              clause: int) -> tuple[int, ...] | None:
        if i >= len(tokens) or tokens[i].clause != clause:
            return None
        last = k == len(self.parts) - 1
        for _, end in sorted(parts[self.parts[k]].get(i, ())):
            if last:
                if self.pattern.at_end and end < len(tokens) and tokens[end].clause == clause:
                    continue
                return tuple(range(i, end))
            for skip in range(self.gaps[k] + 1):
                if skip and (end + skip - 1 >= len(tokens)
                             or tokens[end + skip - 1].clause != clause):
                    break
                rest = self._from(k + 1, end + skip, tokens, parts, clause)
                if rest is not None:
                    return (*range(i, end), *rest)
        return None


class _Spellings:
    """The branches under one folded word: by spelling (for a token typed with diacritics,
    or read exactly), and those a token typed without them reaches (every non-strict one)."""

    __slots__ = ("by_raw", "loose")

    def __init__(self, branches: dict[tuple[str, bool], _Branch]) -> None:
        by_raw: dict[str, list[_Branch]] = {}
        for (raw, _), branch in branches.items():
            by_raw.setdefault(raw, []).append(branch)
            branch.children, branch.building = _finish(branch.building), {}
        self.by_raw = {raw: tuple(found) for raw, found in by_raw.items()}
        self.loose = tuple(branch for (_, strict), branch in branches.items() if not strict)


# Folded word (or "<n>") -> its spellings; while building, -> (spelling, =strict) -> branch.
_Trie = dict[str, _Spellings]
_Building = dict[str, dict[tuple[str, bool], _Branch]]


def _branch(building: _Building, words: tuple[Word, ...]) -> _Branch:
    """The trie's branch for a word sequence, made on the way if new."""
    level = building
    branch = None
    for word in words:
        branch = level.setdefault(word.folded, {}).setdefault((word.raw, word.strict), _Branch())
        level = branch.building
    assert branch is not None
    return branch


def _finish(building: _Building) -> _Trie:
    return {key: _Spellings(branches) for key, branches in building.items()}


_MOST_SEQUENCES = 4096


def _sequences(slots: tuple[Slot, ...]) -> list[tuple[tuple[Word, ...], tuple[int, ...]]] | None:
    """Every word sequence gap-free slots stand for, each with its rank: per slot, 0 for a
    one-word choice (``_match_at`` tries those together, first) and 1, 2... for the multi-word
    choices in their order, so the lowest rank is the sequence ``_match_at`` would find first.
    None when a slot is a gap, or there are too many sequences to list."""
    options: list[list[tuple[tuple[Word, ...], int]]] = []
    total = 1
    for slot in slots:
        if isinstance(slot, Gap):
            return None
        multi = [seq for seq in slot if len(seq) > 1]
        options.append([(seq, 0) for seq in slot if len(seq) == 1]
                       + [(seq, n) for n, seq in enumerate(multi, start=1)])
        total *= len(options[-1])
        if total > _MOST_SEQUENCES:
            return None
    return [(tuple(w for seq, _ in chosen for w in seq), tuple(r for _, r in chosen))
            for chosen in product(*options)]


def _match_at(pattern: Pattern, k: int, tokens: list[Token], i: int, clause: int,
              exact: bool) -> tuple[int, ...] | None:
    """Positions matched by the pattern's slots from ``k`` on, starting exactly at token ``i``,
    inside one clause."""
    if k == len(pattern.slots):
        if pattern.at_end and i < len(tokens) and tokens[i].clause == clause:
            return None
        return ()
    slot = pattern.slots[k]
    if isinstance(slot, Gap):
        for skip in range(slot.most + 1):
            if skip and (i + skip - 1 >= len(tokens) or tokens[i + skip - 1].clause != clause):
                break
            rest = _match_at(pattern, k + 1, tokens, i + skip, clause, exact)
            if rest is not None:
                return rest
        return None
    if i >= len(tokens) or tokens[i].clause != clause:
        return None
    quick = pattern.quick[k]
    assert quick is not None
    raws, folds, multi, multi_firsts = quick
    token = tokens[i]
    if (not token.raws.isdisjoint(raws) if token.marked or exact
            else not token.folds.isdisjoint(folds)) or (
            token.number is not None and NUMBER in raws):
        rest = _match_at(pattern, k + 1, tokens, i + 1, clause, exact)
        if rest is not None:
            return (i, *rest)
    if not multi or (token.raws.isdisjoint(multi_firsts)
                     and token.folds.isdisjoint(multi_firsts)):
        return None
    for seq in multi:
        end = i + len(seq)
        if end <= len(tokens) and all(tokens[i + n].clause == clause
                                      and w.matches(tokens[i + n], exact)
                                      for n, w in enumerate(seq)):
            rest = _match_at(pattern, k + 1, tokens, end, clause, exact)
            if rest is not None:
                return (*range(i, end), *rest)
    return None


# -- tokenising ------------------------------------------------------------------------------

# What a word makes, before it is placed in a clause: spellings, folded forms, typed with
# diacritics, the number it is.
_Form = tuple[frozenset[str], frozenset[str], bool, int | None]
_FORM_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class Lexicon:
    """Everything ``triage_lexicon.yaml`` holds, compiled."""

    teencode: dict[str, str]
    emoji: dict[str, str]
    clause_words: frozenset[str]
    place_words: frozenset[str]
    plain_words: frozenset[str]
    english_words: frozenset[str]
    negators: PatternSet
    negator_words: frozenset[str]
    not_negating: frozenset[str]
    negation_breakers: frozenset[str]
    otherwise: frozenset[str]
    present: PatternSet
    habitual: PatternSet
    recent: PatternSet
    strong_present: PatternSet
    frames: PatternSet
    masks: PatternSet
    cues: PatternSet
    combos: list[tuple[str, list[PatternSet]]]
    child: PatternSet
    adult: PatternSet
    child_speaker: PatternSet
    child_victim: PatternSet
    harm_verbs: PatternSet
    sources: list[str] = field(default_factory=list)
    _raising: Scanner = field(init=False, repr=False)
    _lowering: Scanner = field(init=False, repr=False)
    _form_cache: dict[tuple[str, bool], tuple[_Form, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict)
    _self_negating: dict[int, bool] = field(  # by id(pattern): every pattern lives as long
        init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        lowering = [self.masks, self.frames]
        raising = [self.negators, self.present, self.habitual, self.recent, self.strong_present,
                   self.cues,
                   self.child, self.adult, self.child_speaker, self.child_victim,
                   self.harm_verbs, *(group for _, groups in self.combos for group in groups)]
        object.__setattr__(self, "_raising", Scanner(raising))
        object.__setattr__(self, "_lowering", Scanner(lowering))

    def self_negating(self, pattern: Pattern) -> bool:
        """The pattern carries its own negation ("không thở được"); cached per pattern."""
        known = self._self_negating.get(id(pattern))
        if known is None:
            known = any(w.folded in self.negator_words for w in pattern.words())
            self._self_negating[id(pattern)] = known
        return known

    def scan(self, tokens: list[Token]) -> dict[PatternSet, list[Match]]:
        """Every pattern of the lexicon matched against one message, by set. Masks and frames
        (which lower urgency) take plain words as spelled when the message carries diacritics;
        everything else matches them folded (recall first)."""
        found = self._raising.scan(tokens)
        found.update(self._lowering.scan(tokens, exact=accented(tokens)))
        return found

    def tokenise(self, text: str) -> list[Token]:
        """Typed text to tokens, clause by clause, with teencode expanded and emoji read."""
        text = unicodedata.normalize("NFC", text).translate(_LOOKALIKES)
        text = _english_contractions(text)
        for emoji, meaning in self.emoji.items():
            if emoji in text:
                text = text.replace(emoji, f" {meaning} ")
        # First the forms of each word (cached per word: people reuse words), then the tokens,
        # once it is known whether the message is typed with diacritics.
        made: list[tuple[_Form, int, str, bool]] = []  # form, clause, typed, capital
        clause = 0
        pieces = [_WORD.findall(piece) for piece in _CLAUSE_PUNCT.split(text)]
        english = len(self.english_words.intersection(w.lower() for ws in pieces for w in ws)) >= 2
        forms_of = self._forms
        clause_words = self.clause_words
        for words in pieces:
            if not words:
                continue
            clause += 1
            for typed in words:
                word = typed.lower()
                if word in clause_words and made and made[-1][1] == clause:
                    clause += 1
                forms = forms_of(word, english)
                if not forms:
                    continue
                capital = len(forms) == 1 and typed[:1].isupper()
                made.append((forms[0], clause, word, capital))
                made.extend((form, clause, "", False) for form in forms[1:])
        marked = sum(form[2] for form, _, _, _ in made)
        plain = self.plain_words if marked >= 2 and marked * 4 >= len(made) else None
        return [Token(raws, folds, is_marked or (plain is not None and not raws.isdisjoint(plain)),
                      clause, number, capital, typed)
                for (raws, folds, is_marked, number), clause, typed, capital in made]

    def _forms(self, word: str, english: bool) -> tuple[_Form, ...]:
        """The tokens one lower-cased word makes (without clause or typed form); cached, since
        a word always makes the same tokens, and bounded, since people type new words forever."""
        key = (word, english)
        found = self._form_cache.get(key)
        if found is None:
            if len(self._form_cache) >= _FORM_CACHE_SIZE:
                self._form_cache.clear()
            found = tuple((t.raws, t.folds, t.marked, t.number)
                          for t in self._token(word, 0, english))
            self._form_cache[key] = found
        return found

    def _token(self, word: str, clause: int, english: bool = False) -> list[Token]:
        word = canon(word)
        if word.isascii() and word.isdigit():  # not "¹" or "½": int() refuses those
            return [Token(frozenset({word}), frozenset({word}), False, clause, int(word[:6]))]
        marked = _marks(word)
        forms = {word}
        if _RUN.search(word):
            forms.add(re.sub(r"(.)\1{2,}", r"\1\1", word))  # "cuuuu" -> "cuu"
            forms.add(_RUN.sub(r"\1", word))  # "emmm" -> "em", "cứuuu" -> "cứu"
        if not marked and not english:
            for form in list(forms):
                expansion = self.teencode.get(form)
                if expansion is not None:
                    made = [self._expanded(part, clause)
                            for part in expansion.replace("_", " ").split()]
                    if len(made) == 1:  # "hong" is không, but may still be họng folded
                        only = made[0]
                        made = [Token(only.raws | {word}, only.folds | {word}, False, clause)]
                    return made
            age = re.fullmatch(r"([0-9]{1,2})(t|tuoi|th)", word)  # "14t", "14tuoi"
            if age:
                return [Token(frozenset({age.group(1)}), frozenset({age.group(1)}), False,
                              clause, int(age.group(1))), self._expanded("tuổi", clause)]
        return [Token(frozenset(forms), frozenset(fold_word(f) for f in forms), marked, clause)]

    @staticmethod
    def _expanded(word: str, clause: int) -> Token:
        word = canon(word)
        return Token(frozenset({word}), frozenset({fold(word)}), _marks(word), clause)


_CONTRACTIONS = [
    (re.compile(r"(?i)\bcan'?t\b"), "cannot"), (re.compile(r"(?i)\bwon'?t\b"), "will not"),
    (re.compile(r"(?i)n't\b"), " not"), (re.compile(r"(?i)\bi'?m\b"), "i am"),
    (re.compile(r"(?i)'re\b"), " are"), (re.compile(r"(?i)'ll\b"), " will"),
    (re.compile(r"(?i)'ve\b"), " have"), (re.compile(r"(?i)'d\b"), " would"),
    (re.compile(r"(?i)(\w)'s\b"), r"\1 is"),
]
# The same typed without the apostrophe, as people do on phones.
_BARE_CONTRACTIONS = [
    (re.compile(r"(?i)\b(do|did|does|is|was|are|were|have|has|had|could|would|should)nt\b"),
     r"\1 not"),
    (re.compile(r"(?i)\bcant\b"), "cannot"), (re.compile(r"(?i)\bwont\b"), "will not"),
]


def accented(tokens: list[Token]) -> bool:
    """The message is typed with diacritics (so a plain word is spelled as meant)."""
    marked = sum(t.marked for t in tokens)
    return marked >= 2 and marked * 4 >= len(tokens)


def _english_contractions(text: str) -> str:
    """"can't", "I'm", "he's": spelled out, so "t" and "m" are not read as teencode."""
    for pattern, replacement in _BARE_CONTRACTIONS:
        text = pattern.sub(replacement, text)
    if "'" not in text:
        return text
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _patterns(entries: Any, tag: str = "") -> list[Pattern]:
    if entries is None:
        return []
    if isinstance(entries, dict):
        found: list[Pattern] = []
        for key, value in entries.items():
            found.extend(_patterns(value, tag or str(key)))
        return found
    return [compile_pattern(str(entry), tag) for entry in entries]


def _both(words: list[str]) -> frozenset[str]:
    """Each word as spelled and folded, for words compared against typed tokens (a token typed
    without diacritics carries only its folded form)."""
    return frozenset(form for w in words for form in (canon(w), fold(canon(w))))


def build(data: dict[str, Any], extra_masks: list[str] | None = None) -> Lexicon:
    masks = _patterns(data["masks"], "mask")
    masks.extend(compile_pattern(m, "place") for m in extra_masks or ())
    frames = []
    for name, entries in data["frames"].items():
        frames.extend(_patterns(entries, name))
    child = data["child"]
    negators = _patterns(data["negation"]["negators"], "neg")
    return Lexicon(
        teencode={str(k): str(v) for k, v in data["teencode"].items()},
        emoji={str(k): str(v) for k, v in data["emoji"].items()},
        clause_words=frozenset(canon(w) for w in data["clause_words"]),
        plain_words=frozenset(canon(w) for w in data["plain_words"]),
        place_words=frozenset(canon(w) for w in data["place_words"]),
        english_words=frozenset(canon(w) for w in data["english_words"]),
        negators=PatternSet(negators),
        negator_words=frozenset(p.words()[0].folded for p in negators if len(p.words()) == 1),
        not_negating=_both(data["negation"]["not_negating_after"]),
        negation_breakers=_both(data["negation"]["breakers"]),
        otherwise=_both(data["negation"]["otherwise"]),
        present=PatternSet(_patterns(data["present"]["clause"], "present")),
        habitual=PatternSet(_patterns(data["present"]["habitual"], "habitual")),
        recent=PatternSet(_patterns(data["present"]["recent"], "recent")),
        strong_present=PatternSet(_patterns(data["present"]["message"], "present")),
        frames=PatternSet(frames),
        masks=PatternSet(masks),
        cues=PatternSet([p for reason, entries in data["cues"].items()
                         for p in _patterns(entries, reason)]),
        combos=[(str(c["reason"]), [PatternSet(_patterns(group)) for group in c["all"]])
                for c in data["combos"]],
        child=PatternSet(_patterns(child["anywhere"], "child")),
        adult=PatternSet(_patterns(child["adult"], "adult")),
        child_speaker=PatternSet(_patterns(child["speaker"], "child")),
        child_victim=PatternSet(_patterns(child["victim"], "child")),
        harm_verbs=PatternSet(_patterns(child["harm_verbs"], "harm")),
        sources=[str(s) for s in data.get("sources", [])],
    )


def _place_masks(cue_folds: set[str]) -> list[str]:
    """Gazetteer names of two or more words that contain a syllable some cue starts with, so a
    person typing their ward ("Hoàn Kiếm", "Côn Đảo") is never read as a danger word."""
    from knowledge.gazetteer import default_gazetteer

    gaz = default_gazetteer()
    names: set[str] = set()
    names.update(p.short for p in gaz.provinces.values())
    names.update(p.name for p in gaz.provinces.values())
    names.update(c.short for c in gaz.communes.values())
    names.update(c.name for c in gaz.communes.values())
    names.update(p.short for p in gaz.legacy_provinces.values())
    names.update(p.name for p in gaz.legacy_provinces.values())
    for district in gaz.legacy_districts.values():
        names.add(district.name)
    for commune in gaz.legacy_communes:
        names.add(commune.name)
    names.update(a.alias for a in gaz.aliases)
    out: set[str] = set()
    for name in names:
        full = [w for w in _WORD.findall(canon(name)) if w]
        words = full
        while words and fold(words[0]) in _UNIT_WORDS and len(words) > 2:
            words = words[1:] if fold(" ".join(words[:2])) not in _UNIT_PAIRS else words[2:]
        # The name alone, and with its unit word ("quận hồng bàng" folds like "quấn họng").
        for form in (words, full):
            if len(form) >= 2 and any(fold(w) in cue_folds for w in form):
                out.add(" ".join(form))
    return sorted(out)


_UNIT_WORDS = {"xa", "phuong", "huyen", "quan", "thi", "thanh", "tinh", "dac"}
_UNIT_PAIRS = {"thi tran", "thi xa", "thanh pho", "dac khu"}


@cache
def default_lexicon() -> Lexicon:
    """The bundled lexicon with the gazetteer's place names masked; loaded once per process."""
    text = (resources.files("handlers") / "triage_lexicon.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    cues = _patterns(data["cues"]) + [p for c in data["combos"] for g in c["all"]
                                      for p in _patterns(g)]
    cue_folds = {w.folded for p in cues for w in p.words()}
    return build(data, _place_masks(cue_folds))
