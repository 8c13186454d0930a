"""seconds_between: the seconds from one UTCDateTime column to another, in SQL on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class seconds_between(ColumnElement[float]):
    """`later - earlier` in seconds, so spreads and targets are counted and ordered by the database."""

    inherit_cache = True
    _traverse_internals = [("earlier", InternalTraversal.dp_clauseelement),
                           ("later", InternalTraversal.dp_clauseelement)]
    type = Float()

    def __init__(self, earlier: Any, later: Any) -> None:
        self.earlier, self.later = earlier, later

    @property
    def _from_objects(self) -> list[Any]:
        return [*self.earlier._from_objects, *self.later._from_objects]


@compiles(seconds_between)
def _epoch_difference(element: seconds_between, compiler: Any, **options: Any) -> str:
    later, earlier = compiler.process(element.later, **options), compiler.process(element.earlier, **options)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _julian_difference(element: seconds_between, compiler: Any, **options: Any) -> str:
    # UTCDateTime is naive UTC text on SQLite: julianday reads it exactly (to the millisecond).
    later, earlier = compiler.process(element.later, **options), compiler.process(element.earlier, **options)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"
