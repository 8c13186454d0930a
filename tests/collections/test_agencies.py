"""Agencies on SQLite and PostgreSQL: a placement run by rule, room and schedule; an agency sees only its own
placements; payments in the term earn commission (a cost event) and reconcile the agency's report; a reversal
gives it back; a dispute and the term's end recall; a contact the policy forbids is refused and counted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from debtflow.collections.agencies.jobs import recall_expired_once
from debtflow.collections.agencies.models import Placement
from debtflow.common.events import (
    AgencyPlaced,
    AgencyRecalled,
    CostIncurred,
    DisputeOpened,
    PaymentAllocation,
    PaymentReceived,
    PaymentReversed,
)
from debtflow.common.events.intake import BalanceSnapshot
from support import token
from support.harness import Harness, classified, harness
from support.problems import assert_problem

SUPERVISOR = token("supervisor", subject="supervisor-1")
ZERO = Decimal("0.00")


def _agency(code: str, room: int, *, rate: str = "15.00") -> dict[str, Any]:
    return {"code": code, "name": f"Agency {code}", "max_placements": room, "commission_schedule": {
        "source": f"Agreement {code}-2026, schedule 2",
        "tiers": [{"bucket": "*", "rate_percent": rate}, {"bucket": "M6+", "min_age_days": 180, "rate_percent": "20.00"}]}}


async def _post(service: Harness, path: str, body: Any, headers: dict[str, str] = SUPERVISOR,
                status: int = 201) -> Any:
    reply = await service.client.post(path, json=body, headers=headers)
    assert reply.status_code == status, reply.text
    return reply.json()


async def _cases(service: Harness, *specs: tuple[str, str, int]) -> list[uuid.UUID]:
    debts = []
    for bucket, exposure, days in specs:
        debt_id = uuid.uuid4()
        await service.publish(classified(debt_id, borrower_id=f"BR-{debt_id.hex[:8]}", dpd_bucket=bucket,
                                         exposure=exposure, days_past_due=days))
        debts.append(debt_id)
    await service.settled()
    return debts


def _payment(debt_id: uuid.UUID, amount: str, paid_at: datetime) -> PaymentReceived:
    zero = Decimal("0.00")
    return PaymentReceived(
        payment_id=uuid.uuid4(), lending_core_payment_id=f"PAY-{uuid.uuid4().hex[:8]}", debt_id=debt_id,
        borrower_id=f"BR-{debt_id.hex[:8]}", amount=Decimal(amount), currency="CNY", paid_at=paid_at, channel="bank",
        allocation=PaymentAllocation(penalty_interest=zero, fees=zero, interest=zero, principal=Decimal(amount),
                                     credit=zero),
        post_disposal=False, balances_after=BalanceSnapshot(principal=zero, interest=zero, penalty_interest=zero,
                                                            fees=zero, total=Decimal("100.00")),
        first_unpaid_due_date_after=None, status_after="open", version=2)


def _reversal(paid: PaymentReceived) -> PaymentReversed:
    return PaymentReversed(
        payment_id=paid.payment_id, lending_core_payment_id=paid.lending_core_payment_id, debt_id=paid.debt_id,
        borrower_id=paid.borrower_id, amount=paid.amount, currency="CNY", reversed_allocation=paid.allocation,
        post_disposal=False, balances_after=paid.balances_after, first_unpaid_due_date_after=None,
        status_after="open", reason_code="bounced", reversed_at=datetime.now(UTC), version=3)


async def test_placements_recoveries_and_recalls(database_url: str) -> None:
    async with harness("collections", database_url) as service:
        await _post(service, "/v1/agencies", _agency("alpha", 1))
        await _post(service, "/v1/agencies", _agency("beta", 10, rate="10.00"))
        await _post(service, "/v1/placement-rules", {"name": "late and large", "buckets": ["M6+"], "currency": "CNY",
                                                     "min_exposure": "500.00", "agency_codes": ["alpha", "beta"]})
        big, middle, small, early = await _cases(service, ("M6+", "9000.00", 200), ("M6+", "3000.00", 100),
                                                 ("M6+", "100.00", 200), ("M3", "9000.00", 70))
        run = await _post(service, "/v1/placements:run", None, status=200)
        assert run == {"candidates": 2, "placed": 2, "unplaced": 0}
        await service.settled()
        placed = {event.data.debt_id: event.data for event in service.emitted(AgencyPlaced)}
        # Both at 0 % so far: the one with more room first takes the largest debt, at its schedule's M6+ age tier.
        assert set(placed) == {big, middle}
        assert (placed[big].agency_code, placed[big].commission_rate_percent) == ("beta", Decimal("20.00"))
        assert (await _post(service, "/v1/placements:run", None, status=200))["placed"] == 0

        # An agency sees its own placements only; another's is unknown to it, not forbidden.
        beta = token("agency", subject="beta-user", agency="beta")
        alpha = token("agency", subject="alpha-user", agency="alpha")
        mine = (await service.client.get("/v1/agency/placements", headers=beta)).json()["items"]
        placement_id = placed[big].placement_id
        assert {item["id"] for item in mine} == {str(placement_id), str(placed[middle].placement_id)}
        assert (await service.client.get("/v1/agency/placements", headers=alpha)).json()["items"] == []
        assert_problem(await service.client.get(f"/v1/agency/placements/{placement_id}", headers=alpha), 404,
                       "not-found")

        # The agency reports a payment; the lending core's payment in the term reconciles it and earns commission.
        now = datetime.now(UTC)
        report = await _post(service, f"/v1/agency/placements/{placement_id}/payments",
                             {"amount": "1000.00", "currency": "CNY", "paid_at": now.isoformat(),
                              "reference": "ALPHA-RCPT-1"}, headers=beta)
        assert report["status"] == "reported"
        paid = _payment(big, "1000.00", now + timedelta(seconds=1))
        await service.publish(paid)
        await service.publish(_payment(small, "50.00", now))  # never placed: nobody's commission
        await service.settled()
        got = await service.get_json(f"/v1/placements/{placement_id}", SUPERVISOR)
        assert (got["recovered"], got["commission"]) == ("1000.00", "200.00")
        [cost] = [event.data for event in service.emitted(CostIncurred) if event.data.debt_id == big]
        assert (cost.kind, cost.amount, cost.unit_cost, cost.currency) == ("agency_commission", Decimal("200.00"),
                                                                            Decimal("0.2000"), "CNY")
        [reconciled] = await service.get_json(f"/v1/agency/placements/{placement_id}/payments", beta)
        assert (reconciled["status"], reconciled["payment_id"]) == ("reconciled", str(paid.payment_id))
        day = now.date().isoformat()
        performance = await service.get_json(f"/v1/agencies/beta/performance?from={day}&to={day}", SUPERVISOR)
        [cny] = performance["by_currency"]
        assert (cny["placements"], cny["placed_exposure"], cny["recovered"], cny["commission_cost"]) == (
            2, "12000.00", "1000.00", "200.00")
        assert (cny["recovery_rate"], cny["cost_per_unit_recovered"]) == ("0.0833", "0.2000")

        await service.publish(_reversal(paid))
        await service.settled()
        got = await service.get_json(f"/v1/placements/{placement_id}", SUPERVISOR)
        assert (got["recovered"], got["commission"]) == ("0.00", "0.00")
        assert sorted(event.data.amount for event in service.emitted(CostIncurred)
                      if event.data.debt_id == big) == [Decimal("-200.00"), Decimal("200.00")]

        # A dispute recalls at once; the end of the term recalls the other (the background job's pass).
        await service.publish(DisputeOpened(debt_id=big, borrower_id=f"BR-{big.hex[:8]}", dispute_id=uuid.uuid4(),
                                            reason_code="amount_wrong", opened_on=now.date(), opened_at=now))
        await service.settled()
        async with service.runtime.uow() as unit:
            await unit.session.execute(update(Placement).where(Placement.debt_id == middle)
                                       .values(expires_at=now - timedelta(minutes=1)))
        assert await recall_expired_once(service.runtime) == 1
        await service.settled()
        reasons = {event.data.debt_id: event.data.reason for event in service.emitted(AgencyRecalled)}
        assert reasons == {big: "dispute", middle: "expired"}
        assert (await service.get_json("/v1/agency/placements?status=active", beta))["items"] == []
        assert early not in placed


async def test_agency_setup_is_validated_and_a_forbidden_contact_is_refused(shared: Harness) -> None:
    code = f"agency-{uuid.uuid4().hex[:6]}"
    bad = _agency(code, 5)
    bad["commission_schedule"]["tiers"] = [{"bucket": "M4", "rate_percent": "120"}]
    reply = await shared.client.post("/v1/agencies", json=bad, headers=SUPERVISOR)
    assert_problem(reply, 422, "validation-error", fields={"commission_schedule.tiers.0.rate_percent"})
    bad["commission_schedule"]["tiers"] = [{"bucket": "M4", "rate_percent": "12.50"}]
    reply = await shared.client.post("/v1/agencies", json=bad, headers=SUPERVISOR)
    assert_problem(reply, 422, "validation-error", fields={"commission_schedule.tiers"})
    await _post(shared, "/v1/agencies", _agency(code, 5))
    changed = await shared.client.patch(f"/v1/agencies/{code}", headers=SUPERVISOR, json={
        "commission_schedule": {"source": "Amendment 1", "tiers": [{"bucket": "*", "rate_percent": "17.25"}]}})
    assert changed.json()["schedule"]["version"] == 2

    [debt_id] = await _cases(shared, ("M6", "2000.00", 150))
    placement = await _post(shared, f"/v1/cases/{debt_id}:place", {"agency_code": code})
    assert (placement["agency_code"], placement["schedule_version"], placement["commission_rate_percent"]) == (
        code, 2, "17.25")
    agency = token("agency", subject=f"{code}-user", agency=code)
    # A field visit by one collector: under profile CN (the default) a visit needs two, at any hour of any day
    # (GB/T 45251-2025), so the report is a breach whatever time the test runs at.
    moment = max(datetime.now(UTC), datetime.fromisoformat(placement["placed_at"]))
    reply = await shared.client.post(f"/v1/agency/placements/{placement['id']}/contacts", headers=agency, json={
        "channel": "field_visit", "occurred_at": moment.isoformat(), "collectors": 1, "outcome": "refused"})
    assert_problem(reply, 422, "contact-policy-breach")
    assert reply.json()["rule"]
    day = moment.date().isoformat()
    performance = await shared.get_json(f"/v1/agencies/{code}/performance?from={day}&to={day}", SUPERVISOR)
    assert performance["conduct_breaches"] == 1
    again = await shared.client.post(f"/v1/cases/{debt_id}:place", json={"agency_code": code}, headers=SUPERVISOR)
    assert_problem(again, 409, "already-placed")
