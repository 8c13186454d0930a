"""The kit's CSV writer: formulas neutralised, amounts plain, rows streamed, RFC 4180 quoting."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from debtflow.common.csv_export import cell, csv_lines, neutralise


@pytest.mark.parametrize(
    ("text", "shown"),
    [("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"), ("+1+1", "'+1+1"),
     ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1+1", "'＝1+1"),
     ("Zhang San", "Zhang San"), ("张三", "张三"), ("", ""), ("a=b", "a=b"), ("'quoted", "'quoted")],
)
def test_text_a_spreadsheet_would_run_is_prefixed_with_a_quote(text: str, shown: str) -> None:
    assert neutralise(text) == shown
    assert cell(text) == shown


@pytest.mark.parametrize(
    ("value", "written"),
    [(Decimal("-12.50"), "-12.50"), (Decimal("1E+3"), "1000"), (Decimal("0.00"), "0.00"), (None, ""), (True, "true"),
     (7, "7"), (date(2026, 11, 27), "2026-11-27"), (datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
                                                    "2026-11-27T09:30:00+00:00"),
     (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001")],
)
def test_values_are_written_plainly(value: Any, written: str) -> None:
    assert cell(value) == written


async def _collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


async def test_rows_stream_one_line_each_and_read_back_with_any_csv_reader() -> None:
    async def rows() -> AsyncIterator[list[Any]]:
        yield ["=cmd|' /C calc'!A0", Decimal("1200.50")]
        yield ["line one\nline two, with \"quotes\"", Decimal("-3.00")]

    chunks = await _collect(csv_lines(["note", "amount"], rows(), byte_order_mark=True))
    assert len(chunks) == 3 and chunks[0] == "\ufeffnote,amount\r\n".encode()
    text = b"".join(chunks).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["note", "amount"], ["'=cmd|' /C calc'!A0", "1200.50"], ["line one\nline two, with \"quotes\"", "-3.00"]]


async def test_plain_iterables_work_too_and_the_bom_is_optional() -> None:
    chunks = await _collect(csv_lines(["a"], [["x"]]))
    assert b"".join(chunks) == b"a\r\nx\r\n"
