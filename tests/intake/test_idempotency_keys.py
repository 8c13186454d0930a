"""Idempotency-Key on defaults, payments and reversals: Stripe semantics, one key space per lending core."""

from __future__ import annotations

import asyncio

from debtflow.common.events import DebtRegistered, PaymentReceived
from debtflow.intake.debts.models import Debt
from debtflow.intake.payments.models import Payment
from support.harness import Harness, harness
from support.intake import (
    LENDER,
    OTHER_LENDER,
    default,
    payment,
    register,
)
from support.problems import assert_problem, fields_of


def keyed(key: str, headers: dict[str, str] = LENDER) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_the_same_key_and_body_replays_the_first_answer(intake: Harness) -> None:
    first = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
    assert again.status_code == 201, again.text  # the first answer, status included
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    await intake.settled()
    assert await intake.count(Debt) == 1
    assert len(intake.emitted(DebtRegistered)) == 1


async def test_a_replay_answers_as_the_first_time_even_after_the_debt_changed(intake: Harness) -> None:
    first = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
    await register(intake, default(as_of_date="2026-11-28", principal_outstanding="10.00"), expect=200)
    again = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert again.json()["version"] == 1


async def test_the_same_key_with_a_different_body_is_409(intake: Harness) -> None:
    await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
    other = await intake.client.post("/v1/defaults", json=default(as_of_date="2026-11-28", principal_outstanding="5.00"),
                                     headers=keyed("key-1"))
    problem = assert_problem(other, 409, "idempotency-key-reused")
    assert "Idempotency-Key" in problem["detail"]
    [debt] = (await intake.client.get("/v1/debts", headers=LENDER)).json()["items"]
    assert (debt["version"], debt["principal_outstanding"]) == (1, "1000.00")


async def test_the_same_key_on_another_endpoint_is_409(intake: Harness) -> None:
    await register(intake)
    await intake.client.post("/v1/defaults", json=default("LN-2"), headers=keyed("key-1"))
    response = await intake.client.post("/v1/payments", json=payment(), headers=keyed("key-1"))
    assert_problem(response, 409, "idempotency-key-reused")
    assert await intake.count(Payment) == 0


async def test_different_keys_for_the_same_loan_still_make_one_debt(intake: Harness) -> None:
    first = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
    second = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-2"))
    assert (first.status_code, second.status_code) == (201, 200), second.text
    assert "idempotent-replayed" not in second.headers
    assert second.json()["id"] == first.json()["id"]
    assert await intake.count(Debt) == 1


async def test_keys_belong_to_one_lending_core(intake: Harness) -> None:
    ours = await intake.client.post("/v1/defaults", json=default(), headers=keyed("shared-key"))
    theirs = await intake.client.post("/v1/defaults", json=default(), headers=keyed("shared-key", OTHER_LENDER))
    assert (ours.status_code, theirs.status_code) == (201, 201), theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["source_system"] == "lending-core-b"
    assert theirs.json()["id"] != ours.json()["id"]
    # ...and a different body under another lending core's key is no conflict either.
    other_body = await intake.client.post("/v1/defaults", json=default("LN-9"), headers=keyed("key-x", OTHER_LENDER))
    mine = await intake.client.post("/v1/defaults", json=default("LN-8"), headers=keyed("key-x"))
    assert (other_body.status_code, mine.status_code) == (201, 201), mine.text
    assert await intake.count(Debt) == 4


async def test_a_refused_request_does_not_use_up_its_key(intake: Harness) -> None:
    bad = await intake.client.post("/v1/payments", json=payment(), headers=keyed("key-1"))
    assert_problem(bad, 404, "unknown-loan")
    await register(intake)
    good = await intake.client.post("/v1/payments", json=payment(), headers=keyed("key-1"))
    assert good.status_code == 201, good.text
    assert "idempotent-replayed" not in good.headers


async def test_a_payment_replayed_by_key_is_recorded_once(intake: Harness) -> None:
    await register(intake)
    first = await intake.client.post("/v1/payments", json=payment(), headers=keyed("pay-key"))
    again = await intake.client.post("/v1/payments", json=payment(), headers=keyed("pay-key"))
    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    await intake.settled()
    assert await intake.count(Payment) == 1
    assert len(intake.emitted(PaymentReceived)) == 1


async def test_a_reversal_replayed_by_key(intake: Harness) -> None:
    await register(intake)
    await intake.client.post("/v1/payments", json=payment(), headers=LENDER)
    first = await intake.client.post("/v1/payments/PAY-1/reversal", json={"reason_code": "bounced"},
                                     headers=keyed("rev-key"))
    again = await intake.client.post("/v1/payments/PAY-1/reversal", json={"reason_code": "bounced"},
                                     headers=keyed("rev-key"))
    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    other = await intake.client.post("/v1/payments/PAY-1/reversal", json={"reason_code": "chargeback"},
                                     headers=keyed("rev-key"))
    assert_problem(other, 409, "idempotency-key-reused")


async def test_concurrent_requests_with_one_key_run_once(intake: Harness) -> None:
    responses = await asyncio.gather(*(intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
                                       for _ in range(5)))
    assert [response.status_code for response in responses] == [201] * 5, [response.text for response in responses]
    assert sorted(response.headers.get("idempotent-replayed", "no") for response in responses) == ["no"] + ["true"] * 4
    assert len({response.json()["id"] for response in responses}) == 1
    await intake.settled()
    assert await intake.count(Debt) == 1
    assert len(intake.emitted(DebtRegistered)) == 1


async def test_a_key_past_its_retention_may_be_used_afresh(database_url: str) -> None:
    async with harness("intake", database_url, idempotency_retention_hours=1e-9) as intake:
        first = await intake.client.post("/v1/defaults", json=default(), headers=keyed("key-1"))
        other = await intake.client.post("/v1/defaults", json=default("LN-2"), headers=keyed("key-1"))
        assert (first.status_code, other.status_code) == (201, 201), other.text
        assert "idempotent-replayed" not in other.headers
        assert other.json()["loan_id"] == "LN-2"


async def test_an_unacceptable_key_is_refused_naming_the_header(intake: Harness) -> None:
    for key in ("has space", "x" * 256, "tab\tkey"):
        response = await intake.client.post("/v1/defaults", json=default(), headers=keyed(key))
        problem = assert_problem(response, 422, "validation-error")
        assert "Idempotency-Key" in fields_of(problem), problem
    assert await intake.count(Debt) == 0
    assert await intake.outbox_count() == 0
