"""Tenants: which lending cores belong to one lender, the tenant a caller's read is confined to, and which of a
borrower id's tenants a read means."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Annotated

from fastapi import Query

from debtflow.common.auth import Actor, Role
from debtflow.common.problems import Conflict, Forbidden, NotFound

#: Tenant ids and source systems are references like loan ids: never a name, always safe in a log line.
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")


class TenantMap:
    """`{"lender-a": ["core-a1", "core-a2"]}`: the lending cores of one lender share its customer namespace.
    A source system listed nowhere is a tenant of its own, named after itself (one lending core, one lender)."""

    def __init__(self, tenants: Mapping[str, Sequence[str]]) -> None:
        self._tenant_of: dict[str, str] = {}
        self.tenants = frozenset(tenants)
        for tenant, source_systems in tenants.items():
            for name in (tenant, *source_systems):
                if not _REF.fullmatch(name):
                    raise ValueError(f"{name!r} is not a tenant or source-system id (1-64 of A-Z a-z 0-9 . _ : -)")
            for source_system in source_systems:
                if self._tenant_of.setdefault(source_system, tenant) != tenant:
                    raise ValueError(f"source system {source_system} is listed under two tenants")

    def tenant_of(self, source_system: str) -> str:
        return self._tenant_of.get(source_system, source_system)

    def for_lender(self, actor: Actor) -> str:
        """The tenant a lending core acts for: the map's, or its token's `tenant` claim when the map does not list
        it. A claim the map contradicts is refused, and so is an unlisted core named like a configured tenant:
        it would otherwise walk into that lender's customers by the accident of its name."""
        listed = self._tenant_of.get(actor.subject)
        if listed is not None:
            if actor.tenant is not None and actor.tenant != listed:
                raise Forbidden(f"source system {actor.subject} belongs to tenant {listed}, not {actor.tenant}",
                                slug="wrong-tenant")
            return listed
        tenant = actor.tenant or actor.subject
        if tenant in self.tenants:
            raise Forbidden(f"source system {actor.subject} is not listed under tenant {tenant} in DEBTFLOW_TENANTS",
                            slug="wrong-tenant")
        return tenant


#: The `tenant` query parameter of reads: staff name the lender they mean; a lending core may name only its own.
TenantParam = Annotated[str | None, Query(
    max_length=64, pattern=_REF.pattern,
    description="The lender (tenant) whose data to read. Staff: required when the id exists in more than one "
    "tenant. A lending core: its own tenant only (the default).")]


def lender_only(actor: Actor) -> bool:
    """A lending core's token: it reads and writes only its own tenant's borrowers and debts."""
    return actor.roles == {Role.LENDER}


def tenant_scope(actor: Actor, requested: str | None, tenancy: TenantMap) -> str | None:
    """The tenant a read is confined to: a lending core's own, or the one a staff member names (None: staff are
    operator-wide and read every tenant; see docs/tenants.md)."""
    if not lender_only(actor):
        return requested
    own = tenancy.for_lender(actor)
    if requested is not None and requested != own:
        raise Forbidden(f"a lending core of tenant {own} reads only that tenant", slug="wrong-tenant")
    return own


def the_one_tenant(found: Collection[str], what: str) -> str:
    """Of the tenants an id was found in, the one a read without `tenant` means: it must be exactly one, because
    a borrower id is a lender's customer number and two lenders' customers are different people."""
    if not found:
        raise NotFound(f"no {what}")
    if len(found) > 1:
        raise Conflict(f"{what} exists in several tenants; name one with `tenant`", slug="ambiguous-tenant",
                       tenants=sorted(found))
    return next(iter(found))
