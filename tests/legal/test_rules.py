"""Legal rules as pure functions: which five-tier classes open a legal case, and with what trigger."""

from __future__ import annotations

from typing import get_args

import pytest

from debtflow.common.events.legal import CaseTrigger
from debtflow.legal.cases.rules import trigger_for_class


@pytest.mark.parametrize(
    ("five_tier_class", "trigger"),
    [
        ("normal", None),
        ("special_mention", None),
        ("substandard", None),
        ("doubtful", "classified_doubtful"),
        ("loss", "classified_loss"),
        ("unheard-of", None),
    ],
)
def test_trigger_for_class(five_tier_class: str, trigger: str | None) -> None:
    assert trigger_for_class(five_tier_class) == trigger


@pytest.mark.parametrize("five_tier_class", ["doubtful", "loss"])
def test_every_trigger_is_one_the_case_opened_event_accepts(five_tier_class: str) -> None:
    assert trigger_for_class(five_tier_class) in get_args(CaseTrigger)
