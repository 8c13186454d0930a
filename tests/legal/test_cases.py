"""Legal cases on SQLite and PostgreSQL: opened for doubtful and loss debts or on escalation, once per debt."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from debtflow.common.events import (
    LegalCaseOpened,
)
from debtflow.legal.cases.models import LegalCase
from support import token
from support.harness import (
    classified,
    escalated,
    harness,
)

STAFF = token("supervisor", subject="supervisor-1")
AS_OF = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("five_tier_class", "trigger"),
    [
        pytest.param("doubtful", "classified_doubtful", id="doubtful"),
        pytest.param("loss", "classified_loss", id="loss"),
        pytest.param("substandard", None, id="substandard"),
        pytest.param("special_mention", None, id="special-mention"),
    ],
)
async def test_legal_opens_a_case_for_doubtful_and_loss_debts(
    database_url: str, five_tier_class: str, trigger: str | None
) -> None:
    async with harness("legal", database_url) as service:
        debt_id = uuid.uuid4()
        cause = await service.publish(classified(debt_id, borrower_id="BR-3", dpd_bucket="M6+",
                                                 five_tier_class=five_tier_class))
        await service.settled()
        assert await service.inbox_has(cause)

        response = await service.client.get(f"/v1/cases/{debt_id}", headers=token("legal", subject="lawyer-1"))
        if trigger is None:
            assert response.status_code == 404
            assert service.emitted() == []
            return
        assert response.status_code == 200, response.text
        case = response.json()
        assert (case["trigger"], case["five_tier_class"], case["stage"], case["borrower_id"]) == (
            trigger, five_tier_class, "pre_litigation", "BR-3"
        )
        [event] = service.emitted()
        assert isinstance(event.data, LegalCaseOpened)
        assert (str(event.data.case_id), event.data.trigger, event.data.five_tier_class) == (
            case["id"], trigger, five_tier_class
        )


async def test_legal_opens_a_case_when_collections_escalates(database_url: str) -> None:
    async with harness("legal", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(escalated(debt_id, borrower_id="BR-4"))
        await service.settled()

        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["trigger"], case["five_tier_class"], case["borrower_id"]) == (
            "escalated_by_collections", None, "BR-4"
        )
        [event] = service.emitted(LegalCaseOpened)
        assert event.data.trigger == "escalated_by_collections"


async def test_legal_never_opens_two_cases_for_one_debt(database_url: str) -> None:
    async with harness("legal", database_url) as service:
        debt_id = uuid.uuid4()
        first = await service.publish(classified(debt_id, five_tier_class="doubtful", as_of=AS_OF - timedelta(days=90)))
        await service.settled()
        await service.deliver(first)  # redelivered
        await service.publish(escalated(debt_id))
        await service.publish(classified(debt_id, five_tier_class="loss", as_of=AS_OF))
        await service.settled()

        assert await service.count(LegalCase) == 1
        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert case["trigger"] == "classified_doubtful"
        assert len(service.emitted(LegalCaseOpened)) == 1
        assert await service.outbox_count() == 1


