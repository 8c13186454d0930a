"""Builders and small steps shared by the intake tests: tokens, defaults, borrowers, payments, disposals, bodies."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from debtflow.common.events import CloudEvent, DebtSettled, DebtSold, DebtWrittenOff
from debtflow.intake.borrowers.models import Borrower
from debtflow.intake.debts.models import Debt, Instalment
from debtflow.intake.payments.models import Payment
from support import token
from support.harness import Harness

LENDER = token("lender")
OTHER_LENDER = token("lender", subject="lending-core-b")
SUPERVISOR = token("supervisor", subject="supervisor-1")
PII_READER = token("supervisor", subject="supervisor-2", permissions=["pii:read"])

NAME = "张三丰"
ID_NUMBER = "11010519491231002X"
PHONE = "+8613800138000"
OTHER_PHONE = "+8613900139000"
EMAIL = "zhang.sanfeng@example.com"
ADDRESS = "北京市朝阳区建国路88号"
AS_OF = "2026-11-27"
FIRST_DUE = "2026-02-15"
PAID_AT = "2026-11-28T09:15:00+08:00"

#: The balances of `default()`: penalty 30 -> fees 20 -> interest 100 -> principal 1000 under the default waterfall.
BALANCES = {"principal_outstanding": "1000.00", "interest_outstanding": "100.00",
            "penalty_interest_outstanding": "30.00", "fees_outstanding": "20.00"}
BALANCE_FIELDS = tuple(BALANCES) + ("total_outstanding", "credit_balance")


def borrower(**overrides: Any) -> dict[str, Any]:
    return {"name": NAME, "id_type": "resident_id", "id_number": ID_NUMBER, "phones": [PHONE], "emails": [EMAIL],
            "address": ADDRESS, "region": "Beijing", "timezone": "Asia/Shanghai", "date_of_birth": "1949-12-31",
            **overrides}


def default(loan_id: str = "LN-1", **overrides: Any) -> dict[str, Any]:
    """A default owing 1,150.00 with no schedule and no personal data."""
    return {"loan_id": loan_id, "borrower_id": "BR-1", "currency": "CNY", **BALANCES,
            "first_unpaid_due_date": FIRST_DUE, "as_of_date": AS_OF, **overrides}


SCHEDULE = [  # principal adds up to 1000.00 and interest to 100.00, like BALANCES
    {"sequence": 3, "due_date": "2026-04-15", "principal": "400.00", "interest": "30.00"},
    {"sequence": 1, "due_date": "2026-02-15", "principal": "300.00", "interest": "40.00"},
    {"sequence": 2, "due_date": "2026-03-15", "principal": "300.00", "interest": "30.00"},
]


def full_default(loan_id: str = "LN-1", **overrides: Any) -> dict[str, Any]:
    """A default with loan terms, an unpaid schedule (listed out of order) and the borrower's personal data."""
    terms = {"product": "instalment_loan", "disbursed_amount": "1500.00", "disbursed_on": "2025-08-15",
             "maturity_date": "2026-08-15", "contract_rate": "0.2400", "collateralised": True, "guaranteed": False,
             "instalments": SCHEDULE, "borrower": borrower()}
    return default(loan_id, **{**terms, **overrides})


def payment(payment_id: str = "PAY-1", amount: str = "100.00", loan_id: str = "LN-1", **overrides: Any
            ) -> dict[str, Any]:
    return {"payment_id": payment_id, "loan_id": loan_id, "amount": amount, "currency": "CNY", "paid_at": PAID_AT,
            "channel": "bank_transfer", **overrides}


def snapshot(as_of_date: str, loan_id: str = "LN-1", **overrides: Any) -> dict[str, Any]:
    return {"loan_id": loan_id, "as_of_date": as_of_date, "principal_outstanding": "900.00",
            "interest_outstanding": "120.00", "penalty_interest_outstanding": "35.00", "fees_outstanding": "20.00",
            "first_unpaid_due_date": FIRST_DUE, "days_past_due": 290, **overrides}


# -- steps over HTTP -----------------------------------------------------------------------------------------


async def register(intake: Harness, body: dict[str, Any] | None = None, *, headers: dict[str, str] = LENDER,
                   expect: int = 201) -> dict[str, Any]:
    response = await intake.client.post("/v1/defaults", json=body if body is not None else default(), headers=headers)
    assert response.status_code == expect, response.text
    return response.json()  # type: ignore[no-any-return]


