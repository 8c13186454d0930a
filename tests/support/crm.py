"""Builders for crm's tests: intake's borrower events with personal data encrypted exactly as intake encrypts it,
delivered with their tenant, and the callers crm knows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from debtflow.common.events import BorrowerRegistered, BorrowerUpdated, CloudEvent
from debtflow.common.pii import FieldCipher
from debtflow.crm.settings import CrmSettings
from debtflow.intake.borrowers.personal_data import for_event
from debtflow.intake.borrowers.schemas import BorrowerIn
from support import token
from support.harness import Harness, registered
from support.intake import borrower

TENANT = "lending-core-a"
COLLECTOR = token("collector", subject="collector-1")
OTHER_COLLECTOR = token("collector", subject="collector-2")
SUPERVISOR = token("supervisor", subject="supervisor-1")
OTHER_SUPERVISOR = token("supervisor", subject="supervisor-4")
LEGAL = token("legal", subject="lawyer-1")
AUDITOR = token("auditor", subject="auditor-1")
PII_READER = token("supervisor", subject="supervisor-2", permissions=["pii:read"])
LENDER = token("lender")
WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def borrower_event(cipher: FieldCipher, *, borrower_id: str = "BR-1", version: int = 1,
                   **personal: Any) -> BorrowerRegistered | BorrowerUpdated:
    """intake's event for version `version` of the borrower (`support.intake.borrower()` with `personal` over
    it): BorrowerRegistered for version 1, BorrowerUpdated after."""
    data = BorrowerIn(**borrower(**personal))
    fields = {"borrower_id": borrower_id, "id_type": data.id_type, "region": data.region, "timezone": data.timezone,
              "personal_data": for_event(cipher, data), "version": version}
    if version == 1:
        return BorrowerRegistered(**fields, registered_at=WHEN)
    return BorrowerUpdated(**fields, updated_at=WHEN)


async def publish_borrower(crm: Harness, *, tenant: str | None = TENANT, borrower_id: str = "BR-1",
                           version: int = 1, **personal: Any) -> CloudEvent[Any]:
    """Deliver intake's borrower event to crm as intake's relay would, carrying its tenant."""
    payload = borrower_event(crm.runtime.settings.field_cipher, borrower_id=borrower_id, version=version, **personal)
    return await crm.deliver(CloudEvent.new(payload, source_service="intake", tenant=tenant))


async def known_borrower(crm: Harness, borrower_id: str = "BR-1", *, tenant: str = TENANT,
                         debts: int = 1) -> list[uuid.UUID]:
    """What intake publishes for a new borrower with `debts` defaults: the borrower, then each debt; waits until
    crm has handled them. Returns the debt ids."""
    await publish_borrower(crm, tenant=tenant, borrower_id=borrower_id)
    debt_ids = [uuid.uuid4() for _ in range(debts)]
    for debt_id in debt_ids:
        debt = registered(debt_id, borrower_id=borrower_id, source_system=tenant)
        await crm.deliver(CloudEvent.new(debt, source_service="intake", tenant=tenant))
    await crm.settled()
    return debt_ids


def business_today() -> date:
    """Today in crm's business calendar (Asia/Shanghai by default): the day crm records things on."""
    return CrmSettings().today()


# -- contact points over the API, for BR-1 (the borrower publish_borrower registers) ------------------------------

async def contact_points(crm: Harness, headers: dict[str, str] = PII_READER, **params: Any) -> list[dict[str, Any]]:
    response = await crm.client.get("/v1/borrowers/BR-1/contact-points", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def by_value(points: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {point["value"]: point for point in points}


async def add_contact_point(crm: Harness, body: dict[str, Any], headers: dict[str, str] = COLLECTOR) -> Any:
    return await crm.client.post("/v1/borrowers/BR-1/contact-points", json=body, headers=headers)


async def added_contact_point(crm: Harness, body: dict[str, Any], headers: dict[str, str] = PII_READER) -> dict[str, Any]:
    response = await add_contact_point(crm, body, headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def correct_contact_point(crm: Harness, contact_point_id: str, body: dict[str, Any],
                 headers: dict[str, str] = PII_READER) -> Any:
    return await crm.client.patch(f"/v1/contact-points/{contact_point_id}", json=body, headers=headers)


async def contact_point_history(crm: Harness, contact_point_id: str, headers: dict[str, str] = PII_READER) -> list[dict[str, Any]]:
    response = await crm.client.get(f"/v1/contact-points/{contact_point_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]
