"""The installed debtflow services, found through the `debtflow.services` entry point each service declares.

A service declares itself in its own pyproject.toml, pointing at its settings class:

    [project.entry-points."debtflow.services"]
    crm = "debtflow.crm.settings:CrmSettings"

so the launcher, the CLI, the docs generator and the tests find a new service without a list to edit here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from debtflow.common.settings import ServiceSettings
    from debtflow.common.web.runtime import ServiceDefinition

ENTRY_POINT_GROUP = "debtflow.services"


@dataclass(frozen=True)
class InstalledService:
    """One service: its name, settings class and the conventional places of its app and definition."""

    name: str
    settings_class: type[ServiceSettings]

    @property
    def default_port(self) -> int:
        return self.settings_class.default_port

    @property
    def app_module(self) -> str:
        """The import path of the service's ASGI app, for uvicorn."""
        return f"debtflow.{self.name}.app:app"

    def settings(self, **overrides: Any) -> ServiceSettings:
        return self.settings_class(**overrides)

    def build_definition(self, settings: ServiceSettings | None = None) -> ServiceDefinition:
        """The service's definition (`debtflow.<name>.app.build_definition`), from `settings` or the environment."""
        module = importlib.import_module(f"debtflow.{self.name}.app")
        return module.build_definition(settings)  # type: ignore[no-any-return]


@cache
def installed_services() -> dict[str, InstalledService]:
    """Every installed service by name, in the order of their default ports (intake first)."""
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        settings_class = entry.load()
        if settings_class.service_name != entry.name:
            raise RuntimeError(f"entry point {entry.name} names {settings_class.__name__}, whose service_name is "
                               f"{settings_class.service_name!r}")
        found.append(InstalledService(entry.name, settings_class))
    found.sort(key=lambda service: (service.default_port, service.name))
    return {service.name: service for service in found}


def service_names() -> tuple[str, ...]:
    return tuple(installed_services())


def service(name: str) -> InstalledService:
    """The installed service called `name`; a clear error for a typo or a service that is not installed."""
    try:
        return installed_services()[name]
    except KeyError:
        known = ", ".join(installed_services()) or "none"
        raise LookupError(f"no service {name!r} is installed (installed: {known})") from None


def app_module(name: str) -> str:
    return service(name).app_module
