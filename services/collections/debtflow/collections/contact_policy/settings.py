"""Contact policy settings (`DEBTFLOW_COLLECTIONS_CONTACT_*`): the active profile and where a lender overrides it."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field, model_validator

from debtflow.collections.contact_policy.profiles import (
    DEFAULT_MIN_INTERVAL_MINUTES,
    DEFAULT_VULNERABILITY_RESTRICTED,
    Circumstance,
    VulnerabilityKind,
)
from debtflow.common.settings import ServiceSettings

PolicyChannel = Literal["sms", "email", "robo_call", "call", "letter", "field_visit", "agency", "legal"]


class ContactPolicySettings(ServiceSettings):
    contact_profile: Literal["CN", "US"] = Field(
        "CN", description="The jurisdiction profile every contact is decided under: CN (GB/T 45251-2025, NIFA 2024 "
        "post-loan collection guideline, China Banking Association 2026 consumer-loan collection guideline) or US "
        "(Regulation F, 12 CFR 1006). `GET /v1/contact-policy` shows its rules with their sources.")
    contact_hours_start: time | None = Field(
        None, description="Overrides the profile's earliest local contact time (CN and US: 08:00; GB/T 45251-2025, "
        "12 CFR 1006.6(b)(1)(i)). Only a later time is compliant.")
    contact_hours_end: time | None = Field(
        None, description="Overrides the profile's latest local contact time, exclusive (CN and US: 21:00; GB/T "
        "45251-2025, 12 CFR 1006.6(b)(1)(i)). Only an earlier time is compliant.")
    contact_agreed_times_extend_hours: bool | None = Field(
        None, description="Whether times the borrower stated or preferred (crm) allow contact outside the hours: "
        "the CN standard allows 22:00-08:00 only with the borrower's agreement, Regulation F with their prior consent "
        "(12 CFR 1006.6(b)(1)). Default: the profile's (true).")
    contact_max_connected_calls_per_day: int | None = Field(
        None, ge=1, le=20, description="Overrides the most connected calls a borrower gets a day across the lender "
        "and all its agencies (CN: 3, GB/T 45251-2025 and the CBA 2026 guideline).")
    contact_max_unanswered_attempts_per_number_per_day: int | None = Field(
        None, ge=1, le=50, description="Overrides the most call attempts a day to one number that does not answer "
        "(CN: 6, NIFA 2024 post-loan collection guideline).")
    contact_max_call_attempts_per_7_days: int | None = Field(
        None, ge=1, le=50, description="Overrides the most call attempts per debt in 7 consecutive days (US: 7, 12 "
        "CFR 1006.14(b)(2)(i)(A)).")
    contact_unreachable_after_days: int | None = Field(
        None, ge=1, le=365, description="Days without a successful contact with the borrower (after attempts over "
        "all of them) before a third party may be contacted (CN default 7: the standards allow third-party contact "
        "only when the debtor cannot be reached, and leave the period to the institution).")
    contact_holiday_contact_allowed: bool | None = Field(
        None, description="Allow contact on public holidays (CN default false: GB/T 45251-2025 and the CBA 2026 "
        "guideline; the calendar is the State Council General Office's yearly holiday notice).")
    contact_extra_holidays: list[date] = Field(
        default_factory=list, max_length=1000, description="Public holidays to add to the profile's calendar (ISO "
        "dates, a JSON list): a year debtflow's table lacks (2027's is provisional, see contact_policy/holidays.py) "
        "or a regional holiday. Source: 国务院办公厅关于部分节假日安排的通知 for the year.")
    contact_extra_working_days: list[date] = Field(
        default_factory=list, max_length=1000, description="Adjusted working days (调休上班) to add, from the same "
        "notice: weekend days that count as working days.")
    contact_weekend_allowed: bool = Field(
        True, description="Allow contact on Saturdays and Sundays that are not adjusted working days (neither "
        "profile forbids weekends; a lender's own code of conduct may).")
    contact_min_interval_minutes: dict[PolicyChannel, int] = Field(
        default_factory=lambda: dict(DEFAULT_MIN_INTERVAL_MINUTES), description="Minimum minutes between two "
        "messages to one borrower on one channel (a JSON object by channel). No statute gives a number: GB/T "
        "45251-2025 and the CBA 2026 guideline ask for a reasonable frequency that does not harass.")
    contact_vulnerability_restricted_channels: dict[VulnerabilityKind, list[PolicyChannel]] = Field(
        default_factory=lambda: {kind: list(channels) for kind, channels in DEFAULT_VULNERABILITY_RESTRICTED.items()},
        description="Channels not used with a borrower crm records as vulnerable, by vulnerability kind. Source: the "
        "special care for the elderly, ill and disabled in 银行保险机构消费者权益保护管理办法 (NFRA 2022), GB/T "
        "45251-2025 and the CBA 2026 guideline.")
    contact_stopping_circumstances: list[Circumstance] = Field(
        default_factory=lambda: ["deceased", "bankrupt", "fraud"], max_length=4, description="Circumstances crm "
        "records after which only the borrower's representative (estate, trustee) is contacted; fraud: the person "
        "may owe nothing (GB/T 45251-2025: contact only the debtor).")

    @model_validator(mode="after")
    def _hours_ordered(self) -> ContactPolicySettings:
        start, end = self.contact_hours_start, self.contact_hours_end
        if start is not None and end is not None and end <= start:
            raise ValueError("contact_hours_end must be after contact_hours_start")
        return self
