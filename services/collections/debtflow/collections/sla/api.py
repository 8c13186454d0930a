"""The SLA over HTTP."""

from __future__ import annotations

from debtflow.collections.sla import service
from debtflow.collections.sla.schemas import SlaBreachOut, SlaOut, TargetOut
from debtflow.common.auth import Staff
from debtflow.common.clock import utcnow
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit
from debtflow.common.web import ReadSession, Runtime, service_router

router = service_router(prefix="/v1", tags=["sla"])


@router.get("/sla", summary="Identification to first action: spread, targets met, breaches (paged)")
async def get_sla(session: ReadSession, runtime: Runtime, _: Staff, limit: Limit = DEFAULT_LIMIT,
                  after: After = None) -> SlaOut:
    settings = runtime.settings
    report = await service.sla_report(session, runtime.metrics, now=utcnow(), limit=limit, after=after,
                                      first_action_hours=settings.sla_first_action_target_hours,
                                      running_days=settings.sla_running_strategy_target_days)
    return SlaOut(identified=report.identified, started=report.started, median_hours=report.median_hours,
                  p90_hours=report.p90_hours, next_cursor=report.next_cursor,
                  targets=[TargetOut(name=target.name, target_hours=target.seconds / 3600, within=target.within,
                                     late=target.late, waiting_past_target=target.waiting_past_target,
                                     share_within=target.share_within) for target in report.targets],
                  breaches=[SlaBreachOut.model_validate(breach) for breach in report.breaches])
