"""A learned second opinion for crisis triage: danger said without any of the lexicon's words.

The lexicon (``triage_lexicon.yaml``) is what practitioners review, and it decides most messages.
But people in danger often say it indirectly ("nó về rồi, đêm nay em không yên đâu", "buộc sẵn
dây ở xà nhà rồi"), and no list of phrases covers every way. So a small logistic regression,
trained on labelled messages that practitioners can read and correct
(``handlers/data/triage_training.tsv``), gives a second opinion; triage is urgent when either
says so. The model reads the message less what the lexicon masks (idioms such as "đánh rơi",
everyday compounds, place names), in training as in use. It only ever raises urgency, never
lowers it: missing an emergency costs far more than a false alarm.

Why this shape: word, word-pair and 4-letter features over folded text (people type with or
without diacritics) plus the accented words as typed (so "kiểm" and "kiếm" stay apart where the
person wrote the marks); one model for "urgent or not" and one per reason category, so a message
caught only by the model still gets the right first answer (115 for poisoning, 111 for a child).
Pure Python and a JSON file of weights: no new dependency, deterministic training
(``scripts/train_triage_model.py``), and a test that the shipped weights come from the shipped
data. The evaluation set in ``tests/data/triage_eval.tsv`` is never trained on.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise, repeat
from pathlib import Path

from knowledge.text import fold

DATA = Path(__file__).parent / "data"
MODEL_FILE = DATA / "triage_model.json"
TRAINING_FILE = DATA / "triage_training.tsv"
LEXICON_FILE = Path(__file__).parent / "triage_lexicon.yaml"
CATEGORIES = (
    "violence_now", "weapon", "threat_to_kill", "strangulation", "sexual_violence",
    "confinement_trafficking", "self_harm", "child_at_risk", "injury",
)
THRESHOLD = 0.8  # urgent above this: every held-out emergency the lexicon missed scored >0.99
CATEGORY_THRESHOLD = 0.3
MAX_CHARS = 1000


def features(text: str, folded: str | None = None) -> set[str]:
    """The message's features; training sorts them so it is the same whatever the hash seed.
    ``folded``: ``fold(text)`` when the caller already has it (triage folds the same text to
    look for "I am safe now"); ignored for a message longer than ``MAX_CHARS``, which is cut."""
    if folded is None or len(text) > MAX_CHARS:
        folded = fold(text[:MAX_CHARS])
    text = text[:MAX_CHARS]
    # Built with map/zip/join in C rather than loops, in the same order (a set's iteration
    # order, and so the sum of the weights, depends on the order things went in).
    words = folded.split()
    found = set(words)
    found.update(map("_".join, pairwise(words)))  # word pairs "a_b"
    padded = f" {folded} "
    found.update(map("".join, zip(repeat("#"), padded, padded[1:], padded[2:], padded[3:])))
    lowered = unicodedata.normalize("NFC", text.lower())
    for word in map(str.strip, lowered.split(), repeat(".,!?;:()\"'")):
        if word and _fold_word(word) != word:  # typed with diacritics: keep them as a feature
            found.add("@" + word)
    return found


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    """``fold`` of one word, cached: people reuse words, and folding is the costly part."""
    return fold(word)


@dataclass(frozen=True)
class Linear:
    bias: float
    weights: dict[str, float]

    def probability(self, feats: Iterable[str]) -> float:
        # map over dict.get in C, in the features' own order (the same sum, bit for bit).
        return _squash(self.bias + sum(map(self.weights.get, feats, repeat(0.0))))


def _squash(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Opinion:
    urgent: bool
    probability: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TriageModel:
    urgency: Linear
    categories: dict[str, Linear]
    threshold: float = THRESHOLD

    def opinion(self, text: str, folded: str | None = None) -> Opinion:
        feats = features(text, folded)
        p = self.urgency.probability(feats)
        if p <= self.threshold:
            return Opinion(False, p, ())
        scored = sorted(zip(self._category_probabilities(feats), self.categories, strict=True),
                        reverse=True)
        reasons = tuple(name for q, name in scored if q >= CATEGORY_THRESHOLD) or (scored[0][1],)
        return Opinion(True, p, reasons)


    def _category_probabilities(self, feats: Iterable[str]) -> list[float]:
        """Each category model's ``probability``, in ``categories`` order, from one lookup per
        feature in a table of all categories' weights: nine lookups per feature into nine
        large dicts cost more than the arithmetic. Each column sums the same weights in the
        same order as ``Linear.probability`` (an absent weight adds nothing), so the same
        floats come out."""
        table = self._category_table
        columns = list(zip(*filter(None, map(table.get, feats)), strict=True))
        return [_squash(m.bias + (sum(column) if columns else 0))
                for m, column in zip(self.categories.values(),
                                     columns or [()] * len(self.categories), strict=True)]

    @cached_property
    def _category_table(self) -> dict[str, tuple[float, ...]]:
        models = list(self.categories.values())
        table: dict[str, list[float]] = {}
        for n, m in enumerate(models):
            for f, w in m.weights.items():
                table.setdefault(f, [0.0] * len(models))[n] = w
        return {f: tuple(ws) for f, ws in table.items()}


@dataclass(frozen=True)
class Example:
    urgent: bool
    categories: frozenset[str]
    text: str


def read_examples(path: Path) -> list[Example]:
    """``label<TAB>categories<TAB>text`` lines; ``#`` starts a comment (the eval set's format)."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, cats, text = line.split("\t")
        categories = frozenset(c for c in cats.split(",") if c and c != "-")
        examples.append(Example(label == "urgent", categories, text))
    return examples


