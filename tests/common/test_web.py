"""The shared app factory as clients see it (through intake): problems, correlation ids, health, metrics."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter

from debtflow.common.messaging.memory import InMemoryBus
from debtflow.common.phones import current_region
from debtflow.intake.app import build_definition
from debtflow.intake.settings import IntakeSettings
from support import RunningService, eventually, fresh_database, running_service, token
from support.problems import assert_problem

PROBLEM = "application/problem+json"
PHONE = "13800138000"  # a recognisable stand-in for personal data


def _boom_router() -> APIRouter:
    router = APIRouter()

    @router.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("boom-secret")

    @router.get("/test-only/region")
    async def region() -> dict[str, str]:
        return {"region": current_region()}

    return router


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[RunningService]:
    async with fresh_database("sqlite", tmp_path) as url:
        settings = IntakeSettings(
            database_url=url, bus="memory", log_format="console", relay_poll_interval_seconds=0.05,
            phone_region="HK",  # not the default, so a test can see the request scope applied
        )
        definition = build_definition(settings)
        definition.routers = [*definition.routers, _boom_router()]  # a throwaway route that fails
        async with running_service(definition, bus=InMemoryBus()) as service:
            yield service


def _default(**overrides: Any) -> dict[str, Any]:
    return {
        "loan_id": "LN-2026-000123",
        "borrower_id": "BR-88812",
        "currency": "CNY",
        "principal_outstanding": "12000.00",
        "interest_outstanding": "350.40",
        "fees_outstanding": "50.00",
        "first_unpaid_due_date": (date.today() - timedelta(days=100)).isoformat(),
        "as_of_date": date.today().isoformat(),
        **overrides,
    }


def _errors_by_field(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {item["field"]: item for item in body["errors"]}


# -- problem+json --------------------------------------------------------------------------------


async def test_validation_errors_name_each_field_and_rule(intake: RunningService) -> None:
    response = await intake.client.post(
        "/v1/defaults", json=_default(loan_id="", principal_outstanding="1.234"), headers=token("lender")
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["instance"] == "/v1/defaults"
    errors = _errors_by_field(body)
    assert set(errors) == {"loan_id", "principal_outstanding"}
    for field, item in errors.items():
        assert set(item) == {"field", "in", "pointer", "rule", "message"}
        assert item["in"] == "body"
        assert item["pointer"] == f"#/{field}"
        assert item["rule"] and item["message"]
    assert errors["loan_id"]["rule"] == "string_too_short"
    assert "2 decimal places" in errors["principal_outstanding"]["message"]
    assert "loan_id" in body["detail"] and "principal_outstanding" in body["detail"]


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"currency": "KWD"}, "currency", "value_error"),
        ({"principal_outstanding": 12345678901234.56}, "principal_outstanding", "json_number_precision"),
        ({"fees_outstanding": "-1.00"}, "fees_outstanding", "negative_amount"),
        ({"fees_outstanding": "1e3"}, "fees_outstanding", "plain_decimal"),
        ({"as_of_date": "2026-13-01"}, "as_of_date", "iso_date"),
        ({"as_of_date": "0001-01-01"}, "as_of_date", "date_range"),
        ({"principal_outstanding": None}, "principal_outstanding", "decimal_type"),
    ],
)
async def test_each_rule_is_reported_against_its_field(
    intake: RunningService, overrides: dict[str, Any], field: str, rule: str
) -> None:
    response = await intake.client.post("/v1/defaults", json=_default(**overrides), headers=token("lender"))
    errors = _errors_by_field(assert_problem(response, 422, "validation-error"))
    assert field in errors
    assert errors[field]["rule"] == rule


async def test_missing_fields_are_named(intake: RunningService) -> None:
    body = _default()
    del body["loan_id"]
    response = await intake.client.post("/v1/defaults", json=body, headers=token("lender"))
    errors = _errors_by_field(assert_problem(response, 422, "validation-error"))
    assert errors["loan_id"]["rule"] == "missing"


@pytest.mark.parametrize(
    "overrides",
    [
        {"borrower_id": f"tel:{PHONE} "},  # a space is not allowed in a reference
        {"borrower_id": f"张三 {PHONE}"},
        {"loan_id": f"{PHONE}/1"},
        {"principal_outstanding": f"{PHONE}.001"},
        {"as_of_date": PHONE},
        {"currency": PHONE},
    ],
)
async def test_validation_errors_never_echo_input_values(
    intake: RunningService, overrides: dict[str, Any]
) -> None:
    response = await intake.client.post("/v1/defaults", json=_default(**overrides), headers=token("lender"))
    assert_problem(response, 422, "validation-error")
    assert PHONE not in response.text


async def test_unknown_fields_are_refused_by_name(intake: RunningService) -> None:
    response = await intake.client.post(
        "/v1/defaults", json=_default(borrower_phone=PHONE), headers=token("lender")
    )
    errors = _errors_by_field(assert_problem(response, 422, "validation-error"))
    assert errors["borrower_phone"]["rule"] == "extra_forbidden"
    assert PHONE not in response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_json_gets_415(intake: RunningService, content_type: str | None) -> None:
    headers = token("lender")
    if content_type:
        headers["Content-Type"] = content_type
    response = await intake.client.post("/v1/defaults", content=b"loan_id=LN-1", headers=headers)
    body = assert_problem(response, 415, "unsupported-media-type")
    assert "application/json" in body["detail"]


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(intake: RunningService) -> None:
    for content_type in ("application/json; charset=utf-8", "application/vnd.debtflow+json"):
        response = await intake.client.post(
            "/v1/defaults",
            content=_json(_default(loan_id=f"LN-{uuid.uuid4().hex[:8]}")),
            headers={**token("lender"), "Content-Type": content_type},
        )
        assert response.status_code == 201, (content_type, response.text)


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


async def test_malformed_json_is_a_problem_not_a_crash(intake: RunningService) -> None:
    response = await intake.client.post(
        "/v1/defaults",
        content=b'{"loan_id": "LN-1",',
        headers={**token("lender"), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_unknown_routes_get_404_problem(intake: RunningService) -> None:
    response = await intake.client.get("/v1/no-such-thing", headers=token("supervisor"))
    assert_problem(response, 404, "not-found")


async def test_wrong_method_gets_405_problem(intake: RunningService) -> None:
    response = await intake.client.delete("/v1/defaults", headers=token("lender"))
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "OPTIONS, POST"


async def test_unhandled_errors_get_500_problem_without_internals(intake: RunningService) -> None:
    response = await intake.client.get("/test-only/boom", headers={"X-Correlation-ID": "support-ticket-1"})
    body = assert_problem(response, 500, "internal-error")
    assert "boom-secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert body["correlation_id"] == "support-ticket-1"  # what the caller quotes to support


async def test_unhandled_errors_still_echo_the_correlation_id_header(intake: RunningService) -> None:
    response = await intake.client.get("/test-only/boom", headers={"X-Correlation-ID": "support-ticket-2"})
    assert response.status_code == 500
    assert response.headers.get("x-correlation-id") == "support-ticket-2"


# -- request scopes ------------------------------------------------------------------------------


async def test_request_scopes_are_entered_around_each_request_only(intake: RunningService) -> None:
    response = await intake.client.get("/test-only/region")
    assert (response.status_code, response.json()) == (200, {"region": "HK"})
    assert current_region() == "CN"  # nothing outlives the request


# -- correlation ids -----------------------------------------------------------------------------


@pytest.mark.parametrize("supplied", ["req-42", "lending-core:batch.7_item-3", "a" * 128])
async def test_a_safe_correlation_id_is_echoed(intake: RunningService, supplied: str) -> None:
    response = await intake.client.get("/v1/no-such-thing", headers={"X-Correlation-ID": supplied})
    assert response.headers["x-correlation-id"] == supplied
    assert response.json()["correlation_id"] == supplied
    assert uuid.UUID(response.headers["x-request-id"])


@pytest.mark.parametrize(
    "supplied", [None, "", "has spaces in it", "a" * 129, "semi;colon", "new\\nline", "<script>"]
)
async def test_a_missing_or_unsafe_correlation_id_is_replaced(
    intake: RunningService, supplied: str | None
) -> None:
    headers = {"X-Correlation-ID": supplied} if supplied is not None else {}
    response = await intake.client.get("/v1/no-such-thing", headers=headers)
    generated = response.headers["x-correlation-id"]
    assert generated != supplied
    assert uuid.UUID(generated)
    assert response.json()["correlation_id"] == generated


async def test_every_request_gets_its_own_generated_ids(intake: RunningService) -> None:
    first, second = await intake.client.get("/livez"), await intake.client.get("/livez")
    assert first.headers["x-correlation-id"] != second.headers["x-correlation-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_the_correlation_id_reaches_the_emitted_event(intake: RunningService) -> None:
    response = await intake.client.post(
        "/v1/defaults", json=_default(), headers={**token("lender"), "X-Correlation-ID": "lc-batch-9"}
    )
    assert response.status_code == 201, response.text
    broker = intake.runtime.bus.broker  # type: ignore[attr-defined]

    async def published() -> list[Any]:
        return [record for record in broker.records("debtflow.intake.events")
                if record.header("ce_type") == "debtflow.debt.registered.v1"]

    [record] = await eventually(published, what="the DebtRegistered event")
    assert dict(record.headers)["ce_correlationid"] == b"lc-batch-9"


# -- health --------------------------------------------------------------------------------------


async def test_livez(intake: RunningService) -> None:
    response = await intake.client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_on_a_healthy_service(intake: RunningService) -> None:
    async def ready() -> dict[str, Any] | None:
        response = await intake.client.get("/readyz")
        body = response.json()
        return body if response.status_code == 200 and body["checks"].get("relay") == "publishing" else None

    body = await eventually(ready, what="a ready service with a running relay")
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"


async def test_readyz_reports_a_broker_outage_and_a_consumer_that_has_failed_too_long(
        intake: RunningService, monkeypatch: pytest.MonkeyPatch) -> None:
    broker = intake.runtime.bus.broker  # type: ignore[attr-defined]
    monkeypatch.setattr(intake.runtime.settings, "consumer_stall_seconds", 1.0)  # more than a poll's 0.5 s
    broker.available = False
    try:
        response = await intake.client.get("/readyz")
        body = assert_problem(response, 503, "not-ready")
        assert body["checks"]["broker"] != "ok"
        assert body["checks"]["broker"].startswith("unavailable")
        assert body["checks"]["database"] == "ok"

        async def consumer_failing() -> str | None:
            reply = (await intake.client.get("/readyz")).json()
            return reply["checks"]["consumer"] if "reconnecting for" in reply["checks"]["consumer"] else None

        reason = await eventually(consumer_failing, what="readiness to name the failing consumer")
        assert reason.startswith("failing: reconnecting for") and "BusUnavailable" in reason
    finally:
        broker.available = True

    async def recovered() -> bool:
        return (await intake.client.get("/readyz")).status_code == 200

    await eventually(recovered, what="readiness after the broker returned")


# -- metrics and OpenAPI -------------------------------------------------------------------------


async def test_metrics_count_requests_by_route_template(intake: RunningService) -> None:
    debt_id = uuid.uuid4()
    for _ in range(2):
        await intake.client.get(f"/v1/debts/{debt_id}", headers=token("supervisor"))
    response = await intake.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'debtflow_http_requests_total{method="GET",route="/v1/debts/{debt_id}",status="404"} 2.0' in text
    assert str(debt_id) not in text
    assert "debtflow_http_request_duration_seconds_bucket" in text
    assert "debtflow_outbox_pending" in text


async def test_unmatched_paths_do_not_create_a_metric_per_path(intake: RunningService) -> None:
    for suffix in ("a", "b", "c"):
        await intake.client.get(f"/probe-{suffix}-{PHONE}")
    text = (await intake.client.get("/metrics")).text
    assert PHONE not in text
    assert 'route="unmatched",status="404"} 3.0' in text


async def test_the_api_docs_assets_count_under_their_mount(intake: RunningService) -> None:
    """The assets are a mount, which leaves no route in the request scope; they counted as `unmatched`."""
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", f"missing-{PHONE}.js"):
        await intake.client.get(f"/docs/assets/{asset}")
    text = (await intake.client.get("/metrics")).text
    assert 'route="/docs/assets",status="200"} 2.0' in text
    assert 'route="/docs/assets",status="404"} 1.0' in text
    assert PHONE not in text


async def test_openapi_documents_problem_responses(intake: RunningService) -> None:
    document = (await intake.client.get("/openapi.json")).json()
    responses = document["paths"]["/v1/defaults"]["post"]["responses"]
    for status in ("401", "403", "422"):
        assert status in responses, status
        content = responses[status]["content"]
        assert PROBLEM in content, (status, content)
        schema = content[PROBLEM].get("schema", {})
        assert schema.get("$ref") == "#/components/schemas/ProblemDetails", (status, content)