async def pay(intake: Harness, body: dict[str, Any] | None = None, *, headers: dict[str, str] = LENDER,
              expect: int = 201) -> dict[str, Any]:
    response = await intake.client.post("/v1/payments", json=body if body is not None else payment(), headers=headers)
    assert response.status_code == expect, response.text
    return response.json()  # type: ignore[no-any-return]


async def reverse(intake: Harness, payment_id: str = "PAY-1", reason_code: str = "bounced", *,
                  headers: dict[str, str] = LENDER, expect: int = 201) -> dict[str, Any]:
    response = await intake.client.post(f"/v1/payments/{payment_id}/reversal", json={"reason_code": reason_code},
                                        headers=headers)
    assert response.status_code == expect, response.text
    return response.json()  # type: ignore[no-any-return]


async def get_debt(intake: Harness, debt_id: str, *, headers: dict[str, str] = SUPERVISOR) -> dict[str, Any]:
    response = await intake.client.get(f"/v1/debts/{debt_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def get_history(intake: Harness, debt_id: str, *, headers: dict[str, str] = SUPERVISOR) -> list[dict[str, Any]]:
    response = await intake.client.get(f"/v1/debts/{debt_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def get_borrower(intake: Harness, borrower_id: str = "BR-1", *, headers: dict[str, str] = PII_READER
                       ) -> dict[str, Any]:
    response = await intake.client.get(f"/v1/borrowers/{borrower_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def post_batch(intake: Harness, path: str, body: bytes | list[Any], *, content_type: str = "application/json",
                     headers: dict[str, str] = LENDER, expect: int = 200, results: str | None = None
                     ) -> dict[str, Any]:
    content = json.dumps(body).encode() if isinstance(body, list) else body
    response = await intake.client.post(path, content=content, params={"results": results} if results else None,
                                        headers={**headers, "Content-Type": content_type})
    assert response.status_code == expect, response.text
    return response.json()  # type: ignore[no-any-return]


def balances(debt: dict[str, Any]) -> dict[str, str]:
    return {key: debt[key] for key in BALANCE_FIELDS}


# -- batch bodies --------------------------------------------------------------------------------------------


def ndjson(items: Iterable[dict[str, Any] | str]) -> bytes:
    return "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items).encode()


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return buffer.getvalue().encode()


# -- disposals from collections and legal --------------------------------------------------------------------

DISPOSED_AT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def disposal(kind: str, debt: dict[str, Any]) -> Any:
    debt_id, borrower_id = uuid.UUID(debt["id"]), debt["borrower_id"]
    if kind == "settled":
        return DebtSettled(debt_id=debt_id, borrower_id=borrower_id, settlement_amount=Decimal("600.00"),
                           currency=debt["currency"], settled_on=date(2026, 11, 28), settled_at=DISPOSED_AT)
    if kind == "sold":
        return DebtSold(debt_id=debt_id, borrower_id=borrower_id, buyer_ref="AMC-7", sale_price=Decimal("120.00"),
                        currency=debt["currency"], sold_on=date(2026, 11, 28), sold_at=DISPOSED_AT)
    assert kind == "written_off"
    return DebtWrittenOff(debt_id=debt_id, borrower_id=borrower_id, amount_written_off=Decimal(debt["total_outstanding"]),
                          currency=debt["currency"], reason_code="uncollectable", written_off_on=date(2026, 11, 28),
                          written_off_at=DISPOSED_AT)


async def dispose(intake: Harness, kind: str, debt: dict[str, Any]) -> CloudEvent[Any]:
    """Deliver a disposal event as collections or legal would, and wait until intake has handled it."""
    envelope = await intake.publish(disposal(kind, debt))
    await intake.settled()
    return envelope


# -- looking at rows -----------------------------------------------------------------------------------------


async def schedule_of(intake: Harness, debt_id: str) -> list[tuple[int, str, str, str, str, str]]:
    """(sequence, due date, principal due, interest due, principal paid, interest paid) in due-date order."""
    async with intake.runtime.sessions() as session:
        rows = await session.scalars(select(Instalment).where(Instalment.debt_id == uuid.UUID(debt_id))
                                     .order_by(Instalment.due_date))
        return [(row.sequence, row.due_date.isoformat(), str(row.principal_due), str(row.interest_due),
                 str(row.principal_paid), str(row.interest_paid)) for row in rows]


async def stored_nothing(intake: Harness) -> None:
    """No debt, borrower, payment or outbox row."""
    assert await intake.count(Debt) == 0
    assert await intake.count(Borrower) == 0
    assert await intake.count(Payment) == 0
    assert await intake.outbox_count() == 0
