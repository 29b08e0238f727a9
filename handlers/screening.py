"""The optional danger screen, adapted from the published decision rule of the Maryland Lethality
Assessment Program (safety.md, "Triage"; to be reviewed by practitioners before launch).

It never produces a score for anyone to see. It only decides whether a case reaches a human faster
(urgent) and whether to suggest a medical check after strangulation.
"""

from __future__ import annotations

from dataclasses import dataclass

# A "yes" to any of these makes the case urgent.
CRITICAL = ("weapon", "threat_kill", "might_kill")
# A "yes" to at least FOUR_OF of these makes the case urgent.
OTHERS = (
    "gun_access",
    "strangled",
    "jealous_control",
    "separated",
    "unemployed",
    "suicide_threat",
    "child_not_theirs",
    "stalking",
)
FOUR_OF = 4
QUESTIONS = CRITICAL + OTHERS
ANSWERS = ("yes", "no", "unsure")


@dataclass(frozen=True)
class ScreenOutcome:
    urgent: bool
    medical_check: bool


def decide(answers: dict[str, str]) -> ScreenOutcome:
    """Apply the decision rule to the answers given so far (skipped questions count as unknown)."""
    yes = {q for q, a in answers.items() if a == "yes"}
    urgent = bool(yes.intersection(CRITICAL)) or len(yes.intersection(OTHERS)) >= FOUR_OF
    return ScreenOutcome(urgent=urgent, medical_check="strangled" in yes)
