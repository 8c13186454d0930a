"""Intake settings (`DEBTFLOW_INTAKE_*`)."""

from __future__ import annotations

from pydantic import Field, field_validator

from debtflow.common.phones import DEFAULT_REGION, check_region
from debtflow.common.settings import PersonalDataSettings
from debtflow.intake.payments.waterfall import check_order


class IntakeSettings(PersonalDataSettings):
    service_name = "intake"
    default_port = 8001

    payment_waterfall: str = Field(
        "penalty_interest,fees,interest,principal",
        description="Order payments are applied in: each of penalty_interest, fees, interest, principal once.",
    )
    batch_max_items: int = Field(20_000, ge=1, description="Most items one batch request may hold.")
    batch_max_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="Largest batch body accepted, in bytes.")
    batch_chunk_size: int = Field(1000, ge=1, description="Batch items committed per transaction.")
    # Here rather than on the shared settings: intake is the only service that reads phone numbers from outside.
    phone_region: str = Field(
        DEFAULT_REGION,
        description="Region (ISO 3166-1 alpha-2, e.g. CN, HK) of phone numbers lending cores send in national "
        "format (`13800138000`, `(010) 1234 5678`); every phone is stored as E.164.",
    )

    @field_validator("payment_waterfall")
    @classmethod
    def _waterfall(cls, order: str) -> str:
        check_order(tuple(part.strip() for part in order.split(",")))
        return order

    @field_validator("phone_region")
    @classmethod
    def _phone_region(cls, region: str) -> str:
        return check_region(region)

    @property
    def waterfall(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.payment_waterfall.split(","))
