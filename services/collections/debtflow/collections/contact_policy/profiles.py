"""Jurisdiction profiles as rule data: the CN and US conduct rules' numbers, each with the legal source it comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo

from debtflow.collections.contact_policy.holidays import CN_HOLIDAYS, CN_WORKING_DAYS

ProfileCode = Literal["CN", "US"]
ThirdPartyContact = Literal["never", "when_unreachable"]

#: Channels that are not a contact with anyone (a placement, a referral): only the holds that stop collection
#: apply to them; every contact they lead to is decided here again.
NOT_CONTACTS = frozenset({"agency", "legal"})
#: Every channel a strategy step may name.
CHANNELS = frozenset({"sms", "email", "robo_call", "call", "letter", "field_visit"}) | NOT_CONTACTS
#: Telephone calls: what the call caps count.
CALLS = frozenset({"call", "robo_call"})
#: A restriction, opt-out or cease recorded for `call` covers robo-calls too (crm names no robo_call channel).
CHANNEL_ALIASES: Mapping[str, frozenset[str]] = MappingProxyType({"robo_call": frozenset({"robo_call", "call"})})

#: Circumstances that stop contact with the borrower (their representative may still be contacted).
Circumstance = Literal["deceased", "bankrupt", "incarcerated", "fraud"]
VulnerabilityKind = Literal["health", "bereavement", "disability", "financial_distress", "elderly", "other"]

DEFAULT_MIN_INTERVAL_MINUTES: Mapping[str, int] = MappingProxyType(
    {"sms": 720, "email": 720, "robo_call": 240, "letter": 4320})
DEFAULT_VULNERABILITY_RESTRICTED: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "health": ("robo_call", "field_visit", "agency"),
    "bereavement": ("robo_call", "field_visit", "agency", "call"),
    "disability": ("robo_call", "field_visit"),
    "financial_distress": ("field_visit", "agency"),
    "elderly": ("robo_call", "field_visit", "agency"),
    "other": ("robo_call", "field_visit"),
})

CN_SOURCES = ("GB/T 45251-2025 (national standard for debt collection services); NIFA 互联网金融 个人网络消费信贷 "
              "贷后催收风控指引 (2024); China Banking Association 消费信贷催收工作指引 (2026)")
US_SOURCES = "Regulation F, 12 CFR 1006.6 and 1006.14 (CFPB, 2020)"


@dataclass(frozen=True)
class ContactProfile:
    """One jurisdiction's conduct rules as numbers; `always_*` and the per-channel data apply under every profile."""

    code: ProfileCode
    title: str
    sources: str
    hours_start: time
    hours_end: time
    #: The borrower's own agreement (stated or preferred times) allows contact outside the hours.
    agreed_times_extend_hours: bool = True
    #: Channels that reach the borrower at once and so must respect hours and holidays (a letter arrives later).
    timed_channels: frozenset[str] = frozenset({"sms", "email", "robo_call", "call", "field_visit"})
    max_connected_calls_per_day: int | None = None
    max_unanswered_attempts_per_number_per_day: int | None = None
    max_call_attempts_per_window: int | None = None
    call_attempt_window: timedelta = timedelta(days=7)
    quiet_after_conversation: timedelta | None = None
    third_party_contact: ThirdPartyContact = "when_unreachable"
    unreachable_after_days: int = 7
    field_visit_min_collectors: int | None = None
    holiday_contact_allowed: bool = True
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    weekend_contact_allowed: bool = True
    opt_out_notice_channels: frozenset[str] = frozenset()
    work_email_forbidden: bool = False
    min_interval: Mapping[str, timedelta] = field(default_factory=lambda: MappingProxyType(
        {channel: timedelta(minutes=minutes) for channel, minutes in DEFAULT_MIN_INTERVAL_MINUTES.items()}))
    vulnerability_restricted: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType(
        {kind: frozenset(channels) for kind, channels in DEFAULT_VULNERABILITY_RESTRICTED.items()}))
    stopping_circumstances: frozenset[str] = frozenset({"deceased", "bankrupt", "fraud"})

    def rule(self, name: str) -> str:
        """A profile rule's code, e.g. `cn.contact_hours`."""
        return f"{self.code.lower()}.{name}"

    def lookback(self) -> timedelta:
        """How far back the attempt history must reach for every rule of this profile to be judged."""
        longest_interval = max(self.min_interval.values(), default=timedelta(0))
        return max(self.call_attempt_window, self.quiet_after_conversation or timedelta(0), longest_interval,
                   timedelta(days=self.unreachable_after_days + 1), timedelta(days=2))


