"""Settings of agencies, costs and the SLA (`DEBTFLOW_COLLECTIONS_*`); CollectionsSettings takes them as a base."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from debtflow.common.money import CurrencyCode
from debtflow.common.settings import ServiceSettings

_TARIFF = ("The lender's own tariff (its contracts with the SMS, e-mail, telephony, print-and-post and field "
           "providers), in `cost_currency`, at most 4 decimals; debtflow ships illustrative figures, set yours.")


def _price(default: str, unit: str) -> Decimal:
    return Field(Decimal(default), ge=0, max_digits=18, decimal_places=4, description=f"Cost of {unit}. {_TARIFF}")


class AgencySettings(ServiceSettings):
    agency_recall_interval_seconds: float = Field(
        300.0, gt=0, le=86400, description="How often placements past their term are recalled from the agency.")
    agency_default_placement_days: int = Field(
        90, ge=1, le=730, description="Term of a placement when neither the placement rule nor the request names "
        "one (the lender's agency contracts; 90 days is common practice).")
    agency_payment_match_days: int = Field(
        7, ge=0, le=60, description="How many days apart an agency-reported payment and the lending core's payment "
        "of the same amount on the same debt may be and still be reconciled as one.")
    cost_currency: CurrencyCode = Field("CNY", description="Currency of the unit costs below.")
    cost_per_sms: Decimal = _price("0.05", "one SMS")
    cost_per_email: Decimal = _price("0.01", "one e-mail")
    cost_per_robo_call_minute: Decimal = _price("0.12", "one minute of automated (robo) call")
    cost_per_call_minute: Decimal = _price("1.50", "one minute of an agent's call (telephony and agent time)")
    cost_per_letter: Decimal = _price("6.00", "one letter (print and registered post)")
    cost_per_field_visit: Decimal = _price("200.00", "one field visit (two collectors, travel)")
    sla_running_strategy_target_days: int = Field(
        60, ge=1, le=366, description="Every identified debt (its first classification) has a running strategy "
        "(its first collection action taken) within this many days: the mission's target, a collection mechanism "
        "running within two months of identification.")
    sla_first_action_target_hours: int = Field(
        72, ge=1, le=8784, description="Operational target from a debt's first classification to its first "
        "collection action (the lender's own service level).")
    sla_metrics_interval_seconds: float = Field(
        300.0, gt=0, le=86400, description="How often the SLA figures on /metrics are refreshed.")
