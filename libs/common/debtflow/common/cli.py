"""`debtflow` command line (`./debtflow ...` from the repository root): tokens, migrations, outbox status and
replay, docs generation, running the stack, and each service's own commands (`./debtflow classification reage`)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import sys
from datetime import datetime, timedelta
from typing import Any

from debtflow.common.auth import Role, TokenService
from debtflow.common.services import installed_services, service_names
from debtflow.common.services import service as installed_service


def load_definition(name: str) -> Any:
    """A service's definition, built from its settings in the environment."""
    try:
        return installed_service(name).build_definition()
    except LookupError as error:
        raise SystemExit(str(error)) from None


def _settings_for_tokens() -> Any:
    # Any service's settings resolve the shared DEBTFLOW_AUTH_* values; the first installed is as good as any.
    return next(iter(installed_services().values())).settings()


def cmd_token(args: argparse.Namespace) -> int:
    settings = _settings_for_tokens()
    tokens = TokenService(secret=settings.auth_secret.get_secret_value(), issuer=settings.auth_issuer,
                          audience=settings.auth_audience)
    subject = args.subject or ("lending-core" if args.role == ["lender"] else f"local-{args.role[0]}")
    print(tokens.issue(subject=subject, roles=args.role, permissions=args.permission or [], tenant=args.tenant,
                       agency=args.agency, ttl=timedelta(minutes=args.ttl_minutes)))
    return 0


def _services(selection: str) -> list[str]:
    return list(service_names()) if selection == "all" else [selection]


def cmd_migrate(args: argparse.Namespace) -> int:
    from debtflow.common.db import create_engine
    from debtflow.common.db.migrations import upgrade_to_head

    async def migrate(service: str) -> None:
        definition = load_definition(service)
        engine = create_engine(definition.settings.database_url)
        try:
            await upgrade_to_head(engine, definition.migrations, definition.metadata)
        finally:
            await engine.dispose()
        print(f"{service}: migrated to head")

    for service in _services(args.service):
        asyncio.run(migrate(service))
    return 0


def cmd_migration(args: argparse.Namespace) -> int:
    from debtflow.common.db.migrations import NoModelChanges, new_revision

    definition = load_definition(args.service)
    try:
        path = asyncio.run(new_revision(definition.migrations, definition.metadata, message=args.message))
    except NoModelChanges as nothing:
        print(nothing, file=sys.stderr)
        return 1
    print(f"wrote {path}\nread it, correct what autogenerate could not see (data moves, renames), "
          "and run `make test`: the migration tests compare it with the models on SQLite and PostgreSQL")
    return 0


def _parse_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone, e.g. 2026-11-28T10:00:00+00:00")
    return moment


def cmd_outbox(args: argparse.Namespace) -> int:
    from debtflow.common.db import create_engine, session_factory
    from debtflow.common.messaging.relay import outbox_status, replay_outbox

    async def run(service: str) -> None:
        definition = load_definition(service)
        engine = create_engine(definition.settings.database_url)
        sessions, outbox = session_factory(engine), definition.messaging.outbox
        try:
            if args.action == "replay":
                requeued = await replay_outbox(sessions, outbox, since=args.since, until=args.until)
                print(f"{service}: {requeued} event(s) queued for re-publishing; the running relay sends them")
            status = await outbox_status(sessions, outbox)
            print(f"{service}: pending={status.pending} oldest_pending={status.oldest_pending_at} "
                  f"retained={status.retained_published} retained_since={status.retained_since}")
        finally:
            await engine.dispose()

    if args.action == "replay" and (args.since is None or args.until is None):
        raise SystemExit("replay needs --since and --until")
    for service in _services(args.service):
        asyncio.run(run(service))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from debtflow.common.docs import write_docs

    stale = write_docs(check=args.check)
    if args.check and stale:
        print("out of date (run `debtflow docs`): " + ", ".join(stale), file=sys.stderr)
        return 1
    print("docs are current" if args.check else "docs written: docs/asyncapi.json, docs/events.md, README.md sections")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from debtflow.common.launcher import run_stack

    return run_stack(demo=args.demo, external_broker=args.external_broker)