CN = ContactProfile(
    code="CN", title="China: national collection standard and industry guidelines", sources=CN_SOURCES,
    hours_start=time(8, 0), hours_end=time(21, 0), max_connected_calls_per_day=3,
    max_unanswered_attempts_per_number_per_day=6, third_party_contact="when_unreachable", unreachable_after_days=7,
    field_visit_min_collectors=2, holiday_contact_allowed=False, holidays=CN_HOLIDAYS, working_days=CN_WORKING_DAYS,
)

US = ContactProfile(
    code="US", title="United States: Regulation F (FDCPA)", sources=US_SOURCES,
    hours_start=time(8, 0), hours_end=time(21, 0), max_call_attempts_per_window=7,
    call_attempt_window=timedelta(days=7), quiet_after_conversation=timedelta(days=7), third_party_contact="never",
    opt_out_notice_channels=frozenset({"sms", "email"}), work_email_forbidden=True,
)

PROFILES: Mapping[str, ContactProfile] = MappingProxyType({"CN": CN, "US": US})


@dataclass(frozen=True)
class RuleText:
    """A rule as a compliance officer reads it: its code, what it says with the numbers in force, its source."""

    code: str
    says: str
    source: str


def describe(profile: ContactProfile) -> list[RuleText]:
    """Every rule in force under `profile`, with the numbers as configured."""
    return [*_profile_rules(profile), *_always_rules(profile)]


def _profile_rules(profile: ContactProfile) -> list[RuleText]:
    hours = f"{profile.hours_start:%H:%M}-{profile.hours_end:%H:%M}"
    us_hours = "12 CFR 1006.6(b)(1)(i): before 8 a.m. or after 9 p.m. local time is presumed inconvenient"
    rules = [RuleText(profile.rule("contact_hours"),
                      f"Contact only {hours} in the borrower's local time"
                      + (", or at times the borrower stated or preferred" if profile.agreed_times_extend_hours
                         else ""), us_hours if profile.code == "US" else profile.sources)]
    if not profile.holiday_contact_allowed:
        rules.append(RuleText(profile.rule("public_holiday"), "No contact on public holidays (the State Council's "
                              "yearly notice, adjusted working days are working days)", profile.sources))
    if not profile.weekend_contact_allowed:
        rules.append(RuleText(profile.rule("rest_day"), "No contact on Saturdays and Sundays that are not adjusted "
                              "working days", "lender's configuration"))
    if profile.max_connected_calls_per_day is not None:
        rules.append(RuleText(profile.rule("connected_calls_per_day"),
                              f"At most {profile.max_connected_calls_per_day} connected calls a day per borrower, "
                              "across the lender and all its agencies (a call whose result is not known counts)",
                              profile.sources))
    if profile.max_unanswered_attempts_per_number_per_day is not None:
        rules.append(RuleText(profile.rule("unanswered_number_attempts"),
                              f"At most {profile.max_unanswered_attempts_per_number_per_day} call attempts a day to "
                              "one number that does not answer", profile.sources))
    if profile.max_call_attempts_per_window is not None:
        rules.append(RuleText(profile.rule("call_attempts_7_days"),
                              f"At most {profile.max_call_attempts_per_window} call attempts per debt within "
                              f"{profile.call_attempt_window.days} consecutive days",
                              "12 CFR 1006.14(b)(2)(i)(A)"))
    if profile.quiet_after_conversation is not None:
        rules.append(RuleText(profile.rule("after_conversation"),
                              f"No call about a debt within {profile.quiet_after_conversation.days} days after a "
                              "telephone conversation about it", "12 CFR 1006.14(b)(2)(i)(B)"))
    if profile.third_party_contact == "when_unreachable":
        rules.append(RuleText(profile.rule("third_party_only_when_unreachable"),
                              "A third party (an emergency contact, family) only when the borrower has been "
                              f"unreachable for {profile.unreachable_after_days} days or is recorded uncontactable; "
                              "the message never discloses the debt", profile.sources))
    else:
        rules.append(RuleText(profile.rule("third_party"), "No collection contact with third parties (location "
                              "information requests are outside debtflow)", "12 CFR 1006.6(d), 1006.10"))
    if profile.field_visit_min_collectors is not None:
        rules.append(RuleText(profile.rule("field_visit_two_collectors"),
                              f"A field visit needs at least {profile.field_visit_min_collectors} collectors",
                              profile.sources))
    if profile.work_email_forbidden:
        rules.append(RuleText(profile.rule("work_email"), "No email to an address the borrower's employer provides",
                              "12 CFR 1006.22(f)(3)"))
    if profile.opt_out_notice_channels:
        rules.append(RuleText(profile.rule("opt_out_notice"), "Every " + ", ".join(sorted(
            profile.opt_out_notice_channels)) + " message carries a way to opt out", "12 CFR 1006.6(e)"))
    return rules


