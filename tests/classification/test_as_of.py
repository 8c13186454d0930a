"""GET /v1/classifications/{id}?as_of=: past days from the history, later days computed, before the first a 404."""

from __future__ import annotations

from support.classification import (
    SUPERVISOR,
    TODAY,
    classification,
    days,
    debt,
    payment,
    publish_all,
    reage,
    snapshot,
)
from support.harness import harness

D0 = TODAY - days(90)


async def test_past_days_are_answered_from_the_history(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)  # M1; M2 from D0+6
        await publish_all(service, reg)
        await reage(service, D0 + days(6))
        # On D0+20 the oldest instalment is paid: the next one fell due on D0-5.
        await publish_all(service, payment(reg, version=2, first_unpaid_after=D0 - days(5), day=D0 + days(20)))

        answers = {offset: await classification(service, reg.debt_id, D0 + days(offset))
                   for offset in (0, 3, 6, 10, 19, 20, 30)}
        assert {offset: (body["dpd_bucket"], body["days_past_due"]) for offset, body in answers.items()} == {
            0: ("M1", 25), 3: ("M1", 28), 6: ("M2", 31), 10: ("M2", 35), 19: ("M2", 44), 20: ("M1", 25),
            30: ("M2", 35)}
        assert {body["as_of_date"] for body in answers.values()} == {
            (D0 + days(offset)).isoformat() for offset in answers}
        assert (answers[3]["exposure"], answers[30]["exposure"]) == ("1000.00", "900.00")
        assert answers[10]["ifrs9_stage"] == 2 and answers[3]["ifrs9_stage"] == 1


async def test_a_day_before_the_first_classification_is_not_found(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)
        await publish_all(service, reg)
        response = await service.client.get(f"/v1/classifications/{reg.debt_id}?as_of={D0 - days(1)}",
                                            headers=SUPERVISOR)
        assert response.status_code == 404
        assert response.json()["type"] == "urn:debtflow:problem:not-found"
        bad = await service.client.get(f"/v1/classifications/{reg.debt_id}?as_of=2026-02-30", headers=SUPERVISOR)
        assert bad.status_code == 422


async def test_today_and_future_days_are_computed(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)
        await publish_all(service, reg)
        today = await classification(service, reg.debt_id)
        assert (today["as_of_date"], today["days_past_due"], today["dpd_bucket"]) == (TODAY.isoformat(), 115, "M4")
        assert (today["five_tier_class"], today["ifrs9_stage"], today["default_flag"]) == ("substandard", 3, True)
        ahead = await classification(service, reg.debt_id, TODAY + days(70))
        assert (ahead["days_past_due"], ahead["dpd_bucket"], ahead["five_tier_class"]) == (185, "M6+", "substandard")


async def test_a_day_inside_a_late_run_is_answered_with_the_bucket_of_that_day(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(5, D0)
        await publish_all(service, reg)
        await reage(service, D0 + days(80))  # one late run across M2 (D0+26) and M3 (D0+56)
        on_day_40 = await classification(service, reg.debt_id, D0 + days(40))
        assert (on_day_40["days_past_due"], on_day_40["dpd_bucket"], on_day_40["ifrs9_stage"]) == (45, "M2", 2)


async def test_a_snapshot_moving_the_due_date_back_does_not_rewrite_days_before_the_first_classification(
        database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(5, D0)
        await publish_all(service, reg, snapshot(reg, version=2, first_unpaid=D0 - days(100), as_of=D0 + days(1)))
        assert (await classification(service, reg.debt_id, D0 + days(1)))["dpd_bucket"] == "M4"
        response = await service.client.get(f"/v1/classifications/{reg.debt_id}?as_of={D0 - days(5)}",
                                            headers=SUPERVISOR)
        assert response.status_code == 404, response.json()
