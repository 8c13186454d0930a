"""HMAC-SHA256 signatures of webhook POSTs and delivery receipts: `sha256=<hex>` over `<timestamp>.<body>`."""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Debtflow-Timestamp"
SIGNATURE_HEADER = "X-Debtflow-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value; the timestamp is signed with the body so a body cannot be re-dated."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_by(secret: str, timestamp: str, body: bytes, claimed: str) -> bool:
    """Whether `claimed` is the body's signature (compared in constant time)."""
    return hmac.compare_digest(signature(secret, timestamp, body), claimed.strip())


def fresh(timestamp: str, *, now: float, tolerance_seconds: int) -> bool:
    """Whether a Unix-seconds timestamp lies within the tolerance of now (either side: clocks drift)."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= tolerance_seconds
