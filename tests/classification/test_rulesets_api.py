"""Rule sets over HTTP: drafts, versions, dry runs that change nothing, and maker-checker activation."""

from __future__ import annotations

import uuid
from typing import Any

import yaml

from debtflow.classification.classifications.models import ClassificationHistoryRow
from debtflow.classification.rulesets.document import BUILTIN_VERSION
from support.classification import (
    CHECKER,
    COLLECTOR,
    MAKER_CHECKER,
    RISK,
    SUPERVISOR,
    TODAY,
    classification,
    classified_events,
    debt,
    dims,
    history_count,
    publish_all,
    snapshot,
)
from support.harness import Harness, harness

#: Stage 2 from 15 days past due and substandard from 40: a 20-day debt moves stage, a 45-day one moves class.
STRICTER = {"ifrs9": {"stage2_after_days": 15}, "five_tier": {"substandard_after": 40}}


def version() -> str:
    return f"2026.{uuid.uuid4().hex[:8]}"


async def submit(service: Harness, rules: dict[str, Any], *, headers: dict[str, str] = SUPERVISOR,
                 name: str | None = None, media: str = "application/json") -> dict[str, Any]:
    body = {"version": name or version(), "description": "test rules", "rules": rules}
    if media == "application/json":
        response = await service.client.post("/v1/rulesets", json=body, headers=headers)
    else:
        response = await service.client.post("/v1/rulesets", content=yaml.safe_dump(body),
                                             headers={**headers, "Content-Type": media})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def three_debts(service: Harness) -> dict[int, Any]:
    """Debts 20, 45 and 95 days past due today, and one that was settled."""
    debts = {days: debt(days, TODAY) for days in (20, 45, 95)}
    settled = debt(60, TODAY)
    await publish_all(service, *debts.values(), settled,
                      snapshot(settled, version=2, first_unpaid=None, as_of=TODAY, total="0.00", status="settled"))
    return debts


