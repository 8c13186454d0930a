"""Collections settings (`DEBTFLOW_COLLECTIONS_*`)."""

from __future__ import annotations

from pydantic import Field

from debtflow.collections.agencies.settings import AgencySettings
from debtflow.collections.agents.settings import AgentSettings
from debtflow.collections.channels.settings import ChannelSettings
from debtflow.collections.contact_policy.settings import ContactPolicySettings
from debtflow.common.clock import TimeZoneName
from debtflow.common.settings import ServiceSettings


class CollectionsSettings(AgentSettings, AgencySettings, ChannelSettings, ContactPolicySettings, ServiceSettings):
    service_name = "collections"
    default_port = 8003

    default_timezone: TimeZoneName = Field(
        "Asia/Shanghai", description="IANA time zone used for contact hours when the borrower's is unknown."
    )

    dispatch_interval_seconds: float = Field(
        30.0, gt=0, description="How often the dispatcher carries out the steps that are due (and plans the day once "
        "a day).")
    dispatch_batch_size: int = Field(200, ge=1, le=5_000, description="Steps claimed per dispatch transaction.")
    dispatch_stale_after_seconds: float = Field(
        600.0, gt=0, description="A step claimed this long ago and not finished (its replica died) is sent again.")
