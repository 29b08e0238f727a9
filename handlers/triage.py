"""Crisis triage: does this message look like danger, and of which kinds?

Every free-text message passes here before the flow reads it, and before flood control
(safety.md, "Triage"). Missing an emergency costs far more than a false alarm, but each false
alarm pages a person, so the rules read the message the way a helpline worker would:

1. **Cues** (``triage_lexicon.yaml``): phrases that say danger, in Vietnamese with and without
   diacritics, teencode and English, each under one reason category. Masks (idioms, everyday
   compounds from a dictionary, place names) are matched first and silence the cues they touch.
2. **Negation** scoped to its own clause, with a curated list of real negators ("không bị đánh";
   but "không, nó đang đánh em" is danger, and "cha" or "chửa" are nouns).
3. **Frames**: a question about the law or a definition, violence long past, a friend asking for
   advice, a film or a news story or homework lower urgency, but only when no present-danger cue
   ("đang", "vừa", "tối nay", "cứu"…) is there.
4. **Combinations** for danger said indirectly (hiding from a drunk partner; intimate images plus
   a threat; a child taken with a threat to die together).
5. **Children**: age and school-grade cues, a child writing about its parents, a child as the
   one harmed; never an adult son caring for his elderly mother.

6. **A learned second opinion** (``triage_model.py``) when no phrase matched: a small model
   trained on labelled messages catches danger said in ways no list foresees; it only raises.

Reasons come out in a stable order that puts first what decides the first answer: a child (111
first), then the medical emergencies (115 first), then the rest (113).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from handlers.triage_lexicon import (
    Lexicon,
    Match,
    PatternSet,
    Token,
    compile_pattern,
    default_lexicon,
    fold_word,
)
from handlers.triage_model import default_model
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


_REASONS = {reason.value: reason for reason in Reason}  # Reason(tag) without the enum's call
# The order reasons are reported in: what decides the first answer comes first.
PRIORITY: tuple[Reason, ...] = (
    Reason.CHILD_AT_RISK,
    Reason.SELF_HARM,
    Reason.STRANGULATION,
    Reason.SEXUAL_VIOLENCE,
    Reason.INJURY,
    Reason.THREAT_TO_KILL,
    Reason.WEAPON,
    Reason.CONFINEMENT,
    Reason.VIOLENCE_NOW,
)
# A friend asking for advice lowers only these; a friend held, strangled or threatened with
# death is an emergency whoever writes about it.
LOWERED_BY_THIRD_PARTY = {Reason.VIOLENCE_NOW, Reason.INJURY}
ONGOING = "violence_ongoing"  # lexicon key: abuse as a state ("bị bạo hành"), see the YAML
MAX_CHARS = 5000
NEGATION_WINDOW = 3


@dataclass(frozen=True)
class TriageResult:
    level: Level
    reasons: list[Reason] = field(default_factory=list)
    learned: bool = False  # urgent by the learned second opinion, not by a lexicon phrase

    @property
    def urgent(self) -> bool:
        return self.level is Level.URGENT

    def public(self, text: str) -> dict[str, object]:
        reasons = [r.value for r in self.reasons]
        shown: dict[str, object] = {"input": text, "level": self.level.value,
                                    "reasons": reasons}
        if self.learned:
            shown["learned"] = True  # said by the learned second opinion, not a phrase
        return shown


@dataclass
class _Reading:
    """What the matcher found in one message, before the decision."""

    tokens: list[Token]
    found: dict[PatternSet, list[Match]]
    masks: list[Match]
    negators: list[Match]
    frames: set[str]
    present_clauses: set[int] = field(default_factory=set)  # "now" cues, by clause
    habitual_clauses: set[int] = field(default_factory=set)  # "often", "again", by clause
    recent_clauses: set[int] = field(default_factory=set)  # "last night", by clause
    strong: bool = False  # a cry for help anywhere in the message
    question_clauses: set[int] = field(default_factory=set)  # "có hại không", "mua ở đâu"
    frame_matches: list[Match] = field(default_factory=list)

    def frames_around(self, match: Match) -> set[str]:
        """The message's frames, leaving out any inside the cue itself ("bắt em xem phim người
        lớn" is not a film frame)."""
        return {m.pattern.tag for m in self.frame_matches if m.pattern.tag != "question"
                and not (match.start <= m.start and m.end <= match.end)}

    def of(self, group: PatternSet) -> list[Match]:
        return self.found.get(group, [])