async def test_risk_and_supervisors_submit_drafts_in_json_or_yaml(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        by_risk = await submit(service, {"grace_days": 3}, headers=RISK)
        by_supervisor = await submit(service, {"buckets": [
            {"label": "C", "min_days": 0, "max_days": 0}, {"label": "L", "min_days": 1, "max_days": None}]},
            media="application/yaml")
        assert (by_risk["status"], by_risk["author"], by_risk["activated_by"]) == ("draft", "analyst-1", None)
        assert by_risk["document"]["grace_days"] == 3
        assert by_risk["document"]["ifrs9"]["stage3_after_days"] == 90  # left out: the built-in value
        assert (by_supervisor["status"], by_supervisor["author"]) == ("draft", "supervisor-1")
        assert [bucket["label"] for bucket in by_supervisor["document"]["buckets"]] == ["C", "L"]

        listed = (await service.client.get("/v1/rulesets", headers=COLLECTOR)).json()["items"]
        assert [row["version"] for row in listed] == [by_risk["version"], by_supervisor["version"]]
        one = await service.client.get(f"/v1/rulesets/{by_risk['id']}", headers=COLLECTOR)
        assert (one.status_code, one.json()) == (200, by_risk)
        assert (await service.client.get(f"/v1/rulesets/{uuid.uuid4()}", headers=SUPERVISOR)).status_code == 404


async def test_a_version_is_never_reused(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        first = await submit(service, {"grace_days": 1})
        for name in (first["version"], BUILTIN_VERSION):
            response = await service.client.post("/v1/rulesets", json={"version": name, "rules": {}},
                                                 headers=RISK)
            assert response.status_code == 409, response.text
            assert response.json()["type"] == "urn:debtflow:problem:conflict"
        assert len((await service.client.get("/v1/rulesets", headers=RISK)).json()["items"]) == 1


async def test_who_may_submit_and_activate(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        body = {"version": version(), "rules": {}}
        assert (await service.client.post("/v1/rulesets", json=body, headers=COLLECTOR)).status_code == 403
        draft = await submit(service, {}, headers=RISK)
        for headers in (COLLECTOR, RISK):
            response = await service.client.post(f"/v1/rulesets/{draft['id']}:activate", headers=headers)
            assert response.status_code == 403, response.text
        assert (await service.client.post(f"/v1/rulesets/{draft['id']}:activate")).status_code == 401
        assert (await service.client.get(f"/v1/rulesets/{draft['id']}", headers=RISK)).json()["status"] == "draft"


async def test_the_author_cannot_activate_their_own_rule_set(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        draft = await submit(service, STRICTER, headers=SUPERVISOR)
        response = await service.client.post(f"/v1/rulesets/{draft['id']}:activate", headers=SUPERVISOR)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == MAKER_CHECKER
        assert (await service.client.get(f"/v1/rulesets/{draft['id']}", headers=RISK)).json()["status"] == "draft"


async def test_a_dry_run_reports_what_would_change_and_changes_nothing(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debts = await three_debts(service)
        before = {days: await classification(service, reg.debt_id) for days, reg in debts.items()}
        events, history = len(service.emitted()), await service.count(ClassificationHistoryRow)
        draft = await submit(service, STRICTER, headers=RISK)

        response = await service.client.post(f"/v1/rulesets/{draft['id']}:dry-run", headers=COLLECTOR)
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["ruleset_version"], report["as_of_date"], report["examined"]) == (
            draft["version"], TODAY.isoformat(), 3)
        assert report["changes"] == {"dpd_bucket": 0, "five_tier_class": 1, "ifrs9_stage": 1, "default_flag": 0,
                                     "priority_tier": 0}
        examples = {example["debt_id"]: example["changes"] for example in report["examples"]}
        assert examples == {
            str(debts[20].debt_id): {"ifrs9_stage": {"from": 1, "to": 2}},
            str(debts[45].debt_id): {"five_tier_class": {"from": "special_mention", "to": "substandard"}},
        }

        await service.settled()
        assert len(service.emitted()) == events
        assert await service.count(ClassificationHistoryRow) == history
        assert {days: await classification(service, reg.debt_id) for days, reg in debts.items()} == before
        assert (await service.client.get(f"/v1/rulesets/{draft['id']}", headers=RISK)).json()["status"] == "draft"


async def test_a_dry_run_of_the_rules_in_force_changes_nothing(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        await three_debts(service)
        draft = await submit(service, {})
        report = (await service.client.post(f"/v1/rulesets/{draft['id']}:dry-run", headers=RISK)).json()
        assert (report["examined"], set(report["changes"].values()), report["examples"]) == (3, {0}, [])


async def test_activation_by_a_second_supervisor_reclassifies_every_open_debt(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debts = await three_debts(service)
        draft = await submit(service, STRICTER, headers=SUPERVISOR)

        response = await service.client.post(f"/v1/rulesets/{draft['id']}:activate", headers=CHECKER)
        assert response.status_code == 202, response.text
        activation = response.json()
        assert activation["debts_due_for_reclassification"] == 3
        queued = activation["reage_run"]
        assert (queued["cause"], queued["as_of_date"]) == ("ruleset_activation", str(TODAY))
        assert response.headers["location"] == f"/v1/reage-runs/{queued['id']}"
        assert (activation["ruleset"]["status"], activation["ruleset"]["activated_by"]) == ("active", "supervisor-2")
        await service.settled()
        run = (await service.client.get(response.headers["location"], headers=SUPERVISOR)).json()
        assert {key: run[key] for key in ("status", "due", "examined", "progress", "ruleset_version", "error")} == {
            "status": "finished", "due": 3, "examined": 3, "progress": 1.0, "ruleset_version": draft["version"],
            "error": None}

        now = {days: await classification(service, reg.debt_id) for days, reg in debts.items()}
        assert {days: body["ruleset_version"] for days, body in now.items()} == dict.fromkeys(debts, draft["version"])
        assert (now[20]["ifrs9_stage"], now[45]["five_tier_class"]) == (2, "substandard")
        assert dims(now[95]) == ("M4", "substandard", 3, True, "default", "P4")

        news = [event for event in classified_events(service) if event.ruleset_version == draft["version"]]
        assert sorted(str(event.debt_id) for event in news) == sorted(str(debts[days].debt_id) for days in (20, 45))
        assert len(classified_events(service)) == 5 + 2  # four registrations, a settlement, two changes
        by_debt = {event.debt_id: event for event in news}
        assert (by_debt[debts[20].debt_id].previous_ifrs9_stage, by_debt[debts[20].debt_id].ifrs9_stage) == (1, 2)
        assert await history_count(service, debts[95].debt_id) == 1
        assert await history_count(service, debts[20].debt_id) == 2


async def test_activating_another_rule_set_retires_the_active_one(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debts = await three_debts(service)
        first = await submit(service, STRICTER, headers=RISK)
        second = await submit(service, {}, headers=RISK)
        assert (await service.client.post(f"/v1/rulesets/{first['id']}:activate", headers=CHECKER)).status_code == 202
        again = await service.client.post(f"/v1/rulesets/{first['id']}:activate", headers=SUPERVISOR)
        assert again.status_code == 409
        await service.settled()  # its run applies it before the next activation (else that one's rules apply)

        assert (await service.client.post(f"/v1/rulesets/{second['id']}:activate", headers=CHECKER)).status_code == 202
        await service.settled()
        statuses = {row["version"]: row["status"] for row in
                    (await service.client.get("/v1/rulesets", headers=RISK)).json()["items"]}
        assert statuses == {first["version"]: "retired", second["version"]: "active"}
        retired = await service.client.post(f"/v1/rulesets/{first['id']}:activate", headers=CHECKER)
        assert retired.status_code == 409

        # Back on the built-in thresholds: the 20-day debt returns to stage 1 only after its cure probation.
        now = await classification(service, debts[20].debt_id)
        assert (now["ruleset_version"], now["ifrs9_stage"]) == (second["version"], 2)
        back = await classification(service, debts[45].debt_id)
        assert (back["ruleset_version"], back["five_tier_class"]) == (second["version"], "special_mention")
