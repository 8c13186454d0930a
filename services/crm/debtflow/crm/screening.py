"""Free text staff write (notes, descriptions, stated circumstances) is screened for personal data before it is
kept: refused with a 422 naming the field, or masked, as the `notes_personal_data` setting says."""

from __future__ import annotations

from typing import Literal

from debtflow.common.pii import mask_personal_data, personal_data_in
from debtflow.common.problems import InvalidInput, field_error

NotesPolicy = Literal["refuse", "mask"]


def screened(text: str | None, *, field: str, policy: NotesPolicy) -> str | None:
    """The text as it may be kept. Why: a note is read by every collector on the case and exported in data-subject
    requests; an identity or card number typed into it would be personal data outside the encrypted fields."""
    if text is None:
        return None
    found = personal_data_in(text)
    if not found:
        return text
    if policy == "mask":
        return mask_personal_data(text)
    kinds = ", ".join(sorted({item.kind for item in found}))
    raise InvalidInput(f"{field} holds what looks like personal data ({kinds}); write it without, or record "
                       "contact data as a contact point", errors=[field_error(
                           field, "no_personal_data", f"must not contain personal data ({kinds})")])
