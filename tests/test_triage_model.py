"""The learned second opinion: trained on the shipped data, never on the evaluation set, and
able to catch danger that no lexicon phrase names."""

from __future__ import annotations

from pathlib import Path

from handlers.triage import Level, model_text, triage
from handlers.triage_model import (
    LEXICON_FILE,
    MODEL_FILE,
    TRAINING_FILE,
    default_model,
    features,
    fingerprint,
    load,
    read_examples,
    train,
)
from knowledge.text import fold

EVAL = Path(__file__).parent / "data" / "triage_eval.tsv"


def test_shipped_weights_come_from_the_shipped_training_data() -> None:
    model, trained_on = load(MODEL_FILE.read_text(encoding="utf-8"))
    assert trained_on == fingerprint(TRAINING_FILE, LEXICON_FILE), (
        "run scripts/train_triage_model.py")
    retrained = train(read_examples(TRAINING_FILE), prepare=model_text)
    assert retrained.urgency == model.urgency
    assert retrained.categories == model.categories


def test_the_evaluation_set_is_never_trained_on() -> None:
    trained = {fold(e.text) for e in read_examples(TRAINING_FILE)}
    evaluated = {fold(e.text) for e in read_examples(EVAL)}
    assert trained.isdisjoint(evaluated)


def test_training_data_is_labelled_and_balanced_enough_to_learn_from() -> None:
    examples = read_examples(TRAINING_FILE)
    urgent = [e for e in examples if e.urgent]
    assert len(examples) >= 900
    assert 0.3 <= len(urgent) / len(examples) <= 0.7
    assert all(e.categories for e in urgent), "every urgent example names its categories"
    assert not any(e.categories for e in examples if not e.urgent)


def test_accents_typed_by_the_person_are_kept_apart() -> None:
    assert "@kiểm" in features("kiểm tra giúp em")
    assert "@kiếm" in features("nó cầm kiếm")
    assert "@kiếm" not in features("kiểm tra giúp em")


def test_indirect_danger_is_caught_with_a_reason_that_fits() -> None:
    model = default_model()
    poisoned = model.opinion("em vua uong het vi thuoc ngu cua me, gio chong mat qua")
    assert poisoned.urgent and "self_harm" in poisoned.reasons
    hiding = model.opinion("nó say về rồi, mấy mẹ con đang trốn trong nhà tắm, nó đập cửa")
    assert hiding.urgent


def test_ordinary_messages_are_left_alone() -> None:
    model = default_model()
    for text in ("cho em hỏi thủ tục ly hôn đơn phương", "cảm ơn bạn nhiều", "em ở Cà Mau",
                 "trên 18", "hello", "mấy giờ trung tâm mở cửa"):
        assert not model.opinion(text).urgent, text


def test_status_lines_call_back_details_and_safe_now_are_not_urgent() -> None:
    """Messages that only say where someone is sitting, give a number in words and a time, or
    say she is safe now: the second opinion must not page staff for them (an independent
    writer's conversations found these alarmed). Different wording from the training lines."""
    for text in ("em đang ngồi ở bến xe Mỹ Đình đợi chuyến sớm",
                 "sdt e khong chin tam bay, sau 9 gio toi goi nha",
                 "e o nha ngoai roi, an toan roi chi a",  # "an toàn" is also a place name
                 "My friend is not in immediate danger now, what help exists for her?",
                 "im fine now, staying at my sister's"):
        assert triage(text).level is Level.ROUTINE, text
    assert triage("toi nay e ko muon song nua").level is Level.URGENT  # still heard


def test_category_table_gives_each_category_models_own_probability() -> None:
    """The one-lookup-per-feature table (for speed) must give, float for float, what each
    category model says on its own: the reasons, and so the first answer, depend on it."""
    model = default_model()
    texts = [e.text for e in read_examples(EVAL)] + ["", "🆘", "xin chào"]
    for text in texts:
        for form in (text, fold(text)):
            feats = features(model_text(form))
            one_by_one = [m.probability(feats) for m in model.categories.values()]
            assert model._category_probabilities(feats) == one_by_one, form


def _plain_features(text: str) -> set[str]:
    """``features`` as first written, loop by loop: the reference for the faster one."""
    import unicodedata
    from itertools import pairwise

    folded = fold(text[:1000])
    words = folded.split()
    found = set(words)
    found.update(f"{a}_{b}" for a, b in pairwise(words))
    padded = f" {folded} "
    found.update("#" + padded[i : i + 4] for i in range(len(padded) - 3))
    for word in unicodedata.normalize("NFC", text[:1000].lower()).split():
        word = word.strip(".,!?;:()\"'")
        if word and fold(word) != word:
            found.add("@" + word)
    return found


def test_features_equal_the_plain_definition_in_the_same_order() -> None:
    """Same features, and the same set iteration order: the weights are summed in that order,
    so a different order could move a probability by a rounding step."""
    texts = [e.text for e in read_examples(EVAL)] + ["", "a", "🆘 cứu", "x" * 1200]
    for text in texts:
        for form in (text, fold(text), model_text(text)):
            assert list(features(form)) == list(_plain_features(form)), form
