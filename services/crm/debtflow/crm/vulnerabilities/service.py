"""Vulnerability use cases: flag a borrower (routed to the specialist team the settings name for the kind),
remove a flag, read a borrower's; each change announced."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import VulnerabilityRecorded
from debtflow.common.problems import Conflict
from debtflow.crm.borrowers.repository import borrower_of
from debtflow.crm.checks import locked_or_404, require_state
from debtflow.crm.screening import NotesPolicy, screened
from debtflow.crm.vulnerabilities.models import VulnerabilityFlag
from debtflow.crm.vulnerabilities.schemas import RemovalIn, VulnerabilityIn


async def flag_vulnerability(uow: UnitOfWork, borrower_id: str, request: VulnerabilityIn, *, tenant: str | None,
                             actor: Actor, teams: Mapping[str, str], notes: NotesPolicy) -> VulnerabilityFlag:
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant, lock=True)
    already = await uow.session.scalar(select(VulnerabilityFlag.id).where(
        VulnerabilityFlag.tenant == profile.tenant, VulnerabilityFlag.borrower_id == profile.borrower_id,
        VulnerabilityFlag.kind == request.kind, VulnerabilityFlag.status == "active").limit(1))
    if already is not None:
        raise Conflict(f"borrower {borrower_id} is already flagged {request.kind} ({already})",
                       slug="vulnerability-already-flagged", vulnerability_id=str(already))
    flag = VulnerabilityFlag(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, kind=request.kind,
        specialist_team=teams.get(request.kind) or teams["default"],
        notes=screened(request.notes, field="notes", policy=notes), status="active", recorded_by=actor.identity,
        recorded_at=utcnow())
    uow.session.add(flag)
    _announce(uow, flag, active=True)
    return flag


async def remove_vulnerability(uow: UnitOfWork, vulnerability_id: uuid.UUID, removal: RemovalIn, *,
                               actor: Actor) -> VulnerabilityFlag:
    flag = await locked_or_404(uow.session, VulnerabilityFlag, vulnerability_id, what="vulnerability flag")
    require_state(flag.status, ("active",), what=f"vulnerability flag {vulnerability_id}", move="remove")
    flag.status, flag.removal_reason, flag.removed_by, flag.removed_at = "removed", removal.reason, actor.identity, utcnow()
    _announce(uow, flag, active=False)
    return flag


def _announce(uow: UnitOfWork, flag: VulnerabilityFlag, *, active: bool) -> None:
    moment = flag.recorded_at if active else flag.removed_at
    assert moment is not None
    uow.emit(VulnerabilityRecorded(borrower_id=flag.borrower_id, vulnerability_id=flag.id,
                                   kind=flag.kind, specialist_team=flag.specialist_team,  # type: ignore[arg-type]
                                   active=active, recorded_at=moment), tenant=flag.tenant)


async def vulnerabilities_of(session: AsyncSession, borrower_id: str, *, tenant: str | None) -> list[VulnerabilityFlag]:
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    query = select(VulnerabilityFlag).where(VulnerabilityFlag.tenant == profile.tenant,
                                            VulnerabilityFlag.borrower_id == profile.borrower_id)
    return list(await session.scalars(query.order_by(VulnerabilityFlag.recorded_at.desc(),
                                                     VulnerabilityFlag.id.desc()).limit(500)))
