"""The one-month SLA from a reported default to its first classification: GET /v1/sla and the breach gauge on /metrics."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from support.classification import COLLECTOR, TODAY, days, debt, payment, publish_all
from support.harness import harness


def gauge(metrics: str) -> float:
    match = re.search(r"^debtflow_classification_sla_breaches (\S+)$", metrics, re.MULTILINE)
    assert match, metrics
    return float(match.group(1))


async def test_debts_classified_more_than_a_month_after_default_are_breaches(database_url: str) -> None:
    now = datetime.now(UTC)
    async with harness("classification", database_url) as service:
        prompt = [debt(40, TODAY, registered_at=now - timedelta(hours=hours)) for hours in (1, 2, 3)]
        late = debt(200, TODAY, registered_at=now - timedelta(days=45))
        # Intake's later figures overtake this registration; its registered_at still counts when it arrives.
        overtaken = debt(200, TODAY - days(5), registered_at=now - timedelta(days=40))
        await publish_all(service, *prompt, late,
                          payment(overtaken, version=2, first_unpaid_after=TODAY - days(150), day=TODAY), overtaken)

        response = await service.client.get("/v1/sla", headers=COLLECTOR)
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["target_days"], report["classified"], report["breached"], report["waiting_past_target"]) == (
            30, 5, 2, 0)
        assert [breach["debt_id"] for breach in report["breaches"]] == [str(late.debt_id), str(overtaken.debt_id)]
        assert 45 <= report["breaches"][0]["days_to_classify"] < 45.1
        assert 40 <= report["breaches"][1]["days_to_classify"] < 40.1
        assert 3 <= report["median_hours"] < 3.5  # 1 h, 2 h, 3 h, 40 days, 45 days
        assert 45 * 24 <= report["p95_hours"] < 45 * 24 + 2

        metrics = (await service.client.get("/metrics")).text
        assert gauge(metrics) == 2.0


async def test_the_sla_report_with_nothing_classified(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        report = (await service.client.get("/v1/sla", headers=COLLECTOR)).json()
        assert (report["classified"], report["breached"], report["median_hours"], report["p95_hours"],
                report["breaches"]) == (0, 0, None, None, [])
        assert gauge((await service.client.get("/metrics")).text) == 0.0
        assert (await service.client.get("/v1/sla")).status_code == 401
