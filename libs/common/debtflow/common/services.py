"""The six debtflow services: their names, default ports and Python packages."""

from __future__ import annotations

#: Service name -> default HTTP port in embedded mode (the README's table).
SERVICE_PORTS: dict[str, int] = {
    "intake": 8001,
    "classification": 8002,
    "collections": 8003,
    "legal": 8004,
    "credit": 8005,
    "crm": 8006,
}
SERVICE_NAMES: tuple[str, ...] = tuple(SERVICE_PORTS)


def app_module(service: str) -> str:
    """The import path of a service's ASGI app, for uvicorn."""
    return f"debtflow.{service}.app:app"
