"""Legal settings (`DEBTFLOW_LEGAL_*`)."""

from __future__ import annotations

from debtflow.common.settings import ServiceSettings


class LegalSettings(ServiceSettings):
    service_name = "legal"
    default_port = 8004
