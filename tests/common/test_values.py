"""The kit's value types for input: free text without control or bidi characters, strict ISO dates in range."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from debtflow.common.dates import (
    EARLIEST_BUSINESS_DATE,
    LATEST_BUSINESS_DATE,
    BirthDate,
    BusinessDate,
    Instant,
)
from debtflow.common.text import SafeMultilineText, SafeText


class Named(BaseModel):
    name: SafeText
    address: SafeMultilineText | None = None


class Dated(BaseModel):
    due: BusinessDate
    born: BirthDate | None = None


def _rule(model: type[BaseModel], document: dict[str, Any]) -> list[tuple[str, str]]:
    """Decoded as the web layer decodes a body (json.loads, which lets a lone surrogate through), then validated."""
    with pytest.raises(ValidationError) as refused:
        model.model_validate(json.loads(json.dumps(document)))
    return [(".".join(map(str, error["loc"])), error["type"]) for error in refused.value.errors()]


# -- free text -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["张三", "Zoë O'Brien-Łukasz", "محمد", "שרה", "Jean\u00a0Dupont", "👩‍💻 Ada"])
def test_names_in_any_script_are_kept_as_sent(name: str) -> None:
    assert Named.model_validate_json(json.dumps({"name": name})).name == name


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\t", "\n", "\r", "\x7f", "\x85", "\x9b",
                                       "\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c",
                                       "\ud800"])
def test_a_name_with_a_control_or_bidi_character_is_refused(character: str) -> None:
    assert _rule(Named, {"name": f"Zhang{character}San"}) == [("name", "control_character")]


def test_the_refusal_says_where_but_never_repeats_the_text() -> None:
    with pytest.raises(ValidationError) as refused:
        Named.model_validate({"name": "Secret\u202eName"})
    message = refused.value.errors()[0]["msg"]
    assert "bidirectional" in message and "character 7" in message and "Secret" not in message


def test_an_address_may_run_over_lines_but_holds_no_other_control() -> None:
    assert Named.model_validate({"name": "A", "address": "1 Road\r\nFlat 2\tBack"}).address == "1 Road\r\nFlat 2\tBack"
    assert _rule(Named, {"name": "A", "address": "1 Road\x00"}) == [("address", "control_character")]
    assert _rule(Named, {"name": "A", "address": "1 Road\u2067"}) == [("address", "control_character")]


def test_non_text_is_left_to_the_string_type() -> None:
    assert _rule(Named, {"name": 12}) == [("name", "string_type")]


def test_the_documents_carry_the_rule_as_a_pattern() -> None:
    pattern = Named.model_json_schema()["properties"]["name"]["pattern"]
    assert "\\u202e" in pattern and "\\u0000" in pattern


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-11-27", "1970-01-01", "2100-12-31", "2024-02-29"])
def test_iso_dates_in_range_are_accepted(day: str) -> None:
    assert Dated.model_validate_json(json.dumps({"due": day})).due == date.fromisoformat(day)


@pytest.mark.parametrize(
    ("value", "rule"),
    [("0001-01-01", "date_range"), ("1969-12-31", "date_range"), ("2101-01-01", "date_range"),
     ("9999-12-31", "date_range"),
     ("2026-11-27T00:00:00", "iso_date"), ("2026-11-27 10:00", "iso_date"), ("2026-11-27T00:00:00Z", "iso_date"),
     ("20261127", "iso_date"), ("2026-W48-5", "iso_date"), ("2026-331", "iso_date"), ("27/11/2026", "iso_date"),
     (" 2026-11-27", "iso_date"), ("2026-11-27\n", "iso_date"), ("２０２６-１１-２７", "iso_date"),
     ("2026-02-30", "iso_date"), ("2026-13-01", "iso_date"), ("", "iso_date"), (20261127, "iso_date"),
     (1764201600, "iso_date"), (None, "iso_date")],
)
def test_anything_but_an_iso_date_in_range_is_refused(value: Any, rule: str) -> None:
    assert _rule(Dated, {"due": value}) == [("due", rule)]


def test_code_may_pass_date_objects_but_never_datetimes() -> None:
    assert Dated(due=date(2026, 11, 27)).due == date(2026, 11, 27)
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        Dated(due=datetime(2026, 11, 27, 10, 0))


def test_dates_of_birth_reach_back_further_than_business_dates() -> None:
    assert Dated.model_validate({"due": "2026-11-27", "born": "1931-05-04"}).born == date(1931, 5, 4)
    assert _rule(Dated, {"due": "2026-11-27", "born": "1899-12-31"}) == [("born", "date_range")]
    assert _rule(Dated, {"due": "1931-05-04"}) == [("due", "date_range")]


def test_the_range_is_documented() -> None:
    schema = Dated.model_json_schema()["properties"]["due"]
    assert schema["format"] == "date"
    assert EARLIEST_BUSINESS_DATE.isoformat() in schema["description"]
    assert LATEST_BUSINESS_DATE.isoformat() in schema["description"]


# -- instants ------------------------------------------------------------------------------------


class Paid(BaseModel):
    paid_at: Instant


@pytest.mark.parametrize(("text", "utc"), [("2026-11-28T09:15:00+08:00", "2026-11-28T01:15:00+00:00"),
                                           ("2026-11-28T01:15:00Z", "2026-11-28T01:15:00+00:00"),
                                           ("2026-11-28T01:15:00.250000-05:00", "2026-11-28T06:15:00.250000+00:00")])
def test_instants_with_their_offset_are_accepted(text: str, utc: str) -> None:
    assert Paid.model_validate({"paid_at": text}).paid_at.astimezone(UTC).isoformat() == utc


@pytest.mark.parametrize(
    ("value", "rule"),
    [(1764322500, "iso_instant"), (1764322500.5, "iso_instant"), ("2026-11-28T09:15:00", "iso_instant"),
     ("2026-11-28", "iso_instant"), ("2026-11-28 09:15:00+08:00", "iso_instant"), ("soon", "iso_instant"),
     ("2026-02-30T09:15:00Z", "iso_instant"), ("0001-01-01T00:00:00Z", "date_range"),
     ("2101-01-01T00:00:00Z", "date_range")],
)
def test_anything_but_an_iso_instant_with_offset_is_refused(value: Any, rule: str) -> None:
    assert _rule(Paid, {"paid_at": value}) == [("paid_at", rule)]


def test_code_may_pass_aware_datetimes_only() -> None:
    assert Paid(paid_at=datetime(2026, 11, 28, tzinfo=UTC)).paid_at == datetime(2026, 11, 28, tzinfo=UTC)
    with pytest.raises(ValidationError, match="UTC offset"):
        Paid(paid_at=datetime(2026, 11, 28))
