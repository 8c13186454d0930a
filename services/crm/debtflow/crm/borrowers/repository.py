"""Finding a borrower crm knows, and checking that a debt is theirs: what every borrower-facing write starts with."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.problems import InvalidInput, NotFound, field_error
from debtflow.common.tenants import the_one_tenant
from debtflow.crm.borrowers.models import BorrowerProfile
from debtflow.crm.timeline.models import TimelineEntry


async def borrower_of(session: AsyncSession, borrower_id: str, *, tenant: str | None,
                      lock: bool = False) -> BorrowerProfile:
    """The tenant's borrower (without `tenant`: the only tenant that has this borrower id, else 409); a borrower
    intake never registered is 404. `lock` holds the profile row, so two writes about one borrower queue up."""
    query = select(BorrowerProfile).where(BorrowerProfile.borrower_id == borrower_id)
    if tenant is not None:
        query = query.where(BorrowerProfile.tenant == tenant)
    profiles = list(await session.scalars(query.limit(2)))
    if tenant is None and profiles:
        the_one_tenant({profile.tenant for profile in profiles}, f"borrower {borrower_id}")
    if not profiles:
        raise NotFound(f"no borrower {borrower_id}" + (f" of tenant {tenant}" if tenant else ""))
    if not lock:
        return profiles[0]
    return (await session.scalars(select(BorrowerProfile).where(BorrowerProfile.id == profiles[0].id)
                                  .with_for_update())).one()


async def check_debt_of(session: AsyncSession, profile: BorrowerProfile, debt_id: uuid.UUID | None,
                        *, field: str = "debt_id") -> None:
    """A debt named in a request must be one crm has seen (its timeline) of this borrower and tenant: a typo must
    not pause another borrower's debt. None means every debt of the borrower and needs no check."""
    if debt_id is None:
        return
    found = await session.scalar(select(TimelineEntry.id).where(
        TimelineEntry.debt_id == debt_id, TimelineEntry.borrower_id == profile.borrower_id,
        TimelineEntry.tenant == profile.tenant).limit(1))
    if found is None:
        raise InvalidInput(f"debt {debt_id} is not a debt of borrower {profile.borrower_id} known to crm",
                           errors=[field_error(field, "known_debt", "must be a debt of this borrower")])
