"""Templates' use cases: a supervisor adds a version (validated: whitelisted placeholders, the wording check, no
debt for third parties), staff read the current ones and a code's history; `prepare` looks them up in one query.
The built-in defaults (defaults.py) are version 0 of their keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.channels.defaults import DEFAULT_TEMPLATES, NEUTRAL_CODE
from debtflow.collections.channels.models import MessageTemplate
from debtflow.collections.channels.rules import TemplateError, validate_template
from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error


@dataclass(frozen=True)
class TemplateVersion:
    """A template as messages use it, stored or built in (version 0, `created_by` "default")."""

    code: str
    channel: str
    language: str
    tone: str
    audience: str
    version: int
    subject: str | None
    body: str
    created_by: str
    created_at: Any = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.code, self.channel, self.language, self.tone, self.audience)


def _of_row(row: MessageTemplate) -> TemplateVersion:
    return TemplateVersion(row.code, row.channel, row.language, row.tone, row.audience, row.version, row.subject,
                           row.body, row.created_by, row.created_at)


DEFAULTS = tuple(TemplateVersion(item.code, item.channel, item.language, item.tone, item.audience, 0, item.subject,
                                 item.body, "default") for item in DEFAULT_TEMPLATES)


async def create_template(uow: UnitOfWork, *, body: Any, actor: Actor) -> TemplateVersion:
    """A new version of the template's key (code, channel, language, tone, audience): the previous ones stay."""
    try:
        used = validate_template(channel=body.channel, audience=body.audience, subject=body.subject, body=body.body)
    except TemplateError as error:
        raise InvalidInput(str(error), errors=[field_error(error.field, error.rule, str(error))]) from None
    key = (MessageTemplate.code == body.code, MessageTemplate.channel == body.channel,
           MessageTemplate.language == body.language, MessageTemplate.tone == body.tone,
           MessageTemplate.audience == body.audience)
    latest = await uow.session.scalar(select(func.max(MessageTemplate.version)).where(*key))
    row = MessageTemplate(code=body.code, channel=body.channel, language=body.language, tone=body.tone,
                          audience=body.audience, version=(latest or 0) + 1, subject=body.subject, body=body.body,
                          placeholders=sorted(used), created_by=actor.identity, created_at=utcnow())
    uow.session.add(row)
    try:
        await uow.session.flush()
    except IntegrityError:  # two supervisors at once: the unique version refuses the second, never merges them
        raise Conflict(f"another version of template {body.code} was added at the same moment; "
                       "read it and try again") from None
    return _of_row(row)


def _newest(versions: Iterable[TemplateVersion]) -> dict[tuple[str, ...], TemplateVersion]:
    newest: dict[tuple[str, ...], TemplateVersion] = {}
    for version in versions:
        held = newest.get(version.key)
        if held is None or version.version > held.version:
            newest[version.key] = version
    return newest


async def templates_of_codes(session: AsyncSession, codes: set[str]) -> dict[tuple[str, ...], TemplateVersion]:
    """The current version of every key of these codes (and of the neutral third-party code): one query."""
    codes = codes | {NEUTRAL_CODE}
    stored = [_of_row(row) for row in await session.scalars(
        select(MessageTemplate).where(one_of(MessageTemplate.code, codes)))]
    return _newest([*(item for item in DEFAULTS if item.code in codes), *stored])


async def current_templates(session: AsyncSession, *, channel: str | None, language: str | None
                            ) -> list[TemplateVersion]:
    """Every key's current version, in key order (the set is small: a lender keeps tens of templates)."""
    stored = [_of_row(row) for row in await session.scalars(select(MessageTemplate))]
    current = _newest([*DEFAULTS, *stored]).values()
    return sorted((item for item in current if (channel is None or item.channel == channel)
                   and (language is None or item.language == language)), key=lambda item: item.key)


async def versions_of(session: AsyncSession, code: str) -> list[TemplateVersion]:
    """Every version of every key of a code, oldest first, the built-in version 0 included."""
    stored = [_of_row(row) for row in await session.scalars(
        select(MessageTemplate).where(MessageTemplate.code == code))]
    found = sorted([*(item for item in DEFAULTS if item.code == code), *stored],
                   key=lambda item: (item.key, item.version))
    if not found:
        raise NotFound(f"no template {code}")
    return found


def template_for(templates: dict[tuple[str, ...], TemplateVersion], *, code: str, channel: str, language: str,
                 tone: str, party: str) -> TemplateVersion | None:
    """The template a message uses: for the borrower its exact key; for anyone else the code's third-party
    variant (any tone), else the neutral default: a third party never reads about a debt."""
    if party == "borrower":
        return templates.get((code, channel, language, tone, "borrower"))
    for wanted in (code, NEUTRAL_CODE):
        variants = [item for key, item in templates.items()
                    if key[0] == wanted and key[1] == channel and key[2] == language and key[4] == "third_party"]
        if variants:
            return max(variants, key=lambda item: item.version)
    return None
