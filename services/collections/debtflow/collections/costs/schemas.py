"""What the cost API takes and returns, and the reporting period every collections report takes (`from`, `to`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel

from debtflow.common.dates import BusinessDate
from debtflow.common.money import Money
from debtflow.common.problems import InvalidInput, field_error


@dataclass(frozen=True)
class Period:
    """Whole days `from`..`to`, both included, as the instants [start, end) in UTC."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=UTC)


def _period(first_day: Annotated[BusinessDate, Query(alias="from", description="First day (UTC), included.")],
            last_day: Annotated[BusinessDate, Query(alias="to", description="Last day (UTC), included.")]) -> Period:
    if last_day < first_day:
        raise InvalidInput("the period ends before it starts", errors=[
            field_error("to", "period_order", "must be on or after `from`", "query")])
    return Period(first_day, last_day)


ReportPeriod = Annotated[Period, Depends(_period)]


class CostLine(BaseModel):
    kind: str
    channel: str
    currency: str
    items: int
    amount: Money


class CostSummaryOut(BaseModel):
    first_day: date
    last_day: date
    lines: list[CostLine]