def triage(text: str, lexicon: Lexicon | None = None) -> TriageResult:
    """Classify one message. Empty or non-text input is routine."""
    lex = lexicon or default_lexicon()
    tokens = lex.tokenise(text[:MAX_CHARS])
    if not tokens:
        return TriageResult(Level.ROUTINE)
    reading = _read(lex, tokens)
    found: set[Reason] = set()
    for match in reading.of(lex.cues):
        state = match.pattern.tag == ONGOING
        reason = Reason.VIOLENCE_NOW if state else _REASONS[match.pattern.tag]
        if _live(lex, reading, match) and (
            _in_frame(reading, match, reason) if not state
            else reading.strong or not (reading.frames_around(match)
                                        or _clause_question(reading, match))
        ):
            found.add(reason)
    for tag, groups in lex.combos:
        reason = _REASONS[tag]
        if reason in found:
            continue
        hits = []
        for group in groups:  # every group needs a live match: stop at the first without one
            live = [m for m in reading.of(group) if _live(lex, reading, m)]
            if not live:
                break
            hits.append(live)
        else:
            if any(_in_frame(reading, m, reason) for group in hits for m in group):
                found.add(reason)
    if not found:
        # The lexicon saw a danger phrase and judged it negated ("không bị đánh"): that
        # judgement stands. Anything else the lexicon did not call urgent goes to the model.
        if any(not _masked(reading, m) and not _live(lex, reading, m)
               for m in reading.of(lex.cues)):
            return TriageResult(Level.ROUTINE)
        return _second_opinion(reading, text)
    if _child(lex, reading):
        found.add(Reason.CHILD_AT_RISK)
    return TriageResult(Level.URGENT, [r for r in PRIORITY if r in found])


# "I am safe now": the person says so, and no listed phrase says otherwise; the model, which
# reads words rather than statements, is not asked to overrule them.
_SAFE_NOW = re.compile(
    r"\b(i( a| )?m safe|i( a| )?m (ok|okay|fine) now|(she|he)( i| )?s not in (immediate )?danger"
    r"|not in (immediate )?danger (right )?now|(toi|em|e|minh|tui) (dang |da |van )?an toan"
    r"|da an toan|an toan roi|gio (em|e|toi|minh) (on|an toan) roi|(hien tai|gio) (em|e|toi|minh)"
    r" (ko|khong|k) (con )?(gap )?nguy hiem)\b"
)


def _second_opinion(reading: _Reading, text: str) -> TriageResult:
    """The lexicon found no danger: ask the learned model (``handlers.triage_model``), which
    catches danger said without any listed phrase. It can only raise urgency. A message that is
    nothing but names (a ward typed at the place question) is left to the lexicon's masks."""
    unmasked, folded = _model_input(reading)
    # The whole text, masks included: "an toàn" is also a place name, masked for the model.
    if not unmasked or _SAFE_NOW.search(fold(text[:MAX_CHARS])):
        return TriageResult(Level.ROUTINE)
    opinion = default_model().opinion(unmasked, folded)
    if not opinion.urgent:
        return TriageResult(Level.ROUTINE)
    reasons = {Reason(r) for r in opinion.reasons}
    return TriageResult(Level.URGENT, [r for r in PRIORITY if r in reasons], learned=True)


