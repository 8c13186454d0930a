"""Cost arithmetic as pure functions: a cost's channel, its amount, and the unit prices the settings configure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from debtflow.common.money import CENT

#: Each kind of cost and the channel it is spent on (the summary groups by both).
CHANNEL_OF_KIND: dict[str, str] = {
    "sms_message": "sms",
    "email_message": "email",
    "robo_call_minute": "robo_call",
    "call_minute": "call",
    "letter": "letter",
    "field_visit": "field_visit",
    "agency_commission": "agency",
}
#: What a strategy step's channel is charged by (agency placements cost only their commission on recoveries).
KIND_OF_CHANNEL: dict[str, str] = {channel: kind for kind, channel in CHANNEL_OF_KIND.items() if channel != "agency"}
UNIT_COST_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class CostItem:
    """One cost to record: `quantity` units (messages, minutes, letters, visits, or the amount recovered for a
    commission) at `unit_cost` each. `source_id` (action, call or payment id) makes recording it twice harmless."""

    debt_id: uuid.UUID
    borrower_id: str
    kind: str
    quantity: Decimal
    unit_cost: Decimal
    currency: str
    source_id: str
    tenant: str | None = None
    #: The event that caused it (a payment): its announcement then carries that event's correlation and tenant.
    cause: Any = None


def cost_amount(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """quantity x unit cost in cents, half to even (the bank's rounding: no drift over many small items)."""
    return (quantity * unit_cost).quantize(CENT, rounding=ROUND_HALF_EVEN)


def check_item(item: CostItem) -> None:
    """Refuse a cost no caller should make: an unknown kind, a negative price, a price finer than 1/10000."""
    if item.kind not in CHANNEL_OF_KIND:
        raise ValueError(f"unknown cost kind {item.kind!r}; known: {', '.join(CHANNEL_OF_KIND)}")
    if item.unit_cost < 0 or item.unit_cost != item.unit_cost.quantize(UNIT_COST_PLACES):
        raise ValueError("a unit cost is non-negative with at most 4 decimal places")


@dataclass(frozen=True)
class UnitPrices:
    """The lender's tariffs per unit of each kind of action, in one currency."""

    currency: str
    prices: dict[str, Decimal]

    @classmethod
    def from_settings(cls, settings: Any) -> UnitPrices:
        return cls(currency=settings.cost_currency, prices={
            "sms_message": settings.cost_per_sms, "email_message": settings.cost_per_email,
            "robo_call_minute": settings.cost_per_robo_call_minute, "call_minute": settings.cost_per_call_minute,
            "letter": settings.cost_per_letter, "field_visit": settings.cost_per_field_visit,
        })

    def item(self, *, debt_id: uuid.UUID, borrower_id: str, channel: str, source_id: str,
             quantity: Decimal = Decimal(1), tenant: str | None = None) -> CostItem:
        """The cost of `quantity` units on a strategy channel (sms, email, robo_call, call, letter, field_visit)
        at this tariff: what the dispatcher and the agents' outcome logging hand to `record_costs`."""
        kind = KIND_OF_CHANNEL[channel]
        return CostItem(debt_id=debt_id, borrower_id=borrower_id, kind=kind, quantity=quantity,
                        unit_cost=self.prices[kind], currency=self.currency, source_id=source_id, tenant=tenant)
