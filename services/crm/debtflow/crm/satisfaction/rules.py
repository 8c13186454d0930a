"""Satisfaction figures as plain functions: a group's mean score and CSAT share from its score counts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: The scores counting as satisfied in CSAT: 4 and 5 of 5 (the usual top-two-box definition).
SATISFIED = (4, 5)


def figures(counts: dict[int, int]) -> tuple[int, Decimal, Decimal]:
    """(answers, mean score to two decimals, CSAT percent to one decimal) of one group's counts per score."""
    answers = sum(counts.values())
    if answers == 0:
        return 0, Decimal("0.00"), Decimal("0.0")
    total = sum(score * count for score, count in counts.items())
    average = (Decimal(total) / answers).quantize(Decimal("0.01"), ROUND_HALF_UP)
    satisfied = sum(counts.get(score, 0) for score in SATISFIED)
    share = (Decimal(100 * satisfied) / answers).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return answers, average, share
