"""Intake settings (`DEBTFLOW_INTAKE_*`)."""

from __future__ import annotations

from debtflow.common.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name = "intake"
