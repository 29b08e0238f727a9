"""Train triage's learned second opinion from the labelled training messages.

    python scripts/train_triage_model.py      # writes handlers/data/triage_model.json

Run it after editing handlers/data/triage_training.tsv or handlers/triage_lexicon.yaml and
commit the result; a test checks that the shipped weights were trained on the shipped data.
"""

from __future__ import annotations

from handlers.triage import model_text
from handlers.triage_model import (
    LEXICON_FILE,
    MODEL_FILE,
    TRAINING_FILE,
    dump,
    fingerprint,
    read_examples,
    train,
)


def main() -> None:
    examples = read_examples(TRAINING_FILE)
    model = train(examples, prepare=model_text)
    trained_on = fingerprint(TRAINING_FILE, LEXICON_FILE)
    MODEL_FILE.write_text(dump(model, trained_on) + "\n", encoding="utf-8")
    features = len(model.urgency.weights)
    print(f"{len(examples)} examples, {features} urgency features -> {MODEL_FILE}")


if __name__ == "__main__":
    main()
