"""Borrower profiles over HTTP: one tenant's borrower with their active contact points, masked without `pii:read`."""

from __future__ import annotations

from debtflow.common.auth import Staff
from debtflow.common.events.intake import ExternalRef
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, answers, service_router
from debtflow.crm.borrowers import service
from debtflow.crm.borrowers.schemas import BorrowerProfileOut

router = service_router(prefix="/v1", tags=["borrowers"])


@router.get("/borrowers/{borrower_id}", summary="A borrower's profile and active contact points; personal data "
            "masked without `pii:read`", responses=answers(409))
async def get_borrower(borrower_id: ExternalRef, session: ReadSession, runtime: Runtime, actor: Staff,
                       tenant: TenantParam = None) -> BorrowerProfileOut:
    return BorrowerProfileOut(**await service.profile_of(session, borrower_id, tenant=tenant, actor=actor,
                                                         cipher=runtime.settings.field_cipher))
