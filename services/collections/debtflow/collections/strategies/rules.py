"""Strategy selection as a pure function: which strategy a DPD bucket gets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strategy:
    code: str
    description: str
    first_channel: str


#: Gentle early, firmer later: the default strategy of each DPD bucket.
DEFAULT_STRATEGIES: dict[str, Strategy] = {
    "M0": Strategy("early-reminder", "Courtesy SMS reminder before the debt ages", "sms"),
    "M1": Strategy("early-reminder", "Courtesy SMS reminder, then a call if unanswered", "sms"),
    "M2": Strategy("early-call", "Phone contact to agree a payment or promise to pay", "call"),
    "M3": Strategy("intensive-call", "Regular calls by experienced collectors; payment plans offered", "call"),
    "M4": Strategy("formal-demand", "Formal demand letter, then calls; settlements considered", "letter"),
    "M5": Strategy("formal-demand", "Formal demand letter, then calls; settlements considered", "letter"),
    "M6": Strategy("pre-legal", "Final notice before legal review", "letter"),
    "M6+": Strategy("agency-recovery", "Placement with a collection agency; legal review", "agency"),
}
FALLBACK_STRATEGY = DEFAULT_STRATEGIES["M6+"]


def strategy_for_bucket(bucket: str) -> Strategy:
    """The default strategy of a bucket; buckets this table does not know get the most senior one."""
    return DEFAULT_STRATEGIES.get(bucket, FALLBACK_STRATEGY)
