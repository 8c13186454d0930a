"""Borrower contagion as a rule-set switch: a borrower's non-performing share pulls their other debts down."""

from __future__ import annotations

from typing import Any

from support.classification import (
    CHECKER,
    RISK,
    TODAY,
    circumstance,
    classification,
    classified_events,
    days,
    debt,
    payment,
    publish_all,
    reage,
)
from support.harness import Harness, harness

CONTAGION = {"contagion": {"enabled": True, "nonperforming_share": "0.20", "pulled_to": "substandard"}}


async def draft(service: Harness, rules: dict[str, Any]) -> dict[str, Any]:
    response = await service.client.post("/v1/rulesets", json={"version": f"contagion-{TODAY}", "rules": rules},
                                         headers=RISK)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def switch_on(service: Harness) -> str:
    created = await draft(service, CONTAGION)
    response = await service.client.post(f"/v1/rulesets/{created['id']}:activate", headers=CHECKER)
    assert response.status_code == 202, response.text
    await service.settled()
    return str(created["version"])


async def stored_classes(service: Harness) -> dict[str, int]:
    """Open debts per five-tier class, as the portfolio (which reads the stored classifications) counts them."""
    [cny] = (await service.client.get("/v1/portfolio", headers=RISK)).json()["by_currency"]
    return {item["label"]: item["debts"] for item in cny["five_tier_class"]}


async def test_a_debt_turning_bad_pulls_the_borrowers_other_debts(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        bad = debt(10, TODAY)
        other = debt(10, TODAY, borrower_id=bad.borrower_id)
        stranger = debt(10, TODAY)
        await publish_all(service, bad, other, stranger)
        await switch_on(service)
        assert (await classification(service, other.debt_id))["five_tier_class"] == "special_mention"

        await publish_all(service, circumstance(bad.debt_id, bad.borrower_id, "deceased"))
        pulled = classified_events(service, other.debt_id)[-1]
        assert (pulled.previous_five_tier_class, pulled.five_tier_class) == ("special_mention", "substandard")
        assert "borrower_contagion" in pulled.reason_codes
        assert len(classified_events(service, stranger.debt_id)) == 1
        assert await stored_classes(service) == {"loss": 1, "substandard": 1, "special_mention": 1}


async def test_reading_a_pulled_debt_shows_the_contagion(database_url: str) -> None:
    """GET /v1/classifications answers what debt.classified announced: the pulled debt is substandard."""
    async with harness("classification", database_url) as service:
        bad = debt(10, TODAY)
        other = debt(10, TODAY, borrower_id=bad.borrower_id)
        await publish_all(service, bad, other)
        await switch_on(service)
        await publish_all(service, circumstance(bad.debt_id, bad.borrower_id, "deceased"))
        assert classified_events(service, other.debt_id)[-1].five_tier_class == "substandard"
        for day in (None, TODAY + days(1)):
            current = await classification(service, other.debt_id, day)
            assert (current["five_tier_class"], "borrower_contagion" in current["reason_codes"]) == (
                "substandard", True), day


async def test_contagion_weighs_a_borrowers_exposure_past_what_one_amount_holds(database_url: str) -> None:
    """The share is exact when the borrower's debts add up to 18 integer digits (SQLite's sum() overflowed)."""
    async with harness("classification", database_url) as service:
        largest = [debt(100, TODAY, principal="9999999999999999.99") for _ in range(11)]
        borrower_id = largest[0].borrower_id
        largest = [reg.model_copy(update={"borrower_id": borrower_id}) for reg in largest]
        other = debt(10, TODAY, borrower_id=borrower_id)
        await publish_all(service, *largest, other)
        await switch_on(service)

        current = await classification(service, other.debt_id)
        assert current["five_tier_class"] == "substandard"
        assert "borrower_contagion" in current["reason_codes"]
        assert await stored_classes(service) == {"substandard": 12}


async def test_a_dry_run_counts_the_debts_contagion_would_pull_down(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        bad = debt(100, TODAY)
        other = debt(10, TODAY, borrower_id=bad.borrower_id)
        await publish_all(service, bad, other)
        created = await draft(service, CONTAGION)
        report = (await service.client.post(f"/v1/rulesets/{created['id']}:dry-run", headers=RISK)).json()
        assert report["changes"]["five_tier_class"] == 1, report
        assert [example["debt_id"] for example in report["examples"]] == [str(other.debt_id)]


async def test_a_debt_turning_bad_in_a_reageing_run_pulls_the_borrowers_other_debts(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        bad = debt(89, TODAY - days(1))  # substandard from tomorrow (91 days)
        other = debt(10, TODAY - days(1), borrower_id=bad.borrower_id)
        await publish_all(service, bad, other,
                          payment(other, version=2, first_unpaid_after=None, day=TODAY - days(1)))  # nothing overdue
        await switch_on(service)
        assert (await classification(service, other.debt_id))["five_tier_class"] == "normal"

        await reage(service, TODAY + days(1))
        assert classified_events(service, bad.debt_id)[-1].five_tier_class == "substandard"
        assert classified_events(service, other.debt_id)[-1].five_tier_class == "substandard"
        assert await stored_classes(service) == {"substandard": 2}
