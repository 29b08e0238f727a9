"""Where the person is, only when the text clearly says so.

A place is taken from three kinds of evidence, strongest first:
1. A cue and a name: "ở / tại / sống ở / quê / in / at / from" followed by words that spell a place
   exactly (old or new names, with or without the unit word), up to three names in a row ("ở Thủ
   Đức, TP HCM").
2. A clause that is nothing but a place name: "Cà Mau, cần chỗ ở tạm", "Hàn Quốc, Busan", "q9".
3. A short message (three words at most) that is a place with a typo ("ca mua"), or a typo after
   a cue ("ở bien hao").

Never a place: a kinship word or common noun that is also a unit's name ("chú" / Thị xã Chũ, "bố" /
Xã Bố, "an toàn" / Xã An Toàn), a name made of words the reader already understood as something
else (a need, an intent), or a message naming a foreign country (the foreign place wins).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.understanding.lexicon import Lexicon
from handlers.understanding.marks import MarkIndex
from handlers.understanding.words import Words
from knowledge.places import FILLER, UNIT_ABBREVIATIONS, Candidate, PlaceResolver, Resolution

MAX_NAME = 6
_UNIT_WORDS = frozenset(
    w for forms in UNIT_ABBREVIATIONS.values() for form in forms for w in form.split()
)
_HOMETOWN = frozenset({"que", "from", "tu"})  # where the person comes from, not where they are
_LINKS = frozenset({"thuoc", "o", "tai", "cua", "va"})  # between two names of one place


@dataclass(frozen=True)
class PlaceFind:
    resolution: Resolution | None  # found
    candidates: tuple[Candidate, ...]  # ambiguous: the places it could be
    tokens: frozenset[int]  # token indices the place was read from
    hometown: bool = False  # "quê Nghệ An", "from Da Nang": where the person comes from


@dataclass(frozen=True)
class _Span:
    tokens: tuple[int, ...]
    cued: bool
    hometown: bool
    bare: bool = False  # a clause that is the name and nothing else ("Lưu Kiếm")


class PlaceReader:
    def __init__(self, resolver: PlaceResolver, lex: Lexicon) -> None:
        self.resolver = resolver
        self.lex = lex
        self.marks = MarkIndex(resolver.gz)

    # -- names -------------------------------------------------------------------------------
    def _name_at(self, words: Words, start: int, claimed: set[int], cued: bool) -> int:
        """Length of the longest acceptable place name starting at ``start`` (0 if none)."""
        folded = words.folded
        clause = words.tokens[start].clause
        limit = start
        while limit < len(folded) and limit - start < MAX_NAME:
            if words.tokens[limit].clause != clause:
                break
            limit += 1
        for end in range(limit, start, -1):
            run = folded[start:end]
            if not self.resolver.is_name("".join(run)):
                continue
            if self._refused(run, set(range(start, end)), claimed, cued):
                continue
            typed = [t.raw for t in words.tokens[start:end] if t.folded not in _UNIT_WORDS]
            if typed and not self.marks.agrees(typed):
                continue  # "cổ vẫn đau" typed with marks is not Văn Đẩu
            return end - start
        return 0

    def _refused(self, run: list[str], span: set[int], claimed: set[int], cued: bool) -> bool:
        if run[0] in _UNIT_WORDS and len(run) > 1:
            return False  # "xã An Toàn", "thị xã Chũ": typed as a unit, it is the place
        phrase = " ".join(run)
        if phrase in self.lex.not_place or all(w in self.lex.not_place for w in run):
            return True
        if all(w.isdigit() for w in run):
            return True
        if span & claimed:
            # Words already read as a need or an intent: only a name of two words or more that
            # follows a cue outweighs that ("ở Tam Kỳ" is a place although "ở tạm" is shelter).
            return not (cued and len(run) >= 2)
        return False

    def _names_from(self, words: Words, start: int, claimed: set[int], cued: bool) -> list[int]:
        """Token indices of up to three names in a row from ``start`` ("Thủ Đức, TP HCM")."""
        got: list[int] = []
        pos = start
        for _ in range(3):
            size = self._name_at(words, pos, claimed, cued) if pos < len(words) else 0
            if not size:
                break
            got.extend(range(pos, pos + size))
            pos += size
            while pos < len(words) and words.folded[pos] in _LINKS:
                pos += 1
        return got

    # -- evidence ----------------------------------------------------------------------------
    def _cued(self, words: Words, claimed: set[int]) -> list[_Span]:
        spans: list[_Span] = []
        folded = words.folded
        for i, word in enumerate(folded[:-1]):
            if word not in self.lex.place_cues:
                continue
            start = i + 1
            if words.tokens[start].clause != words.tokens[i].clause:
                continue
            got = self._names_from(words, start, claimed, cued=True)
            # "quê Nghệ An", "quê ở Nghệ An", "quê em ở Nghệ An": a hometown cue up to two
            # words before, in the same clause
            clause = words.tokens[i].clause
            hometown = word in _HOMETOWN or any(
                folded[k] in _HOMETOWN and words.tokens[k].clause == clause
                for k in range(max(0, i - 2), i))
            if got and folded[got[0]] in _HOMETOWN:
                hometown = True  # "ở quê Nghệ An"
            if got:
                spans.append(_Span(tuple(got), True, hometown))
        return spans

    def _clauses(self, words: Words, claimed: set[int]) -> list[_Span]:
        """Clauses whose every content word belongs to a place name."""
        spans: list[_Span] = []
        by_clause: dict[int, list[int]] = {}
        for k, t in enumerate(words.tokens):
            by_clause.setdefault(t.clause, []).append(k)
        for indices in by_clause.values():
            content = [k for k in indices if words.folded[k] not in FILLER]
            if not content:
                continue
            covered: list[int] = []
            pos = indices[0]
            last = indices[-1]
            while pos <= last:
                size = self._name_at(words, pos, claimed, cued=False)
                if size:
                    covered.extend(range(pos, pos + size))
                    pos += size
                elif words.folded[pos] in FILLER:
                    pos += 1
                else:
                    break
            if set(content) <= set(covered):
                rest = [words.folded[k] for k in indices if k not in covered]
                bare = all(w in _UNIT_WORDS or w in self.lex.particles for w in rest)
                spans.append(_Span(tuple(covered), False, False, bare))
        return spans

    def _fuzzy(self, words: Words, indices: list[int], claimed: set[int]) -> Resolution | None:
        """A typo in a short run of words; never over words read as something else."""
        content = [k for k in indices if words.folded[k] not in FILLER]
        if not 1 <= len(content) <= 3 or set(content) & claimed:
            return None
        run = [words.folded[k] for k in content]
        if any(w in self.lex.not_place or w.isdigit() for w in run):
            return None
        if " ".join(run) in self.lex.not_place or sum(len(w) for w in run) < 4:
            return None
        # A commune guessed from a typo would send help to the wrong place: provinces and
        # cities only (and a typo-free commune is already an exact name).
        result = self.resolver.resolve(" ".join(run), small_typos=False)
        typed = [words.tokens[k].raw for k in content]
        if result.found and not self.marks.agrees_with(typed, _named(result)):
            return None  # "ở chuồng trâu", typed with marks, is no typo for Hương Trà
        return result if result.found or result.ambiguous else None

    # -- the reading -------------------------------------------------------------------------
    def find(self, words: Words, claimed: set[int], foreign: bool) -> PlaceFind | None:
        if not len(words):
            return None
        spans = _merged(self._cued(words, claimed) + self._clauses(words, claimed), words)
        # Where the person is now beats where they come from; the last said beats the first.
        spans.sort(key=lambda s: (not s.hometown, s.cued, s.tokens[0]))
        for span in reversed(spans):
            text = " ".join(words.folded[k] for k in span.tokens)
            result = self.resolver.resolve(text)
            if len(span.tokens) == 1 and _commune_only(result):
                continue  # one bare syllable naming a commune ("Tư", "Chờ") is an ordinary word
            unit = any(words.folded[k] in _UNIT_WORDS for k in span.tokens)
            if not (span.cued or span.bare or unit) and _commune_only(result):
                continue  # a commune with no cue inside a longer message: "em vẫn ám ảnh"
            if result.found or result.ambiguous:
                return _found(result, span.tokens, span.hometown)
        if foreign:
            return None  # a foreign place wins over a guess at a Vietnamese one
        for i, word in enumerate(words.folded[:-1]):
            if word in self.lex.place_cues:
                clause = words.tokens[i + 1].clause
                run = [k for k in range(i + 1, min(i + 4, len(words)))
                       if words.tokens[k].clause == clause]
                guess = self._fuzzy(words, run, claimed)
                if guess is not None:
                    return _found(guess, tuple(run))
        content = [k for k in range(len(words)) if words.folded[k] not in FILLER]
        if len(content) <= 3:
            guess = self._fuzzy(words, list(range(len(words))), claimed)
            if guess is not None:
                return _found(guess, tuple(content))
        return None


def _merged(spans: list[_Span], words: Words) -> list[_Span]:
    """Names in a row are one place: "Thủ Đức, TP HCM" is a district and its city."""
    merged: list[_Span] = []
    for span in sorted(spans, key=lambda s: s.tokens[0]):
        if merged:
            last = merged[-1]
            gap = range(last.tokens[-1] + 1, span.tokens[0])
            if span.tokens[0] <= last.tokens[-1] or all(
                words.folded[k] in _LINKS or words.folded[k] in _UNIT_WORDS for k in gap
            ):
                tokens = tuple(sorted(set(last.tokens) | set(span.tokens)))
                merged[-1] = _Span(tokens, last.cued or span.cued,
                                   last.hometown or span.hometown, last.bare and span.bare)
                continue
        merged.append(span)
    return merged


def _named(result: Resolution) -> str:
    """The name a fuzzy match settled on, without its unit word."""
    if result.district:
        for unit in UNIT_ABBREVIATIONS:
            if result.district.startswith(unit + " "):
                return result.district[len(unit) + 1 :]
        return result.district
    if result.legacy_province:
        return result.legacy_province
    return result.province.name if result.province else ""


def _commune_only(result: Resolution) -> bool:
    if result.found:
        return result.commune is not None
    return bool(result.ambiguous) and all(c.commune is not None for c in result.ambiguous)


def _found(result: Resolution, tokens: tuple[int, ...], hometown: bool = False) -> PlaceFind:
    if result.found:
        return PlaceFind(result, (), frozenset(tokens), hometown)
    return PlaceFind(None, tuple(result.ambiguous), frozenset(tokens), hometown)