def cmd_serve(args: argparse.Namespace) -> int:
    from debtflow.common.web.serve import main

    return main([args.service, *(["--host", args.host] if args.host else []),
                 *(["--port", str(args.port)] if args.port else [])])


def cmd_demo(args: argparse.Namespace) -> int:
    from debtflow.common.demo import run_demo

    return run_demo(host=args.host)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="debtflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    names = list(service_names())

    token = commands.add_parser("token", help="print a bearer token signed with the configured key")
    token.add_argument("--role", action="append", required=True, choices=[role.value for role in Role])
    token.add_argument("--subject", help="token subject; for a lending core, its source-system id")
    token.add_argument("--permission", action="append", help="extra permission, e.g. pii:read")
    token.add_argument("--tenant", help="a lending core's tenant, when DEBTFLOW_TENANTS does not list its subject")
    token.add_argument("--agency", help="a collection agency's code, for --role agency (its own placements only)")
    token.add_argument("--ttl-minutes", type=int, default=12 * 60)
    token.set_defaults(handler=cmd_token)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--service", default="all", choices=["all", *names])
    migrate.set_defaults(handler=cmd_migrate)

    migration = commands.add_parser("migration", help="write a new migration from the difference the models make")
    migration.add_argument("action", choices=["new"])
    migration.add_argument("--service", required=True, choices=names)
    migration.add_argument("-m", "--message", required=True, help="what the migration does, in a few words")
    migration.set_defaults(handler=cmd_migration)

    outbox = commands.add_parser("outbox", help="inspect the outbox or re-publish a time range")
    outbox.add_argument("action", choices=["status", "replay"])
    outbox.add_argument("--service", default="all", choices=["all", *names])
    outbox.add_argument("--since", type=_parse_instant, help="replay events that occurred at or after (ISO 8601)")
    outbox.add_argument("--until", type=_parse_instant, help="... and before (ISO 8601)")
    outbox.set_defaults(handler=cmd_outbox)

    docs = commands.add_parser("docs", help="regenerate the AsyncAPI document, event catalogue and config table")
    docs.add_argument("--check", action="store_true", help="fail if anything generated is out of date")
    docs.set_defaults(handler=cmd_docs)

    run = commands.add_parser("run", help="start the embedded broker and all six services")
    run.add_argument("--demo", action="store_true", help="post a sample portfolio once everything is ready")
    run.add_argument("--external-broker", action="store_true",
                     help="use the broker at DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS instead of starting one")
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser("serve", help="run one service under uvicorn, as `debtflow run` starts it")
    serve.add_argument("service", choices=names)
    serve.add_argument("--host", help="address to bind (default: the service's HOST setting)")
    serve.add_argument("--port", type=int, help="port to bind (default: the service's PORT setting)")
    serve.set_defaults(handler=cmd_serve)

    demo = commands.add_parser("demo", help="post a sample portfolio to running services and show the outcome")
    demo.add_argument("--host", default="127.0.0.1")
    demo.set_defaults(handler=cmd_demo)

    for name in _services_with_commands(names):
        own = commands.add_parser(name, help=f"{name}'s own commands (`debtflow {name} --help`)", add_help=False)
        own.add_argument("arguments", nargs=argparse.REMAINDER)
        own.set_defaults(handler=_service_command(name))
    return parser


def _services_with_commands(names: list[str]) -> list[str]:
    """Services that ship `debtflow/<service>/cli.py` with `main(argv) -> int`."""
    return [name for name in names if importlib.util.find_spec(f"debtflow.{name}.cli") is not None]


def _service_command(name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        module = importlib.import_module(f"debtflow.{name}.cli")
        return int(module.main(args.arguments))

    return run


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
