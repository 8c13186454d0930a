"""What each outcome code means and which team a case is worked by: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from debtflow.common.events.collections import ContactOutcomeCode

OutcomeCode = ContactOutcomeCode
#: The skill a collector needs for cases of high exposure.
HIGH_VALUE_SKILL = "high_value"


@dataclass(frozen=True)
class OutcomeMeaning:
    """connected: the call was answered (it counts toward connected-call caps); next_step: what the agent does
    next where collections only records the claim and another service records the real thing."""

    connected: bool
    next_step: str | None = None


OUTCOMES: dict[str, OutcomeMeaning] = {
    "right_party_contact": OutcomeMeaning(True),
    "third_party": OutcomeMeaning(True),
    "wrong_number": OutcomeMeaning(True, "mark the contact point do-not-use in crm "
                                         "(PATCH /v1/contact-points/{id}, reason wrong_number)"),
    "no_answer": OutcomeMeaning(False),
    "refused": OutcomeMeaning(True),
    "promise_to_pay": OutcomeMeaning(True),
    "callback_requested": OutcomeMeaning(True),
    "dispute_raised": OutcomeMeaning(True, "record the dispute in crm (POST /v1/disputes): only that stops "
                                           "collection and the days-past-due clock"),
    "hardship_claimed": OutcomeMeaning(True, "record the hardship request in crm (POST /v1/hardship-requests) "
                                             "for a supervisor to decide"),
    "deceased": OutcomeMeaning(True, "record the circumstance in crm (POST /v1/borrowers/{borrower_id}/"
                                     "circumstances, deceased) with the evidence"),
    "bankrupt": OutcomeMeaning(True, "record the circumstance in crm (POST /v1/borrowers/{borrower_id}/"
                                     "circumstances, bankrupt) with the evidence"),
}


def team_for(dpd_bucket: str, specialist_team: str | None, team_by_bucket: dict[str, str]) -> str:
    """A vulnerable borrower's cases go to the specialist team crm named; the rest by bucket."""
    if specialist_team:
        return specialist_team
    return team_by_bucket.get(dpd_bucket, team_by_bucket["default"])


def buckets_of(team: str, team_by_bucket: dict[str, str]) -> tuple[frozenset[str], bool]:
    """The buckets routed to `team`, and whether it also takes the buckets the mapping does not name."""
    named = frozenset(bucket for bucket, owner in team_by_bucket.items() if bucket != "default" and owner == team)
    return named, team_by_bucket["default"] == team


def outcome_problems(outcome: str, *, party: str, has_promise: bool, callback_at: datetime | None,
                     occurred_at: datetime, now: datetime, callback_max_days: int) -> list[tuple[str, str, str]]:
    """(field, rule, message) for each way an outcome's details contradict its code."""
    problems = []
    if (outcome == "promise_to_pay") != has_promise:
        problems.append(("promise", "promise_with_promise_to_pay",
                         "give a promise exactly when the outcome is promise_to_pay"))
    if (outcome == "callback_requested") != (callback_at is not None):
        problems.append(("callback_at", "callback_with_callback_requested",
                         "give callback_at exactly when the outcome is callback_requested"))
    elif callback_at is not None and not now < callback_at <= now + timedelta(days=callback_max_days):
        problems.append(("callback_at", "callback_window", f"must be within {callback_max_days} days from now"))
    if outcome == "third_party" and party != "third_party":
        problems.append(("party", "third_party_outcome", "a third_party outcome is a contact with a third party"))
    if occurred_at > now:
        problems.append(("occurred_at", "not_in_future", "a contact logged cannot have happened later"))
    return problems
