"""Train triage's learned second opinion from the labelled training messages.

    python scripts/train_triage_model.py      # writes handlers/data/triage_model.json

Run it after editing handlers/data/triage_training.tsv and commit both files; a test checks that
the shipped weights were trained on the shipped data.
"""

from __future__ import annotations

from handlers.triage_model import MODEL_FILE, TRAINING_FILE, dump, fingerprint, read_examples, train


def main() -> None:
    examples = read_examples(TRAINING_FILE)
    model = train(examples)
    MODEL_FILE.write_text(dump(model, fingerprint(TRAINING_FILE)) + "\n", encoding="utf-8")
    features = len(model.urgency.weights)
    print(f"{len(examples)} examples, {features} urgency features -> {MODEL_FILE}")


if __name__ == "__main__":
    main()
