"""Free text people send (names, addresses, reasons): refused when it carries control or bidi characters."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

#: Explicit direction marks, embeddings, overrides and isolates (Unicode TR 9). Sent inside a name they make it
#: display as another name ("Trojan Source"), and nothing a person writes on a form needs them.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: The only controls multi-line text keeps: line breaks and tab, as typed in an address or a reason.
LINE_BREAKS = frozenset("\t\n\r")

_REFUSED_CATEGORIES = {"Cc", "Cs"}  # C0/C1 controls and DEL; lone surrogates (no UTF-8 form: they cannot be stored)

#: For the documents: the same rule as a JSON Schema pattern (ECMA-262 and Rust regex both read \uXXXX).
_SINGLE_LINE_PATTERN = (r"^[^\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        r"\ud800-\udfff]*$")
_MULTI_LINE_PATTERN = (r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e"
                       r"\u2066-\u2069\ud800-\udfff]*$")


def refused_character(text: str, *, allowed: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """The position and name of the first character free text may not hold, or None."""
    for position, character in enumerate(text):
        if character in allowed:
            continue
        if character in BIDI_CONTROLS:
            return position, "a bidirectional control character"
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            return position, "a control character"
    return None


def _checker(allowed: frozenset[str], what: str) -> Any:
    def check(value: Any) -> Any:
        # Anything but a string is left to the str type, which refuses it with its own message.
        if isinstance(value, str) and (found := refused_character(value, allowed=allowed)) is not None:
            position, kind = found
            raise PydanticCustomError(
                "control_character",
                "must be {what} without control or bidirectional characters; found {kind} at character {position}",
                {"what": what, "kind": kind, "position": position + 1},
            )
        return value

    return check


#: One line of text: a name, a region, an identity number, an email address.
SafeText = Annotated[str, BeforeValidator(_checker(frozenset(), "one line of text")),
                     Field(json_schema_extra={"pattern": _SINGLE_LINE_PATTERN})]
#: Text that may run over several lines (an address, a reason, a description): tab, LF and CR are kept.
SafeMultilineText = Annotated[str, BeforeValidator(_checker(LINE_BREAKS, "text")),
                              Field(json_schema_extra={"pattern": _MULTI_LINE_PATTERN})]