def _fit(rows: Sequence[tuple[list[str], bool]], epochs: int, seed: int) -> Linear:
    weights: dict[str, float] = {}
    bias = 0.0
    rate, decay = 0.2, 3e-3  # decay keeps weights modest: calibrated, not overconfident
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for index in order:
            feats, label = rows[index]
            z = bias + sum(weights.get(f, 0.0) for f in feats)
            gradient = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - float(label)
            bias -= rate * gradient
            for f in feats:
                weights[f] = weights.get(f, 0.0) * (1 - rate * decay) - rate * gradient
    kept = {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= 0.01}
    return Linear(round(bias, 4), kept)


def train(examples: Sequence[Example], prepare: Callable[[str], str] = lambda text: text,
          epochs: int = 15, seed: int = 7) -> TriageModel:
    """Deterministic: the same examples give the same weights. ``prepare`` is what triage does
    to a message before asking the model (``handlers.triage.model_text``: masks removed)."""
    # Every example also as typed without diacritics or punctuation: people type both ways,
    # and a model that learned only the accented form alarms on plain short questions.
    examples = [*examples, *(Example(e.urgent, e.categories, fold(e.text)) for e in examples)]
    feats = [sorted(features(prepare(e.text))) for e in examples]
    urgency = _fit([(f, e.urgent) for f, e in zip(feats, examples, strict=True)], epochs, seed)
    urgent = [(f, e) for f, e in zip(feats, examples, strict=True) if e.urgent]
    categories = {
        name: _fit([(f, name in e.categories) for f, e in urgent], epochs, seed)
        for name in CATEGORIES
    }
    return TriageModel(urgency, categories)


def fingerprint(*paths: Path) -> str:
    """Of the training data and the lexicon whose masks prepare it: either changing means
    the model must be trained again."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def dump(model: TriageModel, trained_on: str) -> str:
    def linear(m: Linear) -> dict[str, object]:
        return {"bias": m.bias, "weights": m.weights}

    return json.dumps(
        {"version": 1, "trained_on_sha256": trained_on, "threshold": model.threshold,
         "urgency": linear(model.urgency),
         "categories": {k: linear(v) for k, v in model.categories.items()}},
        ensure_ascii=False, separators=(",", ":"), sort_keys=True,
    )


def load(text: str) -> tuple[TriageModel, str]:
    raw = json.loads(text)

    def linear(d: dict[str, object]) -> Linear:
        return Linear(float(d["bias"]), dict(d["weights"]))  # type: ignore[arg-type, call-overload]

    model = TriageModel(linear(raw["urgency"]),
                        {k: linear(v) for k, v in raw["categories"].items()},
                        float(raw["threshold"]))
    return model, str(raw["trained_on_sha256"])


@lru_cache(maxsize=1)
def default_model() -> TriageModel:
    model = load(MODEL_FILE.read_text(encoding="utf-8"))[0]
    model._category_table  # noqa: B018 built now, not on the first urgent message (~0.3 s)
    return model
