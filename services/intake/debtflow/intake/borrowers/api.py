"""Borrowers over HTTP: a borrower within the caller's tenant (masked without `pii:read`), an exact search by
identity number, phone or email sent in the body so personal data never sits in a URL or an access log, and the
audited erasure of fields (the only way a field is cleared)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from debtflow.common.auth import STAFF_ROLES, Actor, Role, Staff, require_roles
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.intake.borrowers import service
from debtflow.intake.borrowers.schemas import BorrowerOut, BorrowerSearchIn, FieldErasureIn, FieldErasureOut

router = service_router(prefix="/v1", tags=["borrowers"])
Reader = Annotated[Actor, Depends(require_roles(Role.LENDER, *STAFF_ROLES))]
#: Clearing personal data is a supervisor's decision (a data-subject request, a number proven wrong), never a
#: lending core's: a core that omits a field keeps it, so no core ever needs to clear one.
Eraser = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
BorrowerId = Annotated[str, Path(max_length=64)]


@router.get("/borrowers/{borrower_id}", summary="A borrower; personal data masked without `pii:read`",
            responses=answers(409))
async def get_borrower(borrower_id: BorrowerId, session: ReadSession, runtime: Runtime, actor: Reader,
                       tenant: TenantParam = None) -> BorrowerOut:
    settings = runtime.settings
    borrower = await service.find_borrower(session, borrower_id, tenant=tenant, actor=actor,
                                           tenancy=settings.tenancy)
    return BorrowerOut(**service.borrower_view(borrower, settings.field_cipher, actor=actor))


@router.post("/borrowers:search", summary="Find borrowers by identity number, phone or email (exact match)")
async def search_borrowers(search: BorrowerSearchIn, session: ReadSession, runtime: Runtime, actor: Staff,
                           tenant: TenantParam = None, limit: Limit = DEFAULT_LIMIT,
                           after: After = None) -> Page[BorrowerOut]:
    cipher = runtime.settings.field_cipher
    found, next_cursor = await service.search_borrowers(session, search, cipher, tenant=tenant, limit=limit,
                                                        after=after)
    return Page(items=[BorrowerOut(**view) for view in service.borrower_views(found, cipher, actor=actor)],
                next_cursor=next_cursor)


@router.post("/borrowers/{borrower_id}:erase-fields", summary="Clear some of a borrower's fields (audited)",
             responses=answers(409))
async def erase_fields(borrower_id: BorrowerId, erasure: FieldErasureIn, uow: UnitOfWorks, runtime: Runtime,
                       actor: Eraser, tenant: TenantParam = None) -> BorrowerOut:
    settings = runtime.settings
    async with uow() as unit:
        borrower = await service.erase_fields(unit, borrower_id, erasure, tenant=tenant, actor=actor,
                                              tenancy=settings.tenancy, cipher=settings.field_cipher)
        return BorrowerOut(**service.borrower_view(borrower, settings.field_cipher, actor=actor))


@router.get("/borrowers/{borrower_id}/erasures", summary="Every erasure of a borrower's fields, oldest first",
            responses=answers(409))
async def get_erasures(borrower_id: BorrowerId, session: ReadSession, runtime: Runtime, actor: Staff,
                       tenant: TenantParam = None, limit: Limit = DEFAULT_LIMIT,
                       after: After = None) -> Page[FieldErasureOut]:
    erasures, next_cursor = await service.erasures_of(session, borrower_id, tenant=tenant, actor=actor,
                                                      tenancy=runtime.settings.tenancy, limit=limit, after=after)
    return Page(items=[FieldErasureOut.model_validate(erasure) for erasure in erasures], next_cursor=next_cursor)
