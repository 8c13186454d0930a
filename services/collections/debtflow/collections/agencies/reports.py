"""What an agency reports on its placements: contacts with their outcome, each through the one contact policy
(a refused contact is audited by the policy, counted against the agency as a conduct breach, and answered 422)."""

from __future__ import annotations

import uuid
from datetime import datetime

from debtflow.collections.agencies.models import AgencyConductBreach, AgencyContact, Placement
from debtflow.collections.agencies.schemas import ContactReportIn
from debtflow.collections.agencies.service import get_placement
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.contact_policy.rules import ProposedContact
from debtflow.collections.contact_policy.service import ContactRefused, authorise_logged_contact
from debtflow.common.auth import Actor
from debtflow.common.db import UnitOfWorkFactory
from debtflow.common.problems import InvalidInput, field_error


async def report_contact(uow: UnitOfWorkFactory, placement_id: uuid.UUID, body: ContactReportIn, *, actor: Actor,
                         agency_code: str, policy: ContactPolicy, now: datetime) -> AgencyContact:
    """Log a contact the agency made: its own placement (else 404), within the term, allowed by the policy."""
    async with uow() as unit:
        placement = await get_placement(unit.session, placement_id, agency_code=agency_code)
    _check_in_term(placement, body.occurred_at, now)
    proposal = ProposedContact(debt_id=placement.debt_id, borrower_id=placement.borrower_id, channel=body.channel,
                               at=body.occurred_at, actor="agency", party=body.party, connected=body.connected,
                               collectors=body.collectors, agency=agency_code)
    try:
        await authorise_logged_contact(uow, proposal, policy=policy, actor_subject=actor.identity)
    except ContactRefused as refusal:
        await _record_breach(uow, placement, body, rule=_rule_of(refusal), now=now)
        raise
    async with uow() as unit:
        contact = AgencyContact(id=uuid.uuid4(), placement_id=placement.id, agency_code=agency_code,
                                debt_id=placement.debt_id, channel=body.channel, party=body.party,
                                outcome=body.outcome, duration_seconds=body.duration_seconds,
                                occurred_at=body.occurred_at, reported_by=actor.identity, reported_at=now)
        unit.session.add(contact)
    return contact


def _check_in_term(placement: Placement, occurred_at: datetime, now: datetime) -> None:
    # An agency may report a contact late, but only one it made while it held the debt, and none in the future.
    if not placement.placed_at <= occurred_at <= min(placement.ended_at, now):
        raise InvalidInput("the contact is outside the placement's term", errors=[
            field_error("occurred_at", "placement_term", "must be during the placement and not in the future")])


def _rule_of(refusal: ContactRefused) -> str:
    return str(refusal.extensions.get("rule") or "unknown")


async def _record_breach(uow: UnitOfWorkFactory, placement: Placement, body: ContactReportIn, *, rule: str,
                         now: datetime) -> None:
    """In its own committed unit of work: the refusal's 422 must not roll the count back."""
    async with uow() as unit:
        unit.session.add(AgencyConductBreach(id=uuid.uuid4(), agency_code=placement.agency_code,
                                             placement_id=placement.id, debt_id=placement.debt_id,
                                             channel=body.channel, rule=rule[:64], attempted_at=body.occurred_at,
                                             recorded_at=now))