def _unmasked_words(reading: _Reading) -> list[str]:
    """The words as typed, less what the lexicon masks (idioms, everyday compounds, place
    names): what the learned model reads, in training as in use."""
    covered = {i for m in reading.masks for i in range(m.start, m.end)}
    return [t.typed for i, t in enumerate(reading.tokens) if t.typed and i not in covered]


def _unmasked_text(reading: _Reading) -> str:
    return " ".join(_unmasked_words(reading))


def _model_input(reading: _Reading) -> tuple[str, str]:
    """``_unmasked_text`` and its ``fold``, folded word by word from the tokens' own words
    (each word's fold is cached; folding word by word and joining equals folding the text)."""
    words = _unmasked_words(reading)
    return " ".join(words), " ".join(f for f in map(fold_word, words) if f)


def model_text(text: str, lexicon: Lexicon | None = None) -> str:
    """``_unmasked_text`` of a whole message (the training script prepares examples with it)."""
    lex = lexicon or default_lexicon()
    tokens = lex.tokenise(text[:MAX_CHARS])
    return _unmasked_text(_read(lex, tokens)) if tokens else ""


def _read(lex: Lexicon, tokens: list[Token]) -> _Reading:
    found = lex.scan(tokens)
    frames = found.get(lex.frames, [])
    masks = found.get(lex.masks, []) + _named_places(lex, tokens)
    reading = _Reading(tokens, found, masks, found.get(lex.negators, []),
                       {m.pattern.tag for m in frames if m.pattern.tag != "question"})
    reading.question_clauses.update(tokens[m.start].clause for m in frames
                                    if m.pattern.tag == "question")
    reading.frame_matches = frames
    reading.present_clauses.update(tokens[m.start].clause for m in reading.of(lex.present)
                                   if not _masked(reading, m))
    reading.recent_clauses.update(tokens[m.start].clause for m in reading.of(lex.recent)
                                  if not _masked(reading, m))
    reading.habitual_clauses.update(tokens[m.start].clause for m in reading.of(lex.habitual)
                                    if not _masked(reading, m))
    reading.strong = any(not _masked(reading, m) for m in reading.of(lex.strong_present))
    return reading


_PLACE = compile_pattern("<place>", "place")


def _named_places(lex: Lexicon, tokens: list[Token]) -> list[Match]:
    """Capitalised words right after a place word ("thôn Đồng Đánh", "phố Hàng Đào"): a name,
    masked like the gazetteer's names (only what lies wholly inside it is silenced)."""
    found = []
    for i, token in enumerate(tokens[:-1]):
        if not token.raws & lex.place_words:
            continue
        end = i + 1
        while (end < len(tokens) and end - i <= 4 and tokens[end].capital
               and tokens[end].clause == token.clause):
            end += 1
        if end > i + 1:
            found.append(Match(_PLACE, i + 1, end, tuple(range(i + 1, end))))
    return found


def _masked(reading: _Reading, match: Match) -> bool:
    """A mask silences a match it touches, unless the match's own words (not a gap) cover the
    whole mask and more ("dí dao vào cổ" keeps its meaning though "di dao" folds like "đi dạo";
    but "đập hộp điện thoại" stays unboxing)."""
    positions = set(match.positions)
    for mask in reading.masks:
        if not positions.intersection(mask.positions):
            continue
        if mask.pattern.tag == "place":
            # A place name silences only what lies wholly inside it ("Quất Lâm", "Nậm Có"),
            # never a phrase that merely shares a word with it ("Bản Lầm" / "làm nhục").
            if positions <= set(range(mask.start, mask.end)):
                return True
            continue
        if set(mask.positions) < positions:
            continue  # the cue's own words cover the whole mask, and more
        return True
    return False


