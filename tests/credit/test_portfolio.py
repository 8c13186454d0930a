"""Credit's portfolio read model on SQLite and PostgreSQL, kept from intake's and classification's events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from debtflow.common.events import (
    BalanceSnapshot,
    DebtRegistered,
    PaymentAllocation,
    PaymentReceived,
)
from support import token
from support.harness import (
    classified,
    harness,
    registered,
)

COLLECTOR = token("collector", subject="collector-7")
RISK = token("risk", subject="analyst-1")
LENDER = token("lender")


@pytest.mark.parametrize("classified_first", [False, True], ids=["registered-first", "classified-first"])
async def test_credit_summarises_the_portfolio_per_currency(database_url: str, classified_first: bool) -> None:
    async with harness("credit", database_url) as service:
        yuan = registered(currency="CNY", principal="12000.00", interest="350.40", fees="50.00", days_overdue=285)
        dollars = registered(currency="USD", principal="999.99", days_overdue=45)
        unclassified = registered(currency="CNY", principal="0.60", days_overdue=10)
        facts = [
            (yuan, classified(yuan.debt_id, dpd_bucket="M6+", five_tier_class="doubtful", days_past_due=285,
                              exposure="12400.40", currency="CNY")),
            (dollars, classified(dollars.debt_id, dpd_bucket="M2", five_tier_class="special_mention",
                                 days_past_due=45, exposure="999.99", currency="USD")),
        ]
        for registration, classification in facts:
            for payload in ((classification, registration) if classified_first else (registration, classification)):
                await service.publish(payload)
                await service.settled()  # one at a time, so the order is the one under test
        await service.publish(unclassified)
        await service.settled()

        summary = await service.get_json("/v1/portfolio/summary", RISK)
        assert summary["debts"] == 3
        assert "exposure" not in summary  # amounts in different currencies are never added up
        assert summary["by_currency"] == [
            {
                "currency": "CNY", "debts": 2, "exposure": "12401.00",
                "by_dpd_bucket": [{"label": "M6+", "debts": 1, "exposure": "12400.40"},
                                  {"label": "unclassified", "debts": 1, "exposure": "0.60"}],
                "by_five_tier_class": [{"label": "doubtful", "debts": 1, "exposure": "12400.40"},
                                       {"label": "unclassified", "debts": 1, "exposure": "0.60"}],
                "closed": {},
            },
            {
                "currency": "USD", "debts": 1, "exposure": "999.99",
                "by_dpd_bucket": [{"label": "M2", "debts": 1, "exposure": "999.99"}],
                "by_five_tier_class": [{"label": "special_mention", "debts": 1, "exposure": "999.99"}],
                "closed": {},
            },
        ]


async def test_credit_adds_up_debts_whose_sum_outgrows_a_single_amount(database_url: str) -> None:
    """Twelve of the largest debts intake accepts owe 18 integer digits: still a 200 with the exact sum."""
    async with harness("credit", database_url) as service:
        largest = [registered(currency="CNY", principal="9999999999999999.99") for _ in range(12)]
        for registration in largest:
            await service.publish(registration)
        await service.publish(classified(largest[0].debt_id, dpd_bucket="M4", five_tier_class="substandard",
                                         exposure="9999999999999999.99"))
        await service.settled()

        response = await service.client.get("/v1/portfolio/summary", headers=RISK)
        assert response.status_code == 200, response.text
        [yuan] = response.json()["by_currency"]
        assert (yuan["debts"], yuan["exposure"]) == (12, "119999999999999999.88")
        assert yuan["by_dpd_bucket"] == [
            {"label": "M4", "debts": 1, "exposure": "9999999999999999.99"},
            {"label": "unclassified", "debts": 11, "exposure": "109999999999999999.89"},
        ]
        assert [item["exposure"] for item in yuan["by_five_tier_class"]] == [
            "9999999999999999.99", "109999999999999999.89"]


def _balances(total: str) -> BalanceSnapshot:
    return BalanceSnapshot(principal=total, interest="0.00", penalty_interest="0.00", fees="0.00", total=total)


def _payment(debt: DebtRegistered, *, version: int, amount: str, left: str, status: str = "open") -> PaymentReceived:
    return PaymentReceived(
        payment_id=uuid.uuid4(), lending_core_payment_id=f"PAY-{version}", debt_id=debt.debt_id,
        borrower_id=debt.borrower_id, amount=amount, currency=debt.currency, paid_at=datetime.now(UTC),
        channel="bank_transfer", allocation=PaymentAllocation(penalty_interest="0.00", fees="0.00",
                                                              interest="0.00", principal=amount, credit="0.00"),
        post_disposal=False, balances_after=_balances(left), first_unpaid_due_date_after=None,
        status_after=status, version=version,  # type: ignore[arg-type]
    )


async def test_credit_exposure_follows_payments_in_version_order_and_closed_debts_leave_the_open_book(
    database_url: str,
) -> None:
    async with harness("credit", database_url) as service:
        paid_down = registered(currency="CNY", principal="1000.00", days_overdue=40)
        paid_off = registered(currency="CNY", principal="300.00", days_overdue=40)
        for payload in (paid_down, paid_off):
            await service.publish(payload)
        await service.publish(_payment(paid_down, version=3, amount="400.00", left="600.00"))
        await service.publish(_payment(paid_down, version=2, amount="100.00", left="900.00"))  # late, older news
        await service.publish(_payment(paid_off, version=2, amount="300.00", left="0.00", status="settled"))
        await service.settled()
        summary = await service.get_json("/v1/portfolio/summary", RISK)
        [yuan] = summary["by_currency"]
        assert (yuan["debts"], yuan["exposure"], yuan["closed"]) == (1, "600.00", {"settled": 1})


async def test_credit_counts_a_redelivered_event_once(database_url: str) -> None:
    async with harness("credit", database_url) as service:
        envelope = await service.publish(registered(currency="USD", principal="10.00"))
        await service.deliver(envelope)
        await service.settled()
        summary = await service.get_json("/v1/portfolio/summary", RISK)
        assert [(item["currency"], item["debts"], item["exposure"]) for item in summary["by_currency"]] == [
            ("USD", 1, "10.00")
        ]


@pytest.mark.parametrize(("headers", "status"), [(COLLECTOR, 403), (LENDER, 403), ({}, 401)],
                         ids=["collector", "lender", "no-token"])
async def test_the_portfolio_is_for_analysts_only(database_url: str, headers: dict[str, str], status: int) -> None:
    async with harness("credit", database_url) as service:
        response = await service.client.get("/v1/portfolio/summary", headers=headers)
        assert response.status_code == status


async def test_an_empty_portfolio(database_url: str) -> None:
    async with harness("credit", database_url) as service:
        summary = await service.get_json("/v1/portfolio/summary", RISK)
        assert (summary["debts"], summary["by_currency"]) == (0, [])


