"""The register's rules as plain functions: which statuses are final, when newer figures apply and what a balance
change does to the status. (Which debts a caller may see: `debtflow.common.tenants`.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

#: Statuses in which the debt has left the lender's books; payments then count as recoveries.
DISPOSED = frozenset({"sold", "written_off"})
#: Closed for good: later figures from the lending core are kept but not applied (a settlement waived the
#: rest, and reopening it would send collectors after a borrower who settled).
CLOSED = DISPOSED | {"settled"}


def newer_figures_apply(*, held_as_of: date, status: str, offered_as_of: date) -> bool:
    """A lending core's figures (a repeated default, a snapshot) replace ours only if they are of a later day
    and the debt is still ours to collect; older or same-day figures are kept but change nothing."""
    return offered_as_of > held_as_of and status not in CLOSED


def status_after_balance_change(status: str, total_outstanding: Decimal) -> str:
    """Paid down to nothing is settled; owing again (a reversal, newer figures) reopens a settled debt; a sold
    or written-off debt stays so."""
    if status in DISPOSED:
        return status
    return "settled" if total_outstanding == 0 else "open"

