"""Classification's event handlers in-process on SQLite and PostgreSQL, driven by real CloudEvents."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from debtflow.classification.classifications.models import ClassificationHistoryRow
from debtflow.common.events import (
    BalanceSnapshot,
    DebtClassified,
    DebtRegistered,
    DebtUpdated,
)
from support import token
from support.harness import (
    harness,
    registered,
)

STAFF = token("supervisor", subject="supervisor-1")
LENDER = token("lender")
AS_OF = date(2026, 11, 27)


async def test_classification_classifies_a_registered_debt_and_announces_it(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(borrower_id="BR-88812", principal="12000.00", interest="350.40", fees="50.00",
                          days_overdue=285, as_of=AS_OF)
        cause = await service.publish(debt)
        await service.settled()

        current = await service.get_json(f"/v1/classifications/{debt.debt_id}?as_of={AS_OF}", STAFF)
        assert current is not None
        assert {key: current[key] for key in ("borrower_id", "as_of_date", "days_past_due", "dpd_bucket",
                                              "five_tier_class", "ifrs9_stage", "default_flag", "overdue_type",
                                              "exposure", "currency")} == {
            "borrower_id": "BR-88812", "as_of_date": "2026-11-27", "days_past_due": 285, "dpd_bucket": "M6+",
            "five_tier_class": "doubtful", "ifrs9_stage": 3, "default_flag": True, "overdue_type": "default",
            "exposure": "12400.40", "currency": "CNY",
        }
        assert "dpd_over_270" in current["reason_codes"]
        [event] = service.emitted()
        assert isinstance(event.data, DebtClassified)
        assert (event.data.dpd_bucket, event.data.five_tier_class, event.data.days_past_due) == ("M6+", "doubtful", 285)
        assert (event.data.previous_dpd_bucket, event.data.previous_five_tier_class) == (None, None)
        assert (str(event.data.exposure), event.data.currency) == ("12400.40", "CNY")
        assert event.data.ruleset_version == current["ruleset_version"]
        assert (event.subject, event.causationid, event.correlationid) == (
            str(debt.debt_id), cause.id, cause.correlationid
        )


async def test_classification_of_an_unknown_debt_is_not_found(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        response = await service.client.get(f"/v1/classifications/{uuid.uuid4()}", headers=STAFF)
        assert response.status_code == 404
        lender = await service.client.get(f"/v1/classifications/{uuid.uuid4()}", headers=LENDER)
        assert lender.status_code == 403


async def test_classification_ignores_a_duplicate_delivery(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(days_overdue=100)
        envelope = await service.publish(debt)
        await service.deliver(envelope)  # the broker redelivers the very same event
        await service.settled()

        assert await service.count(ClassificationHistoryRow) == 1
        assert await service.outbox_count() == 1
        assert len(service.emitted(DebtClassified)) == 1


def _updated(debt: DebtRegistered, *, version: int, days_overdue: int, as_of: date) -> DebtUpdated:
    """Intake's newer figures for a registered debt (a later as-of date, a higher version)."""
    return DebtUpdated(
        debt_id=debt.debt_id, borrower_id=debt.borrower_id, cause="default_update", version=version,
        currency=debt.currency, balances=BalanceSnapshot(principal="1000.00", interest="0.00",
                                                         penalty_interest="0.00", fees="0.00", total="1000.00"),
        first_unpaid_due_date=as_of - timedelta(days=days_overdue), as_of_date=as_of, status="open",
        updated_at=datetime.now(UTC),
    )


async def test_classification_ignores_older_facts_arriving_after_newer_ones(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(days_overdue=100, as_of=AS_OF - timedelta(days=30))
        newer = _updated(debt, version=3, days_overdue=285, as_of=AS_OF)
        older = _updated(debt, version=2, days_overdue=200, as_of=AS_OF - timedelta(days=10))
        for payload in (debt, newer):
            await service.publish(payload)
        await service.settled()
        before = await service.get_json(f"/v1/classifications/{debt.debt_id}?as_of={AS_OF}", STAFF)
        await service.publish(older)
        await service.settled()

        after = await service.get_json(f"/v1/classifications/{debt.debt_id}?as_of={AS_OF}", STAFF)
        assert after == before
        assert (after["as_of_date"], after["dpd_bucket"]) == ("2026-11-27", "M6+")
        assert await service.count(ClassificationHistoryRow) == 2
        assert len(service.emitted(DebtClassified)) == 2


async def test_classification_reclassifies_on_newer_facts_and_says_what_it_was(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(days_overdue=100, as_of=AS_OF - timedelta(days=180))
        await service.publish(debt)
        await service.settled()
        await service.publish(_updated(debt, version=2, days_overdue=280, as_of=AS_OF))
        await service.settled()

        first, second = service.emitted(DebtClassified)
        assert (first.data.dpd_bucket, first.data.five_tier_class) == ("M4", "substandard")
        assert (second.data.dpd_bucket, second.data.five_tier_class) == ("M6+", "doubtful")
        assert (second.data.previous_dpd_bucket, second.data.previous_five_tier_class) == ("M4", "substandard")
        assert await service.count(ClassificationHistoryRow) == 2


