"""Reading batch bodies (JSON array, NDJSON, CSV) into numbered items, and CSV rows into defaults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from debtflow.intake.batches.input import BatchFormatError, RawItem, read_items
from debtflow.intake.batches.service import plain_from_csv
from debtflow.intake.debts.schemas import DEFAULT_CSV_COLUMNS, default_from_csv
from debtflow.intake.payments.schemas import PAYMENT_CSV_COLUMNS

BOM = "\ufeff".encode()


def read(body: bytes | str, content_type: str, *, max_items: int = 100, columns: Any = DEFAULT_CSV_COLUMNS,
         csv_row: Any = default_from_csv) -> list[RawItem]:
    data = body.encode() if isinstance(body, str) else body
    return read_items(data, content_type, max_items=max_items, csv_row=csv_row, csv_columns=columns)


def refused(body: bytes | str, content_type: str, **options: Any) -> BatchFormatError:
    with pytest.raises(BatchFormatError) as caught:
        read(body, content_type, **options)
    return caught.value


# -- JSON arrays ---------------------------------------------------------------------------------------------


def test_json_array_items_are_numbered_from_one() -> None:
    items = read(json.dumps([{"loan_id": "A"}, {"loan_id": "B"}]), "application/json")
    assert items == [RawItem(1, {"loan_id": "A"}), RawItem(2, {"loan_id": "B"})]


def test_a_json_array_element_that_is_not_an_object_is_an_item_error_not_a_batch_error() -> None:
    items = read('[{"loan_id": "A"}, 42, "x", {"loan_id": "B"}]', "application/json")
    assert [(item.line, item.data is None) for item in items] == [(1, False), (2, True), (3, True), (4, False)]
    assert items[1].error == "each item must be a JSON object"


def test_json_with_a_charset_parameter_and_a_byte_order_mark_is_read() -> None:
    items = read(BOM + b'[{"loan_id": "A"}]', "Application/JSON; charset=utf-8")
    assert items == [RawItem(1, {"loan_id": "A"})]


def test_malformed_json_is_a_batch_error_with_its_position() -> None:
    error = refused('[{"loan_id": "A"},\n {"loan_id": ]', "application/json")
    assert error.rule == "json"
    assert "line 2" in str(error)


def test_a_json_object_instead_of_an_array_is_refused() -> None:
    assert refused('{"loan_id": "A"}', "application/json").rule == "json_array"


# -- NDJSON --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "application/ndjson", "application/jsonl"])
def test_ndjson_items_carry_their_line_numbers_and_blank_lines_count(content_type: str) -> None:
    body = '{"loan_id": "A"}\n\n   \n{"loan_id": "B"}\n'
    assert read(body, content_type) == [RawItem(1, {"loan_id": "A"}), RawItem(4, {"loan_id": "B"})]


def test_a_malformed_ndjson_line_is_reported_with_its_number_and_the_rest_is_read() -> None:
    body = '{"loan_id": "A"}\n{"loan_id": \n[1, 2]\n{"loan_id": "D"}\n'
    items = read(body, "application/x-ndjson")
    assert [item.line for item in items] == [1, 2, 3, 4]
    assert items[0].data == {"loan_id": "A"} and items[3].data == {"loan_id": "D"}
    assert items[1].data is None and "malformed JSON" in (items[1].error or "")
    assert items[2].data is None and items[2].error == "each line must be a JSON object"


def test_an_ndjson_string_may_hold_unicode_line_separators() -> None:
    # U+2028/U+2029 (and U+0085) are legal unescaped inside JSON strings; only "\n" ends an NDJSON line.
    first = json.dumps({"loan_id": "A", "borrower": {"address": "Line one\u2028Line two\u0085end"}}, ensure_ascii=False)
    body = f'{first}\n{{"loan_id": "B"}}\n'
    items = read(body, "application/x-ndjson")
    assert items == [RawItem(1, json.loads(first)), RawItem(2, {"loan_id": "B"})]


def test_ndjson_with_a_byte_order_mark_and_windows_line_ends() -> None:
    items = read(BOM + b'{"loan_id": "A"}\r\n{"loan_id": "B"}\r\n', "application/x-ndjson")
    assert items == [RawItem(1, {"loan_id": "A"}), RawItem(2, {"loan_id": "B"})]


# -- CSV -----------------------------------------------------------------------------------------------------


def test_csv_rows_carry_their_line_numbers_counting_the_header_and_blank_lines() -> None:
    body = "loan_id,borrower_id,principal_outstanding\nA,BR-1,10.00\n\n,,\nB,BR-2,20.00\n"
    items = read(body, "text/csv")
    assert items == [
        RawItem(2, {"loan_id": "A", "borrower_id": "BR-1", "principal_outstanding": "10.00"}),
        RawItem(5, {"loan_id": "B", "borrower_id": "BR-2", "principal_outstanding": "20.00"}),
    ]


def test_csv_with_a_byte_order_mark_crlf_and_a_charset_parameter() -> None:
    body = BOM + b"loan_id,borrower_id\r\nA,BR-1\r\nB,BR-2\r\n"
    items = read(body, "text/csv; charset=utf-8")
    assert [(item.line, item.data) for item in items] == [
        (2, {"loan_id": "A", "borrower_id": "BR-1"}), (3, {"loan_id": "B", "borrower_id": "BR-2"}),
    ]


def test_a_csv_row_with_the_wrong_number_of_fields_is_reported_and_the_rest_is_read() -> None:
    body = "loan_id,borrower_id\nA,BR-1\nB\nC,BR-3,extra\nD,BR-4\n"
    items = read(body, "text/csv")
    assert [item.line for item in items] == [2, 3, 4, 5]
    assert items[1].data is None and items[1].error == "expected 2 fields, found 1"
    assert items[2].data is None and items[2].error == "expected 2 fields, found 3"
    assert items[3].data == {"loan_id": "D", "borrower_id": "BR-4"}


def test_a_quoted_multi_line_csv_cell_keeps_the_line_its_row_starts_on() -> None:
    body = 'loan_id,borrower_address\nA,"Building 3\nRoom 201"\nB,x\nC,"bad\nrow",extra\n'
    items = read(body, "text/csv")
    assert [item.line for item in items] == [2, 4, 5]
    assert items[0].data == {"loan_id": "A", "borrower": {"address": "Building 3\nRoom 201"}}


def test_the_header_may_list_the_documented_columns_in_any_order_with_spaces() -> None:
    items = read(" borrower_id , loan_id \nBR-1,A\n", "text/csv")
    assert items == [RawItem(2, {"borrower_id": "BR-1", "loan_id": "A"})]


def test_an_unknown_csv_column_is_refused_by_name() -> None:
    error = refused("loan_id,borrower_id,nickname\nA,BR-1,x\n", "text/csv")
    assert error.rule == "csv_header"
    assert "nickname" in str(error)


def test_a_repeated_csv_column_is_refused() -> None:
    assert refused("loan_id,loan_id\nA,B\n", "text/csv").rule == "csv_header"


def test_payments_have_their_own_csv_columns() -> None:
    body = "payment_id,loan_id,amount,currency,paid_at,channel\nP-1,A,10.00,CNY,2026-11-28T09:00:00+08:00,alipay\n"
    [item] = read(body, "text/csv", columns=PAYMENT_CSV_COLUMNS, csv_row=plain_from_csv)
    assert item.data == {"payment_id": "P-1", "loan_id": "A", "amount": "10.00", "currency": "CNY",
                         "paid_at": "2026-11-28T09:00:00+08:00", "channel": "alipay"}
    error = refused("payment_id,loan_id,principal_outstanding\nP-1,A,1\n", "text/csv", columns=PAYMENT_CSV_COLUMNS,
                    csv_row=plain_from_csv)
    assert "principal_outstanding" in str(error)


def test_csv_is_refused_where_an_endpoint_has_no_csv_layout() -> None:
    assert refused("loan_id\nA\n", "text/csv", csv_row=None).rule == "content_type"


# -- CSV rows as defaults ------------------------------------------------------------------------------------


def test_borrower_columns_form_the_borrower_and_phones_split_on_semicolons() -> None:
    row = {column: "" for column in DEFAULT_CSV_COLUMNS}
    row.update({"loan_id": "A", "borrower_id": "BR-1", "principal_outstanding": " 10.00 ", "borrower_name": "张三",
                "borrower_phones": "+8613800138000; +86 139 0013 9000 ;", "borrower_emails": "a@example.com",
                "borrower_id_number": "11010519491231002X"})
    assert default_from_csv(row) == {
        "loan_id": "A", "borrower_id": "BR-1", "principal_outstanding": "10.00",
        "borrower": {"name": "张三", "phones": ["+8613800138000", "+86 139 0013 9000"], "emails": ["a@example.com"],
                     "id_number": "11010519491231002X"},
    }


def test_a_row_without_borrower_cells_has_no_borrower() -> None:
    assert default_from_csv({"loan_id": "A", "borrower_id": "BR-1", "borrower_name": " "}) == {
        "loan_id": "A", "borrower_id": "BR-1"}


# -- the batch as a whole ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("[]", "application/json", id="empty-array"),
        pytest.param("", "application/x-ndjson", id="empty-ndjson"),
        pytest.param("\n\n", "application/x-ndjson", id="blank-ndjson"),
        pytest.param("", "text/csv", id="empty-csv"),
        pytest.param("loan_id,borrower_id\n", "text/csv", id="header-only-csv"),
    ],
)
def test_an_empty_batch_is_refused(body: str, content_type: str) -> None:
    assert refused(body, content_type).rule == "min_items"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(json.dumps([{"loan_id": str(n)} for n in range(4)]), "application/json", id="json"),
        pytest.param("".join(f'{{"loan_id": "{n}"}}\n' for n in range(4)), "application/x-ndjson", id="ndjson"),
        pytest.param("loan_id\n" + "".join(f"{n}\n" for n in range(4)), "text/csv", id="csv"),
    ],
)
def test_more_items_than_allowed_is_refused(body: str, content_type: str) -> None:
    assert len(read(body, content_type, max_items=4)) == 4
    error = refused(body, content_type, max_items=3)
    assert error.rule == "max_items"
    assert "3" in str(error) and "4" in str(error)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "", "multipart/form-data"])
def test_other_content_types_are_refused(content_type: str) -> None:
    assert refused('[{"loan_id": "A"}]', content_type).rule == "content_type"


def test_a_body_that_is_not_utf8_is_refused() -> None:
    assert refused("loan_id\n张三\n".encode("gb18030"), "text/csv").rule == "encoding"
