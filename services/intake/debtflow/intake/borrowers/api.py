"""Borrowers over HTTP: a borrower (masked without `pii:read`), and an exact search by identity number, phone or
email sent in the body so personal data never sits in a URL or an access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from debtflow.common.auth import STAFF_ROLES, Actor, Role, Staff, require_roles
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.web import ReadSession, Runtime, service_router
from debtflow.intake.borrowers import service
from debtflow.intake.borrowers.schemas import BorrowerOut, BorrowerSearchIn

router = service_router(prefix="/v1", tags=["borrowers"])
Reader = Annotated[Actor, Depends(require_roles(Role.LENDER, *STAFF_ROLES))]


@router.get("/borrowers/{borrower_id}", summary="A borrower; personal data masked without `pii:read`")
async def get_borrower(borrower_id: Annotated[str, Path(max_length=64)], session: ReadSession, runtime: Runtime,
                       actor: Reader) -> BorrowerOut:
    borrower = await service.get_borrower(session, borrower_id, actor=actor)
    return BorrowerOut(**service.borrower_view(borrower, runtime.settings.field_cipher, actor=actor))


@router.post("/borrowers:search", summary="Find borrowers by identity number, phone or email (exact match)")
async def search_borrowers(search: BorrowerSearchIn, session: ReadSession, runtime: Runtime, actor: Staff,
                           limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[BorrowerOut]:
    cipher = runtime.settings.field_cipher
    found, next_cursor = await service.search_borrowers(session, search, cipher, limit=limit, after=after)
    return Page(items=[BorrowerOut(**view) for view in service.borrower_views(found, cipher, actor=actor)],
                next_cursor=next_cursor)
