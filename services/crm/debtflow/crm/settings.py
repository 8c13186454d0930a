"""CRM settings (`DEBTFLOW_CRM_*`)."""

from __future__ import annotations

from debtflow.common.settings import ServiceSettings


class CrmSettings(ServiceSettings):
    service_name = "crm"
    default_port = 8006
