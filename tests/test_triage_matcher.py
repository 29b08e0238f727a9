"""The lexicon's fast matcher (a trie walk for patterns without gaps, an index for the rest)
finds exactly what the plain reading of each pattern finds: every pattern tried at every token
with the step-by-step matcher ``_match_at``. Checked on the labelled sets as typed, without
diacritics and in capitals, and on patterns built to catch the tricky cases (a choice between
one word and a phrase, numbers, anchors, strict words)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.triage_eval import parse
from handlers.triage_lexicon import (
    NUMBER,
    Gap,
    Lexicon,
    Match,
    Pattern,
    PatternSet,
    Token,
    _match_at,
    accented,
    compile_pattern,
    default_lexicon,
)
from knowledge.text import fold

DATA = Path(__file__).parent / "data"
Found = set[tuple[int, int, int, int, tuple[int, ...]]]  # set, id(pattern), start, end, positions


def _messages() -> list[str]:
    texts = [e.text for name in ("triage_eval.tsv", "triage_dev.tsv")
             for e in parse((DATA / name).read_text(encoding="utf-8").splitlines())]
    return [form for text in texts for form in (text, fold(text), text.upper())]


class Reference:
    """Every pattern of the sets, tried at every token where its first word could start."""

    def __init__(self, sets: list[PatternSet]) -> None:
        self.sets = sets
        self.by_first: dict[str, list[tuple[int, Pattern]]] = {}
        for n, group in enumerate(sets):
            for pattern in group.patterns:
                first = pattern.slots[0]
                assert not isinstance(first, Gap)
                for key in {seq[0].folded for seq in first}:
                    self.by_first.setdefault(key, []).append((n, pattern))

    def scan(self, tokens: list[Token], exact: bool) -> Found:
        found: Found = set()
        for i, token in enumerate(tokens):
            keys = set(token.folds) | ({NUMBER} if token.number is not None else set())
            for key in keys:
                for n, pattern in self.by_first.get(key, ()):
                    if pattern.at_start and i > 0 and tokens[i - 1].clause == token.clause:
                        continue
                    positions = _match_at(pattern, 0, tokens, i, token.clause, exact)
                    if positions is not None:
                        found.add((n, id(pattern), i, positions[-1] + 1, positions))
        return found


def _fast(lexicon: Lexicon, sets: list[PatternSet], tokens: list[Token], exact: bool) -> Found:
    by_set = {id(group): n for n, group in enumerate(sets)}
    scanned = lexicon._lowering if sets[0] is lexicon.masks else lexicon._raising
    found: Found = set()
    count = 0
    for group, matches in scanned.scan(tokens, exact).items():
        for m in matches:
            found.add((by_set[id(group)], id(m.pattern), m.start, m.end, m.positions))
            count += 1
    assert count == len(found), "a match reported twice"
    return found


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon()


def _groups(lexicon: Lexicon) -> dict[str, list[PatternSet]]:
    raising = [lexicon.negators, lexicon.present, lexicon.habitual, lexicon.recent,
               lexicon.strong_present, lexicon.cues, lexicon.child, lexicon.adult,
               lexicon.child_speaker, lexicon.child_victim, lexicon.harm_verbs,
               *(group for _, groups in lexicon.combos for group in groups)]
    return {"lowering": [lexicon.masks, lexicon.frames], "raising": raising}


@pytest.mark.parametrize("which", ["lowering", "raising"])
def test_fast_matcher_equals_the_reference_on_the_labelled_sets(lexicon: Lexicon,
                                                                which: str) -> None:
    sets = _groups(lexicon)[which]
    reference = Reference(sets)
    checked = 0
    for text in _messages():
        tokens = lexicon.tokenise(text)
        for exact in ({False, accented(tokens)} if which == "lowering" else {False}):
            assert _fast(lexicon, sets, tokens, exact) == reference.scan(tokens, exact), text
            checked += 1
    assert checked > 3000


def _tokens(lexicon: Lexicon, text: str) -> list[Token]:
    return lexicon.tokenise(text)


@pytest.mark.parametrize(("pattern", "text"), [
    ("say|say_rượu đánh", "nó say rượu đánh em"),  # the phrase, since "say" alone fails
    ("say|say_rượu", "nó say rượu rồi"),  # one word first, as _match_at tries it
    ("bị|bị_nó đánh|đánh_đập", "em bị nó đánh đập"),
    ("em <n> tuổi", "em 14 tuổi, bố đánh em"),
    ("<n> tuoi|tuổi", "bé 14t"),  # "14t" makes a number and "tuổi"
    ("^ cứu", "cứu em với, cứu"),  # only at the start of a clause
    ("đánh em $", "nó đánh em, đánh em"),  # only at the end of a clause
    ("=kiếm", "kiem tra giup e, nó cầm kiếm"),  # strict: only typed with diacritics
    ("không|hong thở", "hong thở được"),  # teencode token with two readings
    ("dao", "Côn Đảo có dao không, dao"),
    ("bóp|siết|bop ~ cổ|co ~~ chết", "nó bóp mạnh vào cổ em tưởng chết"),  # gaps, shortest first
    ("bị ~ đánh|đánh_đập", "em bị chồng đánh đập"),
    (" ".join(["em|e"] * 13), " ".join(["em"] * 14)),  # too many sequences: the index's way
    (" ".join(["em|e"] * 13) + " ~ đánh", " ".join(["em"] * 14) + " đánh"),
])
def test_fast_matcher_equals_the_reference_on_built_patterns(pattern: str, text: str) -> None:
    lexicon = default_lexicon()
    group = PatternSet([compile_pattern(pattern, "test")])
    tokens = _tokens(lexicon, text)
    for exact in (False, True):
        fast = {(m.start, m.end, m.positions) for m in group.find(tokens, exact)}
        slow = {(i, end, positions) for _, _, i, end, positions
                in Reference([group]).scan(tokens, exact)}
        assert fast == slow, (pattern, text, exact)
        assert fast or exact, (pattern, text)  # each case matches somewhere as typed


def test_find_returns_matches_in_order() -> None:
    lexicon = default_lexicon()
    group = PatternSet([compile_pattern("đánh|đánh_em"), compile_pattern("em")])
    matches = group.find(_tokens(lexicon, "nó đánh em, đánh em"))
    assert [(m.start, m.end) for m in matches] == sorted((m.start, m.end) for m in matches)
    assert all(isinstance(m, Match) for m in matches)


def test_model_input_folded_word_by_word_equals_folding_the_text() -> None:
    """The model's folded input is built from the tokens' cached word folds; it must equal
    ``fold`` of the whole unmasked text, or the learned opinion would drift from training."""
    from handlers.triage import _model_input, _read

    lexicon = default_lexicon()
    extra = ["🆘 cứu em 🆘", "straße ßa ǅ", "can't won't I'm", "ĐÀ NẴNG,,, Ðà   nẵng", "14t 15tuoi"]
    for text in [*_messages(), *extra]:
        tokens = lexicon.tokenise(text)
        if not tokens:
            continue
        unmasked, folded = _model_input(_read(lexicon, tokens))
        assert folded == fold(unmasked), text
