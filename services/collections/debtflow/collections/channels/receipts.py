"""Delivery receipts: a provider's signed callback (checked before its body is read), refused when forged, stale
or replayed, then the message's status moved (delivered, failed, undelivered)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from debtflow.collections.channels.models import ChannelMessage, DeliveryReceipt
from debtflow.collections.channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, fresh, signed_by
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.bulk import insert_ignoring_duplicates
from debtflow.common.logging import get_logger
from debtflow.common.problems import NotFound, Problem

log = get_logger(__name__)


class ReceiptRefused(Problem):
    """401: the callback is not provably the provider's, now, for the first time. `header` names what is wrong."""

    status, title = 401, "Receipt refused"

    def __init__(self, detail: str, *, slug: str, header: str | None = None) -> None:
        super().__init__(detail, slug=slug, headers={"WWW-Authenticate": 'HMAC-SHA256 realm="debtflow-receipts"'},
                         **({"header": header} if header else {}))


def check_signature(*, secret: str, tolerance_seconds: int, timestamp: str | None, claimed: str | None,
                    body: bytes) -> None:
    """Refuse (401) a callback without both headers, signed with another key or over another body, or dated
    outside the tolerance window (a captured callback sent again later)."""
    for header, value in ((TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, claimed)):
        if not value:
            raise ReceiptRefused(f"the {header} header is missing", slug="receipt-unsigned", header=header)
    assert timestamp is not None and claimed is not None
    if not signed_by(secret, timestamp, body, claimed):
        raise ReceiptRefused("the signature does not match the body and timestamp", slug="receipt-forged",
                             header=SIGNATURE_HEADER)
    if not fresh(timestamp, now=time.time(), tolerance_seconds=tolerance_seconds):
        raise ReceiptRefused(f"the timestamp is more than {tolerance_seconds} seconds from now",
                             slug="receipt-stale", header=TIMESTAMP_HEADER)


async def record_receipt(uow: UnitOfWork, *, gateway: str, receipt: Any) -> ChannelMessage:
    """Keep the receipt id (a second time is a replay, 401) and move the message to the receipt's status."""
    now = utcnow()
    session = uow.session
    message = await session.scalar(select(ChannelMessage).where(
        ChannelMessage.id == receipt.message_id, ChannelMessage.channel == gateway).with_for_update())
    if message is None:
        raise NotFound(f"no {gateway} message {receipt.message_id}")
    inserted = await insert_ignoring_duplicates(session, DeliveryReceipt.__table__, [{  # type: ignore[arg-type]
        "gateway": gateway, "receipt_id": receipt.receipt_id, "message_id": message.id, "status": receipt.status,
        "received_at": now}])
    if not inserted:
        raise ReceiptRefused(f"receipt {receipt.receipt_id} was already received", slug="receipt-replayed")
    message.status, message.updated_at = receipt.status, now
    if receipt.status != "delivered" and receipt.reason:
        message.failure = receipt.reason
    log.info("delivery receipt", gateway=gateway, message_id=str(message.id), status=receipt.status)
    return message
