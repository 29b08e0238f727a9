"""One message in, a structured reading out: what the person told us, whatever the question was.

The dialogue (``handlers.conversation``) never looks at raw text: it acts on a ``Reading``. So a
first message that tells the whole story ("toi o Ca Mau, can cho o tam, co 2 con nho") fills in
place, need and children at once, and an answer to a different question is still understood
(safety.md, "Use what the person said").

CONTRACT (shared by the understanding and conversation work this round): the fields of
``Reading`` and the enums below are the interface. Add fields if needed; do not rename or remove.

How it reads (each part in its own module, vocabulary in ``lexicon.yaml``):
- ``words``: the text as aligned tokens (typed, folded, teencode expanded, clause numbers);
- ``where``: a place only where the text clearly names one (a cue and a name, a clause that is a
  name, a short typo), never a kinship word or a common noun; a foreign country wins;
- ``people``: age, child and elderly cues, men, disability;
- ``contact``: phone number, safe time and code word for a call-back;
- here: intents, questions, needs, who is writing, language and the menu number.
Everything is built once per process; ``read`` does no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from handlers.triage import Level, Reason, TriageResult, triage
from handlers.understanding.contact import code_word, phone_number, safe_time
from handlers.understanding.lexicon import Lexicon, lexicon
from handlers.understanding.people import Band, read_people
from handlers.understanding.where import PlaceFind, PlaceReader
from handlers.understanding.words import Words
from knowledge.abroad import VIETNAM, default_abroad
from knowledge.abroad import Abroad as AbroadDirectory
from knowledge.models import Audience, Need
from knowledge.places import Candidate, PlaceResolver, Resolution
from knowledge.text import fold


class Who(StrEnum):
    """Who is writing, as far as the text says."""

    SELF = "self"  # the person at risk (the default when nothing says otherwise)
    RELAY = "relay"  # a friend, relative or volunteer writing for a named someone else
    BYSTANDER = "bystander"  # a neighbour or passer-by witnessing violence
    PROFESSIONAL = "professional"  # a teacher, health worker, counsellor asking for a case


class Intent(StrEnum):
    """Short answers and commands, in Vietnamese, teencode and English ("uk", "ko", "oke")."""

    YES = "yes"
    NO = "no"
    SKIP = "skip"
    EXIT = "exit"  # quick exit words ("thoát", "x", "exit")
    HELP = "help"
    PRIVACY = "privacy"
    RESTART = "restart"
    THANKS = "thanks"  # "cảm ơn", "thanks": a polite close, not a request
    SAFE = "safe"  # "tôi an toàn", "i'm safe"
    NOT_SAFE_TO_TALK = "not_safe_to_talk"  # "chồng đang ở cạnh, không nhắn được"
    TEXT_ONLY = "text_only"  # "em không gọi được, nó nghe thấy", deaf: texting goes on, no calls
    WANTS_HUMAN = "wants_human"  # "cho em nói chuyện với người thật", "can I talk to someone"
    LANG_EN = "lang_en"
    LANG_VI = "lang_vi"


class Question(StrEnum):
    """Questions people ask, answered from the catalogue at any step (issue 16, item 11)."""

    WHO_READS = "who_reads"  # who reads my messages
    STORED = "stored"  # are my messages kept
    DELETE = "delete"  # can they be deleted
    WHAT_BOT_IS = "what_bot_is"  # are you a person / a bot
    CALL_FOR_ME = "call_for_me"  # "call 113 for me", "báo công an giúp em"
    HELP_FOR_MEN = "help_for_men"
    SOMEONE_COME = "someone_come"  # can someone come to my house
    BED_TONIGHT = "bed_tonight"  # somewhere to sleep tonight
    PHONE_COUNSELLING = "phone_counselling"
    WHERE_REPORT = "where_report"  # where do I report (Law 13/2022 Art. 19)
    LAW = "law"  # other questions about the law (not an emergency)
    MEDICAL = "medical"  # "có nên đi khám ko": should I see a doctor (after violence)
    STOP_NOT_JAIL = "stop_not_jail"  # "không muốn con đi tù, chỉ muốn nó thôi đánh": what the
    #  commune and its police can do short of prosecution (Law 13/2022 Art. 19, 24, 25)
    WHAT_TO_DO = "what_to_do"  # "tôi nên làm gì?": for someone relaying, what they can do now
    EMBASSY = "embassy"  # "số đại sứ quán?", "and the consulate?"
    TELL_PARENTS = "tell_parents"  # "111 có báo cho bố mẹ em ko": no source says; said honestly
    LANGUAGE = "language"  # "e nói tiếng Trung ít, sợ cảnh sát ko hiểu": lines in Vietnamese


class AgeBand(StrEnum):
    CHILD = "child"  # under 18
    ADULT = "adult"
    ELDERLY = "elderly"


@dataclass(frozen=True)
class Abroad:
    """A country outside Vietnam the person is in (ISO 3166 alpha-2), and a city if named."""

    country: str
    city: str | None = None


@dataclass(frozen=True)
class Reading:
    text: str
    triage: TriageResult
    lang: str | None = None  # "vi" / "en" when the text clearly is; None when it cannot tell
    place: Resolution | None = None  # only when the text clearly names a place in Vietnam
    abroad: Abroad | None = None
    needs: tuple[Need, ...] = ()
    age: int | None = None  # years, when said ("em 14 tuổi", "30t")
    age_band: AgeBand | None = None
    audiences: tuple[Audience, ...] = ()  # who the help is for: children, men, elderly...
    who: Who = Who.SELF
    intents: frozenset[Intent] = field(default_factory=frozenset)
    questions: tuple[Question, ...] = ()
    phone: str | None = None  # a phone number typed for a call-back
    time_words: str | None = None  # "sau 8h toi", "buổi sáng": when it is safe to call
    option_number: int | None = None  # the message is just a menu number ("2")
    # Added by the understanding work (issue 16):
    place_candidates: tuple[Candidate, ...] = ()  # a name that exists in several places: ask
    # A name that is both a Vietnamese place and a foreign one ("em ở Hà Khẩu": a ward of Hạ
    # Long, a town in China): ``place`` is None, the Vietnamese reading is in ``place_candidates``
    # and the foreign one(s) here. Ask which is meant.
    abroad_candidates: tuple[Abroad, ...] = ()
    code_word: str | None = None  # "mã là hoa hồng", "code word: sunflower" (as typed)
    papers: bool = False  # lost or kept papers named ("mất hết giấy tờ", "làm lại căn cước")
    # The writer (or the person at risk they speak for) is a child: their own age, a grade,
    # "dưới 18". False for "có 2 con nhỏ 3 tuổi" (a child in the story: ``audiences``).
    child_writer: bool = False

    @property
    def urgent(self) -> bool:
        return self.triage.level is Level.URGENT


_OPTION = re.compile(
    r"^(?:so|option|lua chon|chon|number|muc|phim|bam|nhan) ?(\d{1,2})$|^(\d{1,2})$"
)
# A question's shape: needed before a legal word counts as a question about the law.
_ASKS = re.compile(
    r"(?<![a-z0-9])(?:khong|chua|sao|the nao|nhu the nao|gi|dau|nao|bao lau|bao nhieu|co duoc"
    r"|duoc khong|lam sao|ai duoc|ai se|ai co|how|what|can i|is it|do i|should i|where|when|which"
    r"|who)(?![a-z0-9])"
)
# Right before a need, these say it is not wanted: "không cần tư vấn", "don't need a lawyer".
_NOT_WANTED = ("khong can", "khong muon", "chua can", "don t need", "no need", "don t want")
# Bare "real person" words are a question about the bot when the text asks what it is.
_WEAK_HUMAN = re.compile(r"(?<![a-z0-9])(?:nguoi that|human|real person)(?![a-z0-9])")
_QUESTION_NEEDS = {
    Question.BED_TONIGHT: Need.SHELTER,
    Question.PHONE_COUNSELLING: Need.COUNSELLING,
    Question.LAW: Need.LEGAL,
    Question.WHERE_REPORT: Need.LEGAL,
}
_BAND = {Band.CHILD: AgeBand.CHILD, Band.ADULT: AgeBand.ADULT, Band.ELDERLY: AgeBand.ELDERLY}


@lru_cache(maxsize=8)
def _places(resolver: PlaceResolver) -> PlaceReader:
    return PlaceReader(resolver, lexicon())


def _core(words: Words, lex: Lexicon, clause: int | None = None) -> str:
    """The message (or one clause of it) without polite particles at either end ("dạ không ạ"
    -> "khong")."""
    tokens = [t for t in words.tokens if clause is None or t.clause == clause]
    parts = " ".join(t.norm for t in tokens).split()
    while len(parts) > 1 and (parts[0] in lex.particles or parts[0] in lex.pronouns):
        parts.pop(0)
    while len(parts) > 1 and parts[-1] in lex.particles:
        parts.pop()
    return " ".join(parts)


# A short answer may open a longer message: "không, nó đang đánh em", "uk, can cho o".
_OPENING_ANSWERS = (Intent.YES, Intent.NO, Intent.SKIP)


def _intents(words: Words, core: str, lex: Lexicon, claimed: set[int]) -> set[Intent]:
    found: set[Intent] = set()
    several = len(words) > 0 and words.tokens[-1].clause != words.tokens[0].clause
    opening = _core(words, lex, words.tokens[0].clause) if several else None
    for name, spec in lex.intents.items():
        intent = Intent(name)
        if core in spec.whole:
            found.add(intent)
            claimed.update(range(len(words)))
        elif opening is not None and intent in _OPENING_ANSWERS and opening in spec.whole:
            found.add(intent)
            claimed.update(k for k, t in enumerate(words.tokens)
                           if t.clause == words.tokens[0].clause)
        for i, j in words.spans(spec.phrases):
            if intent is Intent.SAFE and _negated(words, i):
                continue
            found.add(intent)
            claimed.update(range(i, j))
    return found


def _negated(words: Words, i: int) -> bool:
    before = words.norm[: words.span_start(i)].split()[-2:]
    return any(w in ("khong", "chua", "not", "never", "chang") for w in before)


def _questions(words: Words, lex: Lexicon, claimed: set[int]) -> list[Question]:
    found: list[Question] = []
    asks = "?" in words.text or _ASKS.search(words.norm) is not None
    for name, pattern in lex.questions.items():
        question = Question(name)
        spans = words.spans(pattern)
        # "phải đi viện" (had to go to hospital) is a fact: only a question's shape asks
        if not spans or (question in (Question.LAW, Question.MEDICAL) and not asks):
            continue
        found.append(question)
        for i, j in spans:
            claimed.update(range(i, j))
    return found


def _needs(words: Words, lex: Lexicon, claimed: set[int]) -> list[tuple[Need, tuple[int, int]]]:
    found: list[tuple[Need, tuple[int, int]]] = []
    for name, pattern in lex.needs.items():
        for i, j in words.spans(pattern):
            before = " ".join(words.norm[: words.span_start(i)].split()[-3:])
            if any(before.endswith(n) for n in _NOT_WANTED):
                continue
            found.append((Need(name), (i, j)))
            claimed.update(range(i, j))
    return found


def _who(norm: str, lex: Lexicon) -> Who:
    # Writing for a named someone ("hỏi hộ chị hàng xóm") is a relay even about a neighbour.
    for kind in (Who.PROFESSIONAL, Who.RELAY, Who.BYSTANDER):
        if lex.who[kind.value].search(norm):
            return kind
    return Who.SELF


# The shape of a Vietnamese syllable once folded: onset, one to three vowels, a coda. A longer
# word of letters that has no such shape ("writing", "help", "trafficking") is foreign evidence.
_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?"
)


def _language(words: Words, lex: Lexicon, skip: set[int]) -> str | None:
    """"vi", "en" or None. English needs real evidence: at least one English word that no
    Vietnamese syllable typed without marks could be. "my", "can", "me", "do", "to", "in" alone
    are "Mỹ", "cần", "mẹ", "đó", "tô", "in" to a person typing without diacritics ("ben xe my
    dinh", "e can giup"), so they count only beside a word like "help", "husband" or "please"."""
    en = vi = 0
    english_only = False
    for k, t in enumerate(words.tokens):
        if k in skip:
            continue
        if t.folded in lex.teencode or t.folded in lex.lang_neutral:
            vi += t.folded in lex.teencode and t.folded not in lex.lang_en
            continue
        for w in t.norm.split():
            if w in lex.lang_neutral:
                continue
            if w in lex.lang_en:
                en += 1
                english_only = english_only or not _VI_SYLLABLE.fullmatch(w)
            elif w in lex.lang_vi:
                vi += 1
            elif len(w) >= 3 and w.isalpha() and not _VI_SYLLABLE.fullmatch(w):
                en += 1
                english_only = True
    if words.has_diacritics(skip):
        vi += 2
    if not english_only:
        en = 0
    if en > vi:
        return "en"
    if vi > en:
        return "vi"
    return None


def _foreign_tokens(directory: AbroadDirectory, words: Words) -> dict[int, Abroad]:
    """Token index -> the foreign place a name there may mean (ambiguous names included)."""
    folded = " ".join(words.folded).split()
    if len(folded) != len(words):
        return {}  # the directory's words do not line up with ours: claim nothing
    spans: dict[int, Abroad] = {}
    for match in directory.find_all(" ".join(words.folded)):
        for k in range(match.start, match.end):
            spans[k] = Abroad(match.country, match.city)
    return spans


def _candidate(resolution: Resolution) -> Candidate:
    assert resolution.province is not None
    return Candidate(province=resolution.province, district=resolution.district,
                     commune=resolution.commune)


def prepare(resolver: PlaceResolver) -> None:
    """Build the vocabulary and the place indexes now (about a second), so the first person to
    write does not wait for them. Optional: ``read`` builds them on first use otherwise."""
    lexicon()
    _places(resolver)


# Back from abroad, not there now ("mới trốn về từ bên Campuchia", "returned from Malaysia");
# "muốn về nước" (wants to go home) is still abroad, so only a done return counts.
_RETURNED = re.compile(
    r"\b(ve tu|tron ve|da ve|moi ve|vua ve|tro ve tu|came back from|returned from|got back from"
    r"|back from)\b"
)


# Papers named: identity card, passport, birth or household registration.
_PAPERS = re.compile(
    r"\b(giay to|can cuoc|cccd|cmnd|chung minh nhan dan|ho chieu|khai sinh|ho khau|papers"
    r"|id card|identity card|passport|birth certificate)\b"
)


def read(text: str, resolver: PlaceResolver, abroad: AbroadDirectory | None = None) -> Reading:
    """Read one message: everything it says, whatever question it answers."""
    lex = lexicon()
    verdict = triage(text)
    words = Words(text[:2000], lex.teencode)
    norm = words.norm
    core = _core(words, lex)
    claimed: set[int] = set()

    option = _OPTION.match(core) or _OPTION.match(norm)
    option_number = int(option.group(1) or option.group(2)) if option else None

    intents = _intents(words, core, lex, claimed)
    questions = _questions(words, lex, claimed)
    # "ai đọc tin nhắn? có người thật ko" asks about the bot; it is no request for staff.
    about_bot = Question.WHAT_BOT_IS in questions or Question.WHO_READS in questions
    if about_bot and Intent.WANTS_HUMAN in intents:
        spec = lex.intents[Intent.WANTS_HUMAN.value].phrases
        strong = [m for m in (spec.finditer(norm) if spec else ())
                  if not _WEAK_HUMAN.fullmatch(m.group())]
        if not strong:
            intents.discard(Intent.WANTS_HUMAN)
    need_spans = _needs(words, lex, claimed)
    # "tôi là nhân viên y tế" says who is writing, not that they need a doctor.
    role = {k for i, j in words.spans(lex.who[Who.PROFESSIONAL.value]) for k in range(i, j)}
    need_spans = [(n, (i, j)) for n, (i, j) in need_spans if role.isdisjoint(range(i, j))]
    for pattern in (*lex.who.values(), *lex.audiences.values()):
        for i, j in words.spans(pattern):
            claimed.update(range(i, j))
    phone = phone_number(text)
    when = safe_time(words, lex)
    code = code_word(words, lex)
    for got in (when, code):
        if got is not None:
            claimed.update(got[1])

    directory = abroad or default_abroad()
    foreign = directory.find_in_text(words.text)
    if foreign is not None and foreign[0] == VIETNAM:
        foreign = None  # "Việt Nam" named is no foreign place
    if foreign is not None and _RETURNED.search(fold(text)):
        foreign = None  # "trốn về từ bên Campuchia": back in Vietnam, a returnee
    foreign_tokens = _foreign_tokens(directory, words)
    found: PlaceFind | None = None
    if option_number is None:
        found = _places(resolver).find(words, claimed, foreign is not None)
    who = _who(norm, lex)
    if found is not None and found.hometown and foreign is not None and who is Who.SELF:
        # "em đang ở Đài Loan, quê Nghệ An": she is in Taiwan; Nghệ An is where she comes from
        found = None
    place_tokens = set(found.tokens) if found else set()
    maybe_abroad: tuple[Abroad, ...] = ()
    overlap = {k: m for k, m in foreign_tokens.items() if k in place_tokens}
    if found is not None and overlap:
        if foreign is None and found.resolution is not None:
            # Only a name that is Vietnamese too ("Hà Khẩu"): offer both, guess neither.
            maybe_abroad = tuple(dict.fromkeys(overlap.values()))
            found = PlaceFind(None, (_candidate(found.resolution),), found.tokens)
        elif foreign is not None:
            found, place_tokens = None, set()  # the "place" was the foreign name itself
    elif found is None and foreign is None and foreign_tokens:
        # A foreign city that is also a Vietnamese name nobody cued as one ("đang ở gần Côn
        # Minh"): not taken alone, but offered, so a conversation that already knows the country
        # can take it as the city.
        maybe_abroad = tuple(dict.fromkeys(foreign_tokens.values()))

    needs: list[Need] = []
    for need, (i, j) in need_spans:
        if place_tokens.isdisjoint(range(i, j)) and need not in needs:
            needs.append(need)
    for question in questions:
        implied = _QUESTION_NEEDS.get(question)
        if implied is not None and implied not in needs:
            needs.append(implied)

    people = read_people(words, lex)
    child_harmed = Reason.CHILD_AT_RISK in verdict.reasons and people.children
    if (people.child_writer or child_harmed) and Need.CHILD not in needs:
        needs.append(Need.CHILD)
    audiences: list[Audience] = []
    for flag, audience in (
        (people.children, Audience.CHILDREN),
        (people.men, Audience.MEN),
        (people.elderly, Audience.ELDERLY),
        (people.disability, Audience.DISABILITIES),
        (Need.TRAFFICKING in needs, Audience.TRAFFICKING_RETURNEES),
    ):
        if flag:
            audiences.append(audience)

    return Reading(
        text=text,
        triage=verdict,
        lang=_language(words, lex, place_tokens | set(foreign_tokens)),
        place=found.resolution if found else None,
        place_candidates=found.candidates if found else (),
        abroad_candidates=maybe_abroad,
        abroad=Abroad(foreign[0], foreign[1]) if foreign else None,
        needs=tuple(needs),
        age=people.age,
        age_band=_BAND[people.band] if people.band else None,
        audiences=tuple(audiences),
        who=who,
        intents=frozenset(intents),
        questions=tuple(questions),
        phone=phone,
        time_words=when[0] if when else None,
        code_word=code[0] if code else None,
        option_number=option_number,
        papers=_PAPERS.search(norm) is not None,
        child_writer=people.child_writer,
    )
