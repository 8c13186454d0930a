"""Rule-set documents that are refused, in pure validation and as a clear 422 from POST /v1/rulesets (JSON and YAML)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from debtflow.classification.rulesets.document import RuleSet
from support.classification import RISK, SUPERVISOR, VALIDATION
from support.harness import Harness


def buckets(*ranges: tuple[str, int, int | None]) -> dict[str, Any]:
    return {"buckets": [{"label": label, "min_days": low, "max_days": high} for label, low, high in ranges]}


#: (document, field path within the rule set, words the error must contain)
INVALID = [
    pytest.param(buckets(("M0", 0, 0), ("M1", 1, 30), ("M2", 30, 60), ("M3", 61, None)), "buckets",
                 "M1 and M2 overlap at 30 days", id="overlapping-buckets"),
    pytest.param(buckets(("M0", 0, 0), ("M1", 1, 30), ("M2", 32, None)), "buckets",
                 "no bucket covers 31-31 days", id="gapped-buckets"),
    pytest.param(buckets(("M1", 1, 30), ("M2", 31, None)), "buckets", "must start at 0 days, not 1",
                 id="not-starting-at-0"),
    pytest.param(buckets(("M0", 0, 0), ("M1", 1, 30)), "buckets", "must be open-ended", id="last-bucket-closed"),
    pytest.param(buckets(("M0", 0, 0), ("M1", 1, None), ("M2", 31, None)), "buckets", "open-ended but M2 follows",
                 id="open-ended-in-the-middle"),
    pytest.param(buckets(("M0", 0, 0), ("M0", 1, None)), "buckets", "labels must be unique", id="duplicate-labels"),
    pytest.param({"buckets": []}, "buckets", "at least one bucket", id="no-buckets"),
    pytest.param(buckets(("M0", 0, 0), ("M 1", 1, None)), "buckets.1.label", "pattern", id="bad-label"),
    pytest.param({"five_tier": {"substandard_after": 300, "doubtful_after": 270}}, "five_tier", "strictly increase",
                 id="five-tier-decreasing"),
    pytest.param({"five_tier": {"doubtful_after": 360}}, "five_tier", "strictly increase", id="five-tier-equal"),
    pytest.param({"five_tier": {"restructured_floor": "awful"}}, "five_tier.restructured_floor", "Input should be",
                 id="unknown-floor"),
    pytest.param({"ifrs9": {"stage2_after_days": 90, "stage3_after_days": 90}}, "ifrs9",
                 "stage3_after_days must be greater than stage2_after_days", id="stage3-equal-stage2"),
    pytest.param({"ifrs9": {"stage2_after_days": 60, "stage3_after_days": 30}}, "ifrs9",
                 "stage3_after_days must be greater", id="stage3-below-stage2"),
    pytest.param({"ifrs9": {"stage3_flags": ["zombie"]}}, "ifrs9.stage3_flags.0", "Input should be",
                 id="unknown-flag"),
    pytest.param({"priority": {"tiers": ["1000", "5000", "20000"]}}, "priority.tiers", "strictly decrease",
                 id="tiers-increasing"),
    pytest.param({"priority": {"tiers": ["5000", "5000", "1000"]}}, "priority.tiers", "strictly decrease",
                 id="tiers-equal"),
    pytest.param({"priority": {"recovery_curve": {"M1": "1.5"}}}, "priority.recovery_curve", "between 0 and 1",
                 id="probability-above-1"),
    pytest.param({"priority": {"roll_risk": {"M1": "-0.1"}}}, "priority.roll_risk", "between 0 and 1",
                 id="weight-below-0"),
    pytest.param({"contagion": {"nonperforming_share": "1.5"}}, "contagion.nonperforming_share",
                 "less than or equal to 1", id="share-above-1"),
    pytest.param({"contagion": {"nonperforming_share": "0"}}, "contagion.nonperforming_share", "greater than 0",
                 id="share-zero"),
    pytest.param({"default": {"materiality_relative": "2"}}, "default.materiality_relative",
                 "less than or equal to 1", id="relative-materiality-above-1"),
    pytest.param({"default": {"materiality_absolute": "-1"}}, "default.materiality_absolute",
                 "greater than or equal to 0", id="negative-materiality"),
    pytest.param({"grace_days": 31}, "grace_days", "less than or equal to 30", id="grace-too-long"),
    pytest.param({"grace": 3}, "grace", "Extra inputs are not permitted", id="unknown-field"),
    pytest.param({"ifrs9": {"stage_2": 15}}, "ifrs9.stage_2", "Extra inputs are not permitted",
                 id="unknown-nested-field"),
    pytest.param({"buckets": [{"label": "M0", "min_days": 0, "max_days": None, "colour": "red"}]}, "buckets.0.colour",
                 "Extra inputs are not permitted", id="unknown-bucket-field"),
]


@pytest.mark.parametrize(("document", "field", "words"), INVALID)
def test_an_invalid_rule_set_is_refused_by_validation(document: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        RuleSet.model_validate(document)
    errors = refused.value.errors()
    assert any(".".join(str(part) for part in error["loc"]) == field and words in error["msg"] for error in errors), \
        errors


def _body(document: dict[str, Any], media: str) -> tuple[str, dict[str, str]]:
    submission = {"version": f"bad-{uuid.uuid4().hex[:8]}", "rules": document}
    text = json.dumps(submission) if media == "application/json" else yaml.safe_dump(submission)
    return text, {**RISK, "Content-Type": media}


@pytest.mark.parametrize("media", ["application/json", "application/yaml"])
@pytest.mark.parametrize(("document", "field", "words"), INVALID)
async def test_an_invalid_rule_set_is_a_clear_422(shared: Harness, document: dict[str, Any], field: str, words: str,
                                                 media: str) -> None:
    content, headers = _body(document, media)
    response = await shared.client.post("/v1/rulesets", content=content, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == VALIDATION
    assert words in problem["detail"]
    assert any(error["field"].endswith(field) and words in error["message"] for error in problem["errors"]), problem


async def test_a_rule_set_error_points_at_the_field_in_the_submitted_body(shared: Harness) -> None:
    """The body is {version, rules}: a bad bucket list is at rules.buckets (#/rules/buckets), not #/buckets."""
    content, headers = _body(buckets(("M0", 0, 0), ("M1", 1, 30)), "application/json")
    problem = (await shared.client.post("/v1/rulesets", content=content, headers=headers)).json()
    [error] = problem["errors"]
    assert (error["field"], error["pointer"]) == ("rules.buckets", "#/rules/buckets")


@pytest.mark.parametrize(("content", "media", "status"), [
    pytest.param('{"version": "x", "rules": {', "application/json", 422, id="broken-json"),
    pytest.param("version: x\nrules: [unclosed", "application/yaml", 422, id="broken-yaml"),
    pytest.param('{"version": "x", "rules": {}, "author": "me"}', "application/json", 422, id="unknown-top-field"),
    pytest.param('{"version": "has space", "rules": {}}', "application/json", 422, id="bad-version"),
    pytest.param('{"rules": {}}', "application/json", 422, id="no-version"),
    pytest.param('{"version": "x", "rules": [1, 2]}', "application/json", 422, id="rules-not-an-object"),
    pytest.param('["a", "list"]', "application/json", 422, id="not-an-object"),
    pytest.param("version: x", "text/plain", 415, id="plain-text"),
])
async def test_a_body_that_is_not_a_rule_set_submission_is_refused(shared: Harness, content: str, media: str,
                                                                  status: int) -> None:
    response = await shared.client.post("/v1/rulesets", content=content,
                                        headers={**SUPERVISOR, "Content-Type": media})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system"])
async def test_yaml_that_would_build_python_objects_is_refused_and_runs_nothing(shared: Harness, tmp_path: Path,
                                                                               tag: str) -> None:
    marker = tmp_path / "pwned"
    body = f"version: evil-1\nrules:\n  grace_days: {tag} [\"touch {marker}\"]\n"
    response = await shared.client.post("/v1/rulesets", content=body,
                                        headers={**SUPERVISOR, "Content-Type": "application/yaml"})
    assert response.status_code == 422, response.text
    assert response.json()["type"] == VALIDATION
    assert not marker.exists()


async def test_refused_rule_sets_are_not_stored(shared: Harness) -> None:
    response = await shared.client.get("/v1/rulesets", headers=SUPERVISOR)
    assert (response.status_code, response.json()) == (200, {"items": [], "next_cursor": None})
