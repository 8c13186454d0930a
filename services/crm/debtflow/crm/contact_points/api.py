"""Contact points over HTTP: a borrower's phones, emails and addresses (values masked without `pii:read`), agents
adding and correcting them (each change a revision, with its reason), and a contact point's history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.pii import FieldCipher
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.borrowers.personal_data import may_see_personal_data
from debtflow.crm.contact_points import service
from debtflow.crm.contact_points.models import ContactPoint
from debtflow.crm.contact_points.schemas import (
    ContactPointCorrection,
    ContactPointIn,
    ContactPointOut,
    ContactPointRevisionOut,
    Kind,
    Status,
)

router = service_router(prefix="/v1", tags=["contact points"])
#: People working the borrower's cases record and correct how to reach them; other staff read.
Agent = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]


@router.get("/borrowers/{borrower_id}/contact-points", summary="A borrower's contact points, oldest first; values "
            "masked without `pii:read`", responses=answers(409))
async def list_contact_points(borrower_id: ExternalRef, session: ReadSession, runtime: Runtime, actor: Staff,
                              tenant: TenantParam = None,
                              status: Annotated[Status | None, Query(description="Only active or retired ones.")] = None,
                              kind: Annotated[Kind | None, Query(description="Only phones, emails or addresses.")] = None,
                              limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[ContactPointOut]:
    profile, points, next_cursor = await service.contact_points_page(
        session, borrower_id, tenant=tenant, status=status, kind=kind, limit=limit, after=after)
    views = service.contact_point_views(runtime.settings.field_cipher, points, actor=actor, borrower_id=borrower_id,
                                        tenant=profile.tenant, what="contact points")
    return Page(items=[ContactPointOut(**view) for view in views], next_cursor=next_cursor)


@router.post("/borrowers/{borrower_id}/contact-points", status_code=201, summary="Record a contact point the "
             "borrower gave or an agent found", responses=answers(404, 409))
async def add_contact_point(borrower_id: ExternalRef, body: ContactPointIn, uow: UnitOfWorks, runtime: Runtime,
                            actor: Agent, tenant: TenantParam = None) -> ContactPointOut:
    settings = runtime.settings
    async with uow() as unit:
        point, value = await service.add_contact_point(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                       cipher=settings.field_cipher, phone_region=settings.phone_region)
        return _answer(settings.field_cipher, point, value, actor)


@router.patch("/contact-points/{contact_point_id}", summary="Correct a contact point (a new revision, with its "
              "reason)", responses=answers(404, 409))
async def correct_contact_point(contact_point_id: uuid.UUID, body: ContactPointCorrection, uow: UnitOfWorks,
                                runtime: Runtime, actor: Agent) -> ContactPointOut:
    settings = runtime.settings
    async with uow() as unit:
        point, value = await service.correct_contact_point(unit, contact_point_id, body, actor=actor,
                                                           cipher=settings.field_cipher,
                                                           phone_region=settings.phone_region)
        return _answer(settings.field_cipher, point, value, actor)


@router.get("/contact-points/{contact_point_id}/history", summary="Every revision of a contact point, oldest first; "
            "values masked without `pii:read`", responses=answers(404))
async def contact_point_history(contact_point_id: uuid.UUID, session: ReadSession, runtime: Runtime, actor: Staff,
                                limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[ContactPointRevisionOut]:
    point, revisions, next_cursor = await service.history_page(session, contact_point_id, limit=limit, after=after)
    views = service.revision_views(runtime.settings.field_cipher, point, revisions, actor=actor)
    return Page(items=[ContactPointRevisionOut(**view) for view in views], next_cursor=next_cursor)


def _answer(cipher: FieldCipher, point: ContactPoint, value: str, actor: Actor) -> ContactPointOut:
    unmasked = may_see_personal_data(actor, borrower_id=point.borrower_id, tenant=point.tenant, what="contact point")
    return ContactPointOut(**service.contact_point_view(cipher, point, unmasked=unmasked, value=value))
