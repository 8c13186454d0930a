"""Borrowers' personal data as lending cores send it, as staff search for it, and as answers show it (masked)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from debtflow.common.clock import TimeZoneName
from debtflow.common.dates import BirthDate
from debtflow.common.phones import PhoneNumber
from debtflow.common.pii import check_email, check_resident_id
from debtflow.common.text import SafeMultilineText, SafeText

#: RFC 5321 caps a forward path at 254 characters.
EmailAddress = Annotated[SafeText, Field(max_length=254), AfterValidator(check_email)]

IdType = Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "other"]


class BorrowerIn(BaseModel):
    """The borrower's personal data. Stored encrypted; answered masked unless the caller has `pii:read`."""

    model_config = ConfigDict(extra="forbid")

    name: SafeText | None = Field(None, min_length=1, max_length=100)
    id_type: IdType | None = Field(None, description="`resident_id` numbers are checked against GB 11643.")
    id_number: SafeText | None = Field(None, min_length=5, max_length=32)
    phones: list[PhoneNumber] = Field(default_factory=list, max_length=5, description="E.164 (+8613800138000) or "
                                      "national in the phone region (13800138000); stored as E.164.")
    emails: list[EmailAddress] = Field(default_factory=list, max_length=5)
    address: SafeMultilineText | None = Field(None, min_length=1, max_length=300)
    region: SafeText | None = Field(None, min_length=1, max_length=64, description="Province or region (not secret).")
    timezone: TimeZoneName | None = Field(None, description="IANA time zone, used for contact hours, e.g. Asia/Shanghai.")
    date_of_birth: BirthDate | None = None

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, number: str | None, info: ValidationInfo) -> str | None:
        if number is None:
            return None
        if info.data.get("id_type") in (None, "resident_id"):
            return check_resident_id(number)
        if not (number.isascii() and number.isalnum()):  # as printed in the machine-readable zone (ICAO 9303)
            raise ValueError("an identity document number has letters A-Z and digits 0-9 only")
        return number.upper()

    @field_validator("phones")
    @classmethod
    def _phones(cls, phones: list[str]) -> list[str]:
        return list(dict.fromkeys(phones))  # already E.164, so two spellings of one number collapse

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        return list(dict.fromkeys(emails))

    @field_validator("date_of_birth")
    @classmethod
    def _birth(cls, born: date | None) -> date | None:
        if born is not None and not date(1900, 1, 1) <= born <= datetime.now(UTC).date():
            raise ValueError("must be a real date of birth in the past")
        return born


class BorrowerOut(BaseModel):
    """Personal fields are masked (e.g. `110***********002X`) unless the caller holds `pii:read`."""

    borrower_id: str
    tenant: str
    source_system: str
    masked: bool
    name: str | None
    id_type: str | None
    id_number: str | None
    phones: list[str]
    emails: list[str]
    address: str | None
    date_of_birth: str | None
    region: str | None
    timezone: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class BorrowerSearchIn(BaseModel):
    """Exactly one way to find a borrower; sent in a body so personal data never sits in a URL or access log."""

    model_config = ConfigDict(extra="forbid")

    id_number: SafeText | None = Field(None, min_length=5, max_length=32)
    phone: PhoneNumber | None = Field(None, description="Any form a borrower's phone is accepted in.")
    email: EmailAddress | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BorrowerSearchIn:
        if sum(value is not None for value in (self.id_number, self.phone, self.email)) != 1:
            raise ValueError("give exactly one of id_number, phone, email")
        return self


BorrowerField = Literal["name", "id_type", "id_number", "phones", "emails", "address", "region", "timezone",
                        "date_of_birth"]


class FieldErasureIn(BaseModel):
    """Which of a borrower's fields to clear, and why; recorded with who and when. A default never clears."""

    model_config = ConfigDict(extra="forbid")

    fields: list[BorrowerField] = Field(min_length=1, max_length=9)
    reason: SafeMultilineText = Field(min_length=3, max_length=500, description="Why, e.g. the data-subject request it answers.")

    @field_validator("fields")
    @classmethod
    def _once_each(cls, fields: list[str]) -> list[str]:
        return list(dict.fromkeys(fields))


class FieldErasureOut(BaseModel):
    """One recorded erasure: field names only, never the values cleared."""

    model_config = ConfigDict(from_attributes=True)

    fields: list[str]
    reason: str
    erased_by: str
    version: int
    erased_at: datetime