def _live(lex: Lexicon, reading: _Reading, match: Match) -> bool:
    """Not inside a mask, and not negated within its own clause."""
    if _masked(reading, match):
        return False
    if lex.self_negating(match.pattern):
        return True  # the pattern carries its own negation ("không thở được")
    tokens = reading.tokens
    clause = tokens[match.start].clause
    for neg in reading.negators:
        if tokens[neg.start].clause != clause or neg.end > match.start:
            continue
        between = tokens[neg.end:match.start]
        if len(between) > NEGATION_WINDOW:
            continue
        if between and _words(between[0]) & lex.otherwise:
            continue  # "không thì tung lên mạng" = otherwise
        if len(between) > 1 and _words(between[0]) & lex.not_negating:
            continue  # "không ai giúp, nó đánh em"; but "không ai đánh em" is negated
        # A breaker right after the negator belongs to it ("không còn bị đánh" = no longer).
        if any(_words(t) & lex.negation_breakers for t in [*between[1:], tokens[match.start]]):
            continue
        return False
    return True


def _in_frame(reading: _Reading, match: Match, reason: Reason) -> bool:
    """Frames (past, a question about the law, a friend's story, a film) lower urgency only
    when nothing says the danger is now. "Often" or "again" answers a question or a friend's
    story, but not "long ago" ("hồi trước chồng em hay đánh em, giờ đã ly hôn")."""
    if reading.strong:
        return True
    frames = reading.frames_around(match)
    if "joke" in frames:
        return False  # "tao chém mày bây giờ haha đùa thôi"
    if "sport" in frames and reason in (Reason.VIOLENCE_NOW, Reason.INJURY):
        return False  # "bị đá trúng bụng khi tập võ"
    frames -= {"sport"}
    clause = reading.tokens[match.start].clause
    if clause in reading.present_clauses:
        return True
    if clause in reading.question_clauses:
        return False
    if "accident" in frames:  # an accident explains an injury, nothing else
        if reason is Reason.INJURY:
            return False
        frames = frames - {"accident"}
    if not frames:
        return True
    if clause in reading.recent_clauses and not frames & {"media", "joke"}:
        return True  # "bị bóp cổ tối qua" outweighs "long ago" or a question, not a film
    if clause in reading.habitual_clauses and frames <= {"info"}:
        return True  # "chồng em hay đánh em, có bị phạt không" is still her own danger
    return frames <= {"third_party"} and reason not in LOWERED_BY_THIRD_PARTY


def _words(token: Token) -> frozenset[str]:
    """A token as typed, plus its folded forms when it was typed without diacritics."""
    return token.raws if token.marked else token.raws | token.folds


def _clause_question(reading: _Reading, match: Match) -> bool:
    return reading.tokens[match.start].clause in reading.question_clauses


def _child(lex: Lexicon, reading: _Reading) -> bool:
    """A child is involved: an age under 18 or a school grade, a child noun, a child writing
    about its parents, or a son or daughter as the one harmed (not as the one who harms)."""
    # Masks are not consulted here: the message is already urgent, and a place name that folds
    # like an English word ("Mỹ Sơn" / "my son") must not hide a child.
    tokens = reading.tokens
    for match in reading.of(lex.child):
        number = next((tokens[i].number for i in match.positions
                       if tokens[i].number is not None), None)
        if number is None or number < 18:
            return True
    if reading.of(lex.child_speaker):
        return True
    adults = reading.of(lex.adult)
    harms = [m for m in reading.of(lex.harm_verbs) if _live(lex, reading, m)]
    for victim in reading.of(lex.child_victim):
        if any(a.start >= victim.start and a.start <= victim.end + 2 for a in adults):
            continue
        clause = tokens[victim.start].clause
        for harm in harms:
            if tokens[harm.start].clause != clause:
                continue
            # "đánh con tôi" (harm before the child) or "con tôi bị đánh" (passive after it)
            if harm.end <= victim.start and victim.start - harm.end <= 3:
                return True
            if harm.start >= victim.end and any(
                "bị" in tokens[i].raws or "bi" in tokens[i].folds
                for i in range(victim.end, harm.start)
            ) and harm.start - victim.end <= 6:
                return True
    return False
