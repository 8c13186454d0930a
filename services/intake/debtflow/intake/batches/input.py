"""Reading batch bodies (JSON array, NDJSON, CSV) into numbered raw items; a bad line never sinks the batch."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from debtflow.common.web.bodies import JsonRefused, decode_json

JSON = "application/json"
NDJSON = ("application/x-ndjson", "application/ndjson", "application/jsonl")
CSV = "text/csv"
SUPPORTED_TYPES = (JSON, *NDJSON, CSV)


@dataclass(frozen=True)
class RawItem:
    """One item of a batch: its position (line number for NDJSON/CSV, 1-based index for a JSON array)."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None


class BatchFormatError(ValueError):
    """The batch as a whole cannot be read (not an array, bad CSV header, too many items)."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def read_items(body: bytes, content_type: str, *, max_items: int,
               csv_row: Callable[[dict[str, str]], dict[str, Any]] | None = None,
               csv_columns: Sequence[str] = ()) -> list[RawItem]:
    """Split a batch body into items. Raises BatchFormatError for problems with the whole batch."""
    kind = media_type(content_type)
    try:
        text = body.decode("utf-8-sig")  # spreadsheet exports often start with a byte-order mark
    except UnicodeDecodeError:
        raise BatchFormatError("the body is not UTF-8 text", rule="encoding") from None
    if kind == JSON:
        items = list(_json_array(text))
    elif kind in NDJSON:
        items = list(_ndjson(text))
    elif kind == CSV:
        if csv_row is None:
            raise BatchFormatError("this endpoint does not take CSV", rule="content_type")
        items = list(_csv(text, csv_row, csv_columns))
    else:
        raise BatchFormatError(f"send {', '.join(SUPPORTED_TYPES)}", rule="content_type")
    if len(items) > max_items:
        raise BatchFormatError(f"a batch holds at most {max_items} items; this one has {len(items)}", rule="max_items")
    if not items:
        raise BatchFormatError("the batch is empty", rule="min_items")
    return items


def _json_array(text: str) -> Iterator[RawItem]:
    try:
        document = decode_json(text)
    except json.JSONDecodeError as error:
        raise BatchFormatError(f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}",
                               rule="json") from None
    except JsonRefused as error:
        raise BatchFormatError(str(error), rule=error.rule) from None
    if not isinstance(document, list):
        raise BatchFormatError("a JSON batch is an array of objects", rule="json_array")
    for index, element in enumerate(document, start=1):
        if isinstance(element, dict):
            yield RawItem(index, element)
        else:
            yield RawItem(index, None, "each item must be a JSON object")


def _ndjson(text: str) -> Iterator[RawItem]:
    # Only "\n" ends a line: str.splitlines() would also split inside strings holding U+2028 and the like.
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            element = decode_json(line)
        except json.JSONDecodeError as error:
            yield RawItem(number, None, f"malformed JSON at column {error.colno}: {error.msg}")
            continue
        except JsonRefused as error:  # one line's refusal is that item's, like its bad syntax
            yield RawItem(number, None, str(error))
            continue
        yield RawItem(number, element, None) if isinstance(element, dict) else RawItem(
            number, None, "each line must be a JSON object"
        )


def _csv(text: str, to_item: Callable[[dict[str, str]], dict[str, Any]], columns: Sequence[str]
         ) -> Iterator[RawItem]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        return
    if len(set(header)) != len(header):
        raise BatchFormatError("the CSV header repeats a column", rule="csv_header")
    unknown = [column for column in header if column not in columns]
    if unknown:
        raise BatchFormatError(f"unknown CSV column(s): {', '.join(unknown)}; the header may use "
                               f"{', '.join(columns)}", rule="csv_header")
    while True:
        number = reader.line_num + 1  # where the record starts; a quoted cell may run over several lines
        try:
            row = next(reader)
        except StopIteration:
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield RawItem(number, None, f"expected {len(header)} fields, found {len(row)}")
            continue
        try:
            yield RawItem(number, to_item(dict(zip(header, row, strict=True))))
        except ValueError as error:
            yield RawItem(number, None, str(error))
