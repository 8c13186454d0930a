"""Templates and delivery receipts over HTTP: supervisors add template versions, staff read them; providers post
signed delivery receipts (no token: the HMAC signature is the credential)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request
from pydantic import ValidationError

from debtflow.collections.channels import receipts, templates
from debtflow.collections.channels.rules import CHANNELS
from debtflow.collections.channels.schemas import (
    Channel,
    Language,
    ReceiptIn,
    ReceiptOut,
    TemplateIn,
    TemplateOut,
    TemplateVersionsOut,
)
from debtflow.collections.channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page, decode_cursor, page_of
from debtflow.common.problems import InvalidInput, NotFound, field_error, validation_errors
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, named_schema, service_router
from debtflow.common.web.app import read_body
from debtflow.common.web.bodies import JsonRefused, decode_json, refused_body

router = service_router(prefix="/v1", tags=["channels"])
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
Code = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]


@router.post("/templates", status_code=201, summary="Add a template version", responses=answers(409))
async def create_template(body: TemplateIn, uow: UnitOfWorks, actor: Supervisor) -> TemplateOut:
    async with uow() as unit:
        created = await templates.create_template(unit, body=body, actor=actor)
    return TemplateOut.model_validate(created)


@router.get("/templates", summary="Current templates (each key's newest version)")
async def list_templates(session: ReadSession, _: Staff, channel: Channel | None = None,
                         language: Language | None = None, limit: Limit = DEFAULT_LIMIT,
                         after: After = None) -> Page[TemplateOut]:
    current = await templates.current_templates(session, channel=channel, language=language)
    if after is not None:
        boundary = decode_cursor(after, str, str, str, str, str)
        current = [item for item in current if item.key > boundary]
    items, cursor = page_of(current[:limit + 1], limit, lambda item: item.key)
    return Page(items=[TemplateOut.model_validate(item) for item in items], next_cursor=cursor)


@router.get("/templates/{code}", summary="Every version of a template code", responses=answers(404))
async def template_versions(code: Code, session: ReadSession, _: Staff) -> TemplateVersionsOut:
    found = await templates.versions_of(session, code)
    return TemplateVersionsOut(code=code, versions=[TemplateOut.model_validate(item) for item in found])


@router.post(
    "/channels/receipts/{gateway}", summary="A provider's signed delivery receipt", responses=answers(401, 404),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": named_schema(ReceiptIn)}}}}},
    description=f"Signed by the provider: `{SIGNATURE_HEADER}: sha256=<hex>` of HMAC-SHA256 with "
    f"`DEBTFLOW_COLLECTIONS_RECEIPT_SECRET` over `<{TIMESTAMP_HEADER}>.<raw body>`, the timestamp in Unix "
    "seconds. A missing, wrong or stale signature, or a receipt id seen before, is 401.")
async def delivery_receipt(
    gateway: Annotated[str, Path(max_length=32, description="The channel whose provider calls back: sms, robo_call, "
                                 "letter or email.")],
    request: Request, uow: UnitOfWorks, runtime: Runtime,
    timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER, max_length=20)] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER, max_length=100)] = None,
) -> ReceiptOut:
    settings = runtime.settings
    body = await read_body(request, max_bytes=settings.max_body_bytes)
    receipts.check_signature(secret=settings.receipt_secret.get_secret_value(),
                             tolerance_seconds=settings.receipt_tolerance_seconds, timestamp=timestamp,
                             claimed=signature, body=body)
    if gateway not in CHANNELS:  # checked after the signature: an unsigned caller learns nothing
        raise NotFound(f"no gateway {gateway[:32]}; receipts go to one of {', '.join(CHANNELS)}")
    receipt = _parsed(body)
    async with uow() as unit:
        message = await receipts.record_receipt(unit, gateway=gateway, receipt=receipt)
    return ReceiptOut(message_id=message.id, status=message.status)


def _parsed(body: bytes) -> ReceiptIn:
    """The receipt, read only once its signature held: a 422 naming the field for a signed but malformed one."""
    try:
        document = decode_json(body)
    except JsonRefused as error:
        raise refused_body(error) from None
    except ValueError:  # not JSON, or not text at all
        raise InvalidInput("the body is not JSON", errors=[field_error("body", "json", "send a JSON object")]
                           ) from None
    try:
        return ReceiptIn.model_validate(document)
    except ValidationError as error:
        raise InvalidInput("the receipt is not valid", errors=validation_errors(error.errors(), location="body")
                           ) from None
