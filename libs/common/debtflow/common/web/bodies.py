"""JSON request bodies as every debtflow API reads them: bounded nesting, no repeated keys, only finite numbers.

Python's `json` module recurses once per nesting level (100,000 `[` is a RecursionError, a 500), keeps the last of
two equal keys (`{"amount": "1", "amount": "1000"}` means what a reviewer did not see), and reads `NaN` and
`Infinity`, which JSON does not have. The depth is measured before decoding, without recursion: strings are cut
out and the running balance of the brackets left is summed in C.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from debtflow.common.problems import InvalidInput, field_error

#: The deepest nesting of arrays and objects a body may have; debtflow's own documents need fewer than 8.
MAX_DEPTH = 32
#: Longest integer literal read: Python refuses to convert more than 4,300 digits, and nothing in debtflow is near.
MAX_INTEGER_DIGITS = 1000

# A string, or an unterminated one up to the end; possessive, so that no input makes the scan backtrack.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 for an opening bracket, -1 (signed) for a closing one


class JsonRefused(Exception):
    """Well-formed JSON that debtflow does not accept; `rule` names which rule it breaks."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (an upper bound if the text is malformed)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(memoryview(brackets.encode("ascii").translate(_STEPS)).cast("b")), default=0)


def decode_json(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode a JSON body under debtflow's rules. Raises JsonRefused for a rule, JSONDecodeError for bad syntax
    and UnicodeDecodeError for bytes that are not UTF-8/16/32 text (what `json.loads` itself accepts)."""
    text = body if isinstance(body, str) else body.decode(json.detect_encoding(body), "surrogatepass")
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonRefused(f"the body nests arrays and objects {depth} levels deep; at most {max_depth} are "
                          "accepted", rule="max_depth")
    return json.loads(text, object_pairs_hook=_distinct_keys, parse_constant=_no_constant,
                      parse_float=_finite_float, parse_int=_bounded_int)


def refused_body(error: JsonRefused, field: str = "body") -> InvalidInput:
    """The 422 problem for a body `decode_json` refused, naming the body and the rule."""
    return InvalidInput(str(error), errors=[field_error(field, error.rule, str(error))])


def _distinct_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise JsonRefused(f"the key {_quoted(repeated)} appears twice in one object; each key may appear once",
                          rule="duplicate_key")
    return document


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"`{name}` is not a JSON number; send finite numbers only", rule="finite_number")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise JsonRefused(f"the number {literal[:40]} is too large to be read", rule="finite_number")
    return number


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_INTEGER_DIGITS:
        raise JsonRefused(f"an integer in the body has {len(literal)} digits; at most {MAX_INTEGER_DIGITS} are read",
                          rule="number_size")
    return int(literal)


def _quoted(key: str) -> str:
    # The key is the caller's text: shown short and escaped, never as markup.
    return json.dumps(key if len(key) <= 64 else key[:64] + "…")
