"""When a debt goes to legal, as a pure function of what we learn about it."""

from __future__ import annotations

#: Five-tier classes at which a debt goes to legal review without waiting for collections.
CLASSES_OPENING_A_CASE = {"doubtful": "classified_doubtful", "loss": "classified_loss"}


def trigger_for_class(five_tier_class: str) -> str | None:
    """The case trigger for a classification, or None if the class does not warrant a legal case."""
    return CLASSES_OPENING_A_CASE.get(five_tier_class)
