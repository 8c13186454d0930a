"""Discount authority and the waterfall, without a database: which roles approve which discount (four eyes above
a supervisor's limit), and a discount waived from penalty interest first to principal last."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debtflow.collections.arrangements.rules import (
    WATERFALL,
    Approver,
    Balances,
    DiscountLimits,
    approval_refusal,
    is_approved,
    split_discount,
    supervisors_needed,
)
from debtflow.common.auth import normalise_identity

percent = st.integers(min_value=0, max_value=10_000).map(lambda value: Decimal(value).scaleb(-2))
cents = st.integers(min_value=0, max_value=10_000_000).map(lambda value: Decimal(value).scaleb(-2))
#: Names that look alike to a reader: the same person to four-eyes rules.
SPELLINGS = {"sup-a": ["sup-a", "SUP-A", " sup-a ", "ｓｕｐ-a"], "sup-b": ["sup-b", "Sup-B"], "sup-c": ["sup-c"]}
people = st.sampled_from(list(SPELLINGS)).flatmap(lambda name: st.sampled_from(SPELLINGS[name]))
roles = st.sampled_from(["collector", "supervisor"])


@st.composite
def limits(draw: st.DrawFn) -> DiscountLimits:
    low, middle, high = sorted(draw(st.lists(percent, min_size=3, max_size=3)))
    return DiscountLimits(collector=low, supervisor=middle, ceiling=high)


@settings(max_examples=300, deadline=None)
@given(discount=percent, authority=limits(), proposer=st.tuples(people, roles),
       attempts=st.lists(st.tuples(people, roles), max_size=4))
def test_a_discount_is_approved_exactly_when_enough_different_supervisors_agreed(
        discount: Decimal, authority: DiscountLimits, proposer: tuple[str, str],
        attempts: list[tuple[str, str]]) -> None:
    maker = Approver(normalise_identity(proposer[0]), proposer[1])  # type: ignore[arg-type]
    if discount > authority.ceiling:
        with pytest.raises(ValueError, match="ceiling"):
            supervisors_needed(discount, authority)
        return
    approvals: list[Approver] = []
    for subject, role in attempts:
        checker = Approver(normalise_identity(subject), role)  # type: ignore[arg-type]
        refusal = approval_refusal(checker, maker, approvals, discount, authority)
        if checker.role != "supervisor" or checker.identity == maker.identity:
            assert refusal is not None  # collectors never approve; nobody approves their own proposal
        if refusal is None:
            approvals.append(checker)
    supervisors = {person.identity for person in (maker, *approvals) if person.role == "supervisor"}
    needed = 0 if discount <= authority.collector else 1 if discount <= authority.supervisor else 2
    assert is_approved(discount, authority, maker, approvals) == (len(supervisors) >= needed)
    assert len({person.identity for person in approvals}) == len(approvals)  # nobody approved twice


@settings(max_examples=300, deadline=None)
@given(parts=st.tuples(cents, cents, cents, cents), share=st.integers(min_value=0, max_value=100))
def test_a_discount_is_waived_from_penalty_interest_first_and_principal_last(
        parts: tuple[Decimal, Decimal, Decimal, Decimal], share: int) -> None:
    balances = Balances(*parts)
    discount = (balances.total * share / 100).quantize(Decimal("0.01")).min(balances.total)
    waived = split_discount(discount, balances)
    assert sum(waived.values()) == discount
    for index, component in enumerate(WATERFALL):
        assert 0 <= waived[component] <= getattr(balances, component)
        if waived[component] > 0:  # nothing later is touched before everything earlier is waived in full
            assert all(waived[earlier] == getattr(balances, earlier) for earlier in WATERFALL[:index])
