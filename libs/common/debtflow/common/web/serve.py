"""`python -m debtflow.common.web.serve <service>`: a service under uvicorn, logging in debtflow's format."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from debtflow.common.logging import configure_logging, get_logger
from debtflow.common.services import app_module, service_names
from debtflow.common.settings import settings_class_for

#: How long uvicorn lets open requests finish after SIGTERM before it closes them.
GRACEFUL_SHUTDOWN_SECONDS = 10

log = get_logger(__name__)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m debtflow.common.web.serve",
        description="Run one debtflow service; its settings come from the DEBTFLOW_* variables.",
    )
    parser.add_argument("service", choices=service_names())
    parser.add_argument("--host", help="address to bind (default: the service's HOST setting)")
    parser.add_argument("--port", type=int, help="port to bind (default: the service's PORT setting)")
    return parser.parse_args(argv)


def serve(service: str, *, host: str | None = None, port: int | None = None) -> None:
    """Configure logging, then run uvicorn without its own logging set-up (which writes plain text)."""
    # The default format first, so that even invalid settings are reported as a JSON line.
    configure_logging(service=service)
    settings = settings_class_for(service)()
    configure_logging(service=service, level=settings.log_level, fmt=settings.log_format)
    logging.captureWarnings(True)  # a Python warning would otherwise be a bare line on stderr
    uvicorn.run(
        app_module(service), host=host or settings.host, port=port or settings.port,
        log_config=None,  # keep the handlers configured above: uvicorn's loggers propagate to them
        access_log=False,  # the app logs each request itself, without query strings
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        workers=settings.workers if settings.workers > 1 else None,  # None: serve in this process
    )


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        serve(arguments.service, host=arguments.host, port=arguments.port)
    except Exception:
        log.exception("the service failed", service=arguments.service)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
