"""CSV exports: rows streamed as they are read, text a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import StreamingResponse

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
#: What Excel, LibreOffice and Google Sheets take as the start of a formula (OWASP's list), plus the full-width
#: forms some spreadsheet locales read the same way. Text starting with one is prefixed with `'`.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
BYTE_ORDER_MARK = "\ufeff"


def neutralise(text: str) -> str:
    """Text as a spreadsheet shows it rather than runs it: `=1+1` becomes `'=1+1` (the quote is not displayed)."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def cell(value: Any) -> str:
    """One value as its cell: amounts as plain decimals (never exponents), dates ISO, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # a number, even when negative: not text to neutralise
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return neutralise(str(value))


def _line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    # RFC 4180: CRLF line ends, fields quoted when they hold a separator, a quote or a line break.
    csv.writer(buffer, lineterminator="\r\n").writerow([cell(value) for value in values])
    return buffer.getvalue()


async def csv_lines(header: Sequence[str], rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]], *,
                    byte_order_mark: bool = False) -> AsyncIterator[bytes]:
    """The header, then one encoded line per row as the rows arrive: a large export never sits in memory."""
    # The BOM makes Excel read UTF-8 (names in Chinese) rather than the local code page; other tools skip it.
    yield ((BYTE_ORDER_MARK if byte_order_mark else "") + _line([neutralise(name) for name in header])).encode()
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield _line(row).encode()
    else:
        for row in rows:
            yield _line(row).encode()


def csv_response(header: Sequence[str], rows: AsyncIterable[Sequence[Any]] | Iterable[Sequence[Any]], *,
                 filename: str, byte_order_mark: bool = False) -> StreamingResponse:
    """A streamed `text/csv` download named `filename`."""
    return StreamingResponse(csv_lines(header, rows, byte_order_mark=byte_order_mark), media_type=CSV_CONTENT_TYPE,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_answer(description: str, columns: Sequence[str], *, byte_order_mark: bool = False) -> dict[str, Any]:
    """The OpenAPI 200 answer of a CSV export route."""
    encoding = "UTF-8 with a byte order mark" if byte_order_mark else "UTF-8"
    return {"description": description, "content": {"text/csv": {"schema": {
        "type": "string", "description": f"RFC 4180 CSV, {encoding}, a header row of: " + ", ".join(columns)
        + ". Text a spreadsheet would run as a formula (starting with = + - @, tab or CR) is prefixed with '."}}}}
