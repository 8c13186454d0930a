"""Collections settings (`DEBTFLOW_COLLECTIONS_*`)."""

from __future__ import annotations

from datetime import time

from pydantic import Field, model_validator

from debtflow.collections.agencies.settings import AgencySettings
from debtflow.collections.agents.settings import AgentSettings
from debtflow.collections.channels.settings import ChannelSettings
from debtflow.common.clock import TimeZoneName
from debtflow.common.settings import ServiceSettings


class CollectionsSettings(AgentSettings, AgencySettings, ChannelSettings, ServiceSettings):
    service_name = "collections"
    default_port = 8003

    default_timezone: TimeZoneName = Field(
        "Asia/Shanghai", description="IANA time zone used for contact hours when the borrower's is unknown."
    )
    contact_window_start: time = Field(time(8, 0), description="Earliest local time a borrower may be contacted.")
    contact_window_end: time = Field(time(21, 0), description="Latest local time a borrower may be contacted.")

    @model_validator(mode="after")
    def _window_ordered(self) -> CollectionsSettings:
        if self.contact_window_end <= self.contact_window_start:
            raise ValueError("contact_window_end must be after contact_window_start")
        return self
