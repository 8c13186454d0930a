"""Classification settings (`DEBTFLOW_CLASSIFICATION_*`)."""

from __future__ import annotations

from debtflow.common.settings import ServiceSettings


class ClassificationSettings(ServiceSettings):
    service_name = "classification"
