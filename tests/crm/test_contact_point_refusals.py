"""Contact points refused on SQLite and PostgreSQL: each bad addition or correction is a problem naming its field,
and changes nothing (one service per database serves them all: refusals leave nothing behind)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from debtflow.crm.contact_points.models import ContactPoint
from support.crm import add_contact_point as _add
from support.crm import by_value as _by_value
from support.crm import contact_point_history as _history
from support.crm import contact_points as _points
from support.crm import correct_contact_point as _patch
from support.crm import publish_borrower
from support.harness import Harness
from support.intake import PHONE
from support.problems import assert_problem

AGENT_PHONE = "+8613700137000"


@pytest.fixture(scope="module")
async def refusing(shared: Harness) -> Harness:
    """A crm shared by the module's refusals: they change nothing, so one borrower serves them all."""
    await publish_borrower(shared)
    await shared.settled()
    return shared


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "phone", "value": "12345"}, "value"),
    ({"kind": "phone", "value": "call me"}, "value"),
    ({"kind": "email", "value": "not an address"}, "value"),
    ({"kind": "address", "value": "   "}, "value"),
    ({"kind": "fax", "value": "+8613700137000"}, "kind"),
    ({"kind": "phone", "value": AGENT_PHONE, "belongs_to": "third_party"}, "relationship"),
    ({"kind": "phone", "value": AGENT_PHONE, "relationship": "family"}, "relationship"),
    ({"kind": "phone", "value": AGENT_PHONE, "source": "lending_core"}, "source"),
    ({"kind": "phone", "value": AGENT_PHONE, "colour": "blue"}, "colour"),
    ({"kind": "phone"}, "value"),
])
async def test_a_bad_contact_point_is_refused_naming_the_field(refusing: Harness, body: dict[str, Any],
                                                               field: str) -> None:
    crm = refusing
    before = await crm.count(ContactPoint)
    problem = assert_problem(await _add(crm, body), 422, "validation-error", fields={field})
    assert AGENT_PHONE not in json.dumps(problem)  # the value is never echoed
    assert await crm.count(ContactPoint) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"verification": "verified"}, "reason"),
    ({"verification": "verified", "reason": ""}, "reason"),
    ({"do_not_use": True, "reason": "wrong person"}, "do_not_use_reason"),
    ({"do_not_use": False, "do_not_use_reason": "other", "reason": "wrong person"}, "do_not_use_reason"),
    ({"do_not_use": True, "do_not_use_reason": "moved", "reason": "wrong person"}, "do_not_use_reason"),
    ({"verification": "maybe", "reason": "checked"}, "verification"),
    ({"value": "12345", "reason": "typo"}, "value"),
    ({"relationship": "family", "reason": "typo"}, "relationship"),
    ({"last_successful_contact_at": "2099-01-01T00:00:00Z", "reason": "called"}, "last_successful_contact_at"),
    ({"last_successful_contact_at": "2026-11-27T10:00:00", "reason": "called"}, "last_successful_contact_at"),
    ({"kind": "email", "reason": "wrong kind"}, "kind"),
    ({"reason": "nothing to change"}, "body"),
])
async def test_a_bad_correction_is_refused_naming_the_field(refusing: Harness, body: dict[str, Any],
                                                            field: str) -> None:
    crm = refusing
    phone = _by_value(await _points(crm))[PHONE]
    assert_problem(await _patch(crm, phone["contact_point_id"], body), 422, "validation-error", fields={field})
    assert (await _history(crm, phone["contact_point_id"]))[-1]["revision"] == 1
