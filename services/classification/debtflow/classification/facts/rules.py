"""What a consumed fact does to a debt's facts, as plain functions of the row: no queries, no clock reads
beyond the row's own `updated_at`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from debtflow.classification.facts.models import DebtFactsRow
from debtflow.common.clock import utcnow

#: The five-tier classes that count as non-performing (for contagion between a borrower's debts).
NONPERFORMING = ("substandard", "doubtful", "loss")


def business_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of an instant where the lender does business (days past due count in its days)."""
    return moment.astimezone(zone).date()


def apply_intake_facts(row: DebtFactsRow, *, version: int, currency: str, exposure: Decimal,
                       first_unpaid_due_date: date | None, status: str, as_of: date,
                       past_due_amount: Decimal | None = None) -> bool:
    """Intake's figures, if newer than those held (a payment can arrive before the registration). True if so."""
    if version <= row.intake_version:
        return False
    row.intake_version = version
    row.currency = currency
    row.exposure = exposure
    row.first_unpaid_due_date = first_unpaid_due_date
    row.status = status
    row.past_due_amount = past_due_amount
    row.facts_as_of = max(row.facts_as_of, as_of)
    row.updated_at = utcnow()
    return True


def set_flag(row: DebtFactsRow, flag: str, active: bool) -> bool:
    """Raise or lower one of the debt's flags (disputed, hardship, deceased, legal_action ...). True if changed."""
    flags = set(row.flags or [])
    changed = (flag in flags) != active
    if active:
        flags.add(flag)
    else:
        flags.discard(flag)
    row.flags = sorted(flags)
    row.updated_at = utcnow()
    return changed