def _always_rules(profile: ContactProfile) -> list[RuleText]:
    crm = "a hold recorded in crm, honoured from the moment collections receives it"
    intervals = ", ".join(f"{channel} {int(gap.total_seconds() // 60)} min"
                          for channel, gap in sorted(profile.min_interval.items()))
    restricted = "; ".join(f"{kind}: {', '.join(sorted(channels))}"
                           for kind, channels in sorted(profile.vulnerability_restricted.items()))
    return [
        RuleText("always.open_dispute", "No collection while a dispute is open", crm),
        RuleText("always.hardship_pause", "No collection while a hardship arrangement pauses it", crm),
        RuleText("always.complaint_pause", "No collection while a conduct complaint pauses it", crm),
        *(RuleText(f"always.{circumstance}", f"Only the representative is contacted when the borrower is recorded "
                   f"{circumstance}", crm) for circumstance in sorted(profile.stopping_circumstances)),
        RuleText("always.cease_contact", "No contact on a channel the borrower asked to cease (or any, for all)", crm),
        RuleText("always.representative_only", "Only the borrower's representative is contacted", crm),
        RuleText("always.stated_times_only", "Contact only at the times the borrower stated", crm),
        RuleText("always.no_third_party", "No third-party contact when the borrower asked for none", crm),
        RuleText("always.third_party_consent_withdrawn", "No third-party contact once that consent is withdrawn",
                 "PIPL art. 15"),
        RuleText("always.third_party_refused", "A third party who refused is never contacted again", profile.sources),
        RuleText("always.opted_out", "No contact on a channel the borrower opted out of", "crm contact preferences"),
        RuleText("always.consent_withdrawn", "No contact once consent to collection contact is withdrawn",
                 "PIPL art. 15"),
        RuleText("always.vulnerability", f"Channels a vulnerable borrower is not contacted on: {restricted}",
                 "GB/T 45251-2025 and the CBA 2026 guideline (special care for vulnerable borrowers); "
                 "银行保险机构消费者权益保护管理办法 (NFRA 2022)"),
        RuleText("always.min_interval", f"Minimum interval between messages on one channel: {intervals}",
                 "lender's configuration (the standards ask for a reasonable frequency)"),
        RuleText("always.unknown_channel", "A channel the policy does not know is never used", "debtflow"),
    ]


@dataclass(frozen=True)
class ContactPolicy:
    """The profile in force with the lender's overrides, and the zone of a borrower whose own is not known."""

    profile: ContactProfile
    default_zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Any) -> ContactPolicy:
        """From the collections settings (ContactPolicySettings and `DEFAULT_TIMEZONE`)."""
        base = PROFILES[settings.contact_profile]
        overrides = {name: value for name, value in {
            "hours_start": settings.contact_hours_start, "hours_end": settings.contact_hours_end,
            "agreed_times_extend_hours": settings.contact_agreed_times_extend_hours,
            "max_connected_calls_per_day": settings.contact_max_connected_calls_per_day,
            "max_unanswered_attempts_per_number_per_day": settings.contact_max_unanswered_attempts_per_number_per_day,
            "max_call_attempts_per_window": settings.contact_max_call_attempts_per_7_days,
            "unreachable_after_days": settings.contact_unreachable_after_days,
            "holiday_contact_allowed": settings.contact_holiday_contact_allowed,
        }.items() if value is not None and (name not in _PROFILE_ONLY or getattr(base, name) is not None)}
        profile = replace(
            base, **overrides, holidays=base.holidays | frozenset(settings.contact_extra_holidays),
            working_days=base.working_days | frozenset(settings.contact_extra_working_days),
            weekend_contact_allowed=settings.contact_weekend_allowed,
            min_interval=MappingProxyType({channel: timedelta(minutes=minutes) for channel, minutes
                                           in settings.contact_min_interval_minutes.items()}),
            vulnerability_restricted=MappingProxyType({kind: frozenset(channels) for kind, channels
                                                       in settings.contact_vulnerability_restricted_channels.items()}),
            stopping_circumstances=frozenset(settings.contact_stopping_circumstances))
        if profile.hours_end <= profile.hours_start:
            raise ValueError("the contact hours must end after they start")
        return cls(profile=profile, default_zone=ZoneInfo(settings.default_timezone))


#: Caps that belong to one profile: overriding them under the other profile would invent a rule it does not have.
_PROFILE_ONLY = frozenset({"max_connected_calls_per_day", "max_unanswered_attempts_per_number_per_day",
                           "max_call_attempts_per_window"})
