"""Web layer shared by the services: app factory, problem+json errors, dependencies."""

from debtflow.common.problems import Conflict, Forbidden, InvalidInput, NotFound, Problem, field_error
from debtflow.common.web.app import (
    ReadSession,
    Runtime,
    UnitOfWorks,
    create_app,
    service_router,
)
from debtflow.common.web.openapi import answers, named_schema
from debtflow.common.web.runtime import ServiceDefinition, ServiceRuntime

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Problem",
    "ReadSession",
    "Runtime",
    "ServiceDefinition",
    "ServiceRuntime",
    "UnitOfWorks",
    "answers",
    "create_app",
    "field_error",
    "named_schema",
    "service_router",
]
