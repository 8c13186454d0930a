"""Classification settings (`DEBTFLOW_CLASSIFICATION_*`)."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from pydantic import Field

from debtflow.common.clock import TimeZoneName, utcnow
from debtflow.common.settings import ServiceSettings


class ClassificationSettings(ServiceSettings):
    service_name = "classification"
    default_port = 8002

    business_timezone: TimeZoneName = Field("Asia/Shanghai", description="Days past due count in this zone's calendar.")
    sla_target_days: int = Field(30, ge=1, description="Every debt classified within this many days of default.")
    reage_chunk_size: int = Field(5000, ge=1, description="Debts reclassified per transaction by re-ageing.")
    reage_automatically: bool = Field(
        True, description="Run the daily re-ageing in the service itself, once a business day after `reage_at`."
    )
    reage_at: time = Field(time(0, 30), description="Local time after which the day's re-ageing runs.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    def today(self) -> date:
        """Today in the lender's business calendar (days past due count in its days)."""
        return utcnow().astimezone(self.zone).date()
