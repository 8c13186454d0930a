"""How a borrower's data changes, as plain functions: a later default merges field by field (a field it leaves
out keeps its value), and only an explicit erasure clears a field."""

from __future__ import annotations

from collections.abc import Iterable

from debtflow.intake.borrowers.schemas import BorrowerIn

#: Lists are replaced as a whole when a default sends them: a lending core sends its current contact points, and
#: a union would keep forever a number it dropped (a wrong number reaches someone who owes nothing).
LIST_FIELDS = frozenset({"phones", "emails"})


def offered_fields(offered: BorrowerIn) -> set[str]:
    """The fields a default actually gives. Null and an empty list count as absent, like an empty CSV cell:
    a lending core that does not know a value must not wipe ours by saying so."""
    return {name for name in offered.model_fields_set if getattr(offered, name) not in (None, [])}


def merged(held: BorrowerIn, offered: BorrowerIn) -> BorrowerIn:
    """The borrower after a later default: each field it gives replaces ours, every other field is kept."""
    return held.model_copy(update={name: getattr(offered, name) for name in offered_fields(offered)})


def erased(held: BorrowerIn, fields: Iterable[str]) -> BorrowerIn:
    """The borrower with `fields` cleared (the erasure action's effect; recorded by the caller)."""
    return held.model_copy(update={name: [] if name in LIST_FIELDS else None for name in fields})
