"""Credit settings (`DEBTFLOW_CREDIT_*`)."""

from __future__ import annotations

from debtflow.common.settings import ServiceSettings


class CreditSettings(ServiceSettings):
    service_name = "credit"
    default_port = 8005
