"""Consent rules as plain functions: what the current position per purpose is, and which moves make sense."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def current_positions(records: Iterable[Any]) -> dict[str, Any]:
    """The latest record of each purpose (records newest first): the borrower's position now."""
    positions: dict[str, Any] = {}
    for record in records:
        positions.setdefault(record.purpose, record)
    return positions


def consent_refusal(action: str, legal_basis: str, current: Any | None) -> str | None:
    """Why a consent move is refused, or None. Withdrawing needs something given; only consent can be withdrawn
    (PIPL art. 15): a contract or a legal duty does not end because the borrower withdraws."""
    if action == "withdraw":
        if current is None or current.status != "given":
            return "nothing given to withdraw for this purpose"
        if current.legal_basis != "consent":
            return f"processing for this purpose rests on {current.legal_basis.replace('_', ' ')}, not on consent"
    elif current is not None and current.status == "given" and current.legal_basis == legal_basis:
        return "already given on this legal basis"
    return None
