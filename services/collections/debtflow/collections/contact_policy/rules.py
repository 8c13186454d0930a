"""The contact policy as pure functions: whether a proposed contact may happen, and if not which rule says so and when."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from debtflow.collections.contact_policy.profiles import (
    CALLS,
    CHANNEL_ALIASES,
    CHANNELS,
    NOT_CONTACTS,
    ContactProfile,
)

K = TypeVar("K")
Outcome = Literal["allowed", "deferred", "suppressed", "refused"]
#: How far ahead a deferral looks for a permitted moment before it calls the contact impossible.
HORIZON = timedelta(days=45)


@dataclass(frozen=True)
class ProposedContact:
    debt_id: uuid.UUID
    borrower_id: str
    channel: str                  # sms email robo_call call letter field_visit agency
    at: datetime                  # aware; when the contact would happen
    actor: Literal["system", "agent", "agency"] = "system"
    party: Literal["borrower", "third_party", "representative"] = "borrower"
    contact_point_id: uuid.UUID | None = None
    connected: bool | None = None     # for a logged call: was it answered (counts toward connected-call caps)
    collectors: int = 1               # field visits need two
    agency: str | None = None
    email_kind: Literal["personal", "work"] | None = None   # Regulation F: no employer email


@dataclass(frozen=True)
class ContactDecision:
    outcome: Outcome
    rule: str | None        # the rule's code, e.g. "cn.contact_hours", "always.open_dispute"; None when allowed
    reason: str             # one sentence a compliance officer reads
    not_before: datetime | None = None   # deferred: the earliest moment the contact would be allowed


ALLOWED = ContactDecision("allowed", None, "No rule of the contact policy stands in the way.")


@dataclass(frozen=True)
class StatedTime:
    """Weekdays (1 Monday ... 7 Sunday) and local hours [start, end) the borrower agreed to be contacted in."""

    weekdays: frozenset[int]
    start: time
    end: time

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> StatedTime:
        """From crm's AllowedContactTime as JSON: {"weekdays": [1, 2], "start": "18:00", "end": "20:30"}."""
        return cls(frozenset(int(day) for day in data["weekdays"]), time.fromisoformat(data["start"]),
                   time.fromisoformat(data["end"]))


@dataclass(frozen=True)
class Hold:
    """Something recorded in crm that limits contact while it is in force, [starts_at, ends_at)."""

    kind: str     # dispute hardship complaint circumstance cease_contact uncontactable representative_only
    #               stated_times_only no_third_party vulnerability third_party_refused
    starts_at: datetime
    ends_at: datetime | None = None
    debt_id: uuid.UUID | None = None            # None: every debt of the borrower
    channels: frozenset[str] | None = None      # None: every channel
    detail: str | None = None                   # the circumstance, or the vulnerability kind
    allowed_times: tuple[StatedTime, ...] = ()  # stated_times_only
    contact_point_id: uuid.UUID | None = None   # third_party_refused: who refused (None: any third party)

    def covers(self, proposal: ProposedContact) -> bool:
        """In force at the proposal's moment, for its debt and its channel."""
        if self.starts_at > proposal.at or (self.ends_at is not None and self.ends_at <= proposal.at):
            return False
        if self.debt_id is not None and self.debt_id != proposal.debt_id:
            return False
        return self.channels is None or bool(self.channels & _aliases(proposal.channel))


@dataclass(frozen=True)
class Attempt:
    """A contact that happened (or is about to): what the frequency caps count."""

    debt_id: uuid.UUID
    channel: str
    at: datetime
    party: str = "borrower"
    contact_point_id: uuid.UUID | None = None
    connected: bool | None = None
    actor: str = "system"
    agency: str | None = None

    @classmethod
    def of(cls, proposal: ProposedContact) -> Attempt:
        return cls(proposal.debt_id, proposal.channel, proposal.at.astimezone(UTC), proposal.party,
                   proposal.contact_point_id, proposal.connected, proposal.actor, proposal.agency)


@dataclass(frozen=True)
class Situation:
    """What is known about one borrower: local zone, holds, recent attempts (every debt, every actor), preferences."""

    zone: ZoneInfo
    holds: tuple[Hold, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    opted_out: frozenset[str] = frozenset()
    preferred_times: tuple[StatedTime, ...] = ()
    collection_consent_withdrawn: bool = False
    third_party_consent_withdrawn: bool = False

    def is_plain(self) -> bool:
        """Nothing on record but the zone: no hold, attempt, opt-out, stated time or withdrawn consent."""
        return not (self.holds or self.attempts or self.opted_out or self.preferred_times
                    or self.collection_consent_withdrawn or self.third_party_consent_withdrawn)

    def with_attempt(self, attempt: Attempt) -> Situation:
        return replace(self, attempts=(*self.attempts, attempt))


Finding = tuple[str, str]   # (rule code, reason)
Check = Callable[[ProposedContact, Situation, ContactProfile], Finding | None]
#: A timing rule: the earliest moment at or after `t` it permits (t itself when it permits t), None if none soon.
Earliest = Callable[[datetime], datetime | None]


def decide_one(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> ContactDecision:
    """The policy's decision on one proposed contact: holds suppress, manner rules suppress, timing rules defer."""
    if proposal.at.tzinfo is None or proposal.at.utcoffset() is None:
        raise ValueError("a proposed contact's time must be timezone-aware")
    proposal = replace(proposal, at=proposal.at.astimezone(UTC))
    checks = STOPS if proposal.channel in NOT_CONTACTS else (*STOPS, *CONTACT_STOPS)
    for check in checks:
        if (found := check(proposal, situation, profile)) is not None:
            return ContactDecision("suppressed", *found)
    if proposal.channel in NOT_CONTACTS:
        return ALLOWED
    return _timed(proposal, situation, profile)


def decide_all(proposals: Sequence[ProposedContact], situations: Mapping[K, Situation],
               key_of: Callable[[ProposedContact], K], profile: ContactProfile) -> list[ContactDecision]:
    """Many proposals at once, in time order: an allowed contact counts as an attempt for those after it (so one
    list cannot exceed a cap or an interval by itself). The decisions come back in the proposals' order."""
    current = dict(situations)
    decisions: list[ContactDecision | None] = [None] * len(proposals)
    # Most borrowers a planning run asks about have nothing on record (no hold, attempt or preference): for them
    # the decision depends on the proposal's manner and moment and the zone alone, so it is worked out once.
    plain: dict[tuple[Any, ...], ContactDecision] = {}
    for index in sorted(range(len(proposals)), key=lambda position: proposals[position].at):
        proposal = proposals[index]
        key = key_of(proposal)
        situation = current[key]
        if situation.is_plain():
            memo = (situation.zone.key, proposal.channel, proposal.at, proposal.party, proposal.actor,
                    proposal.collectors, proposal.email_kind, proposal.contact_point_id is None, proposal.connected,
                    proposal.agency)
            decision = plain.get(memo) or plain.setdefault(memo, decide_one(proposal, situation, profile))
        else:
            decision = decide_one(proposal, situation, profile)
        decisions[index] = decision
        if decision.outcome == "allowed":
            current[key] = situation.with_attempt(Attempt.of(proposal))
    return [decision for decision in decisions if decision is not None]


def as_refused(decision: ContactDecision) -> ContactDecision:
    """What an agent or agency logging a contact that already happened gets instead of a deferral or suppression."""
    return decision if decision.outcome == "allowed" else replace(decision, outcome="refused")


def requirements(proposal: ProposedContact, profile: ContactProfile) -> frozenset[str]:
    """What the channels package must do with an allowed message: carry an opt-out, keep the debt out of a third
    party's message, use only a personal email address."""
    needed = set()
    if proposal.channel in profile.opt_out_notice_channels:
        needed.add("opt_out_notice")
    if proposal.party == "third_party":
        needed.add("no_debt_disclosure")
    if proposal.channel == "email" and profile.work_email_forbidden:
        needed.add("personal_email_only")
    return frozenset(needed)


# -- holds and manner: suppressed -----------------------------------------------------------------------------------

def _aliases(channel: str) -> frozenset[str]:
    return CHANNEL_ALIASES.get(channel, frozenset({channel}))


def _held(situation: Situation, proposal: ProposedContact, kind: str) -> Hold | None:
    return next((hold for hold in situation.holds if hold.kind == kind and hold.covers(proposal)), None)


def _unknown_channel(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if proposal.channel in CHANNELS:
        return None
    return "always.unknown_channel", f"The channel {proposal.channel!r} is not one the contact policy knows."


def _collection_stopped(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    """Holds that stop collection on the debt altogether, placements and referrals included."""
    if _held(situation, proposal, "dispute"):
        return "always.open_dispute", "The borrower disputes the debt; no collection until the dispute is resolved."
    if _held(situation, proposal, "hardship"):
        return "always.hardship_pause", "A hardship arrangement pauses collection on the debt."
    if _held(situation, proposal, "complaint"):
        return "always.complaint_pause", "A complaint about collection conduct pauses collection until it is resolved."
    return None


def _circumstance(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    """Death, bankruptcy (and the other configured circumstances): only a representative may be contacted."""
    if proposal.party == "representative":
        return None
    for hold in situation.holds:
        if hold.kind == "circumstance" and hold.detail in profile.stopping_circumstances and hold.covers(proposal):
            return (f"always.{hold.detail}",
                    f"The borrower is recorded {hold.detail}; only their representative may be contacted.")
    return None


def _consent(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if situation.collection_consent_withdrawn:
        return "always.consent_withdrawn", "The borrower withdrew consent to collection contact."
    return None


def _ceased(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if (hold := _held(situation, proposal, "cease_contact")) is None:
        return None
    covered = "every channel" if hold.channels is None else ", ".join(sorted(hold.channels))
    return "always.cease_contact", f"The borrower asked collection to cease contact on {covered}."


def _opted_out(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if situation.opted_out & _aliases(proposal.channel):
        return "always.opted_out", f"The borrower opted out of {proposal.channel} in their contact preferences."
    return None


def _representative_only(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if proposal.party != "representative" and _held(situation, proposal, "representative_only"):
        return "always.representative_only", "The borrower is represented; only the representative may be contacted."
    return None


def _vulnerable(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    for hold in situation.holds:
        restricted = profile.vulnerability_restricted.get(hold.detail or "", frozenset())
        if hold.kind == "vulnerability" and proposal.channel in restricted and hold.covers(proposal):
            return ("always.vulnerability",
                    f"The borrower is vulnerable ({hold.detail}); {proposal.channel} is not used with them.")
    return None


def _third_party(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if proposal.party != "third_party":
        return None
    if _held(situation, proposal, "no_third_party"):
        return "always.no_third_party", "The borrower asked that no third party be contacted."
    if situation.third_party_consent_withdrawn:
        return "always.third_party_consent_withdrawn", "The borrower withdrew consent to third-party contact."
    for hold in situation.holds:
        if (hold.kind == "third_party_refused" and hold.covers(proposal)
                and hold.contact_point_id in (None, proposal.contact_point_id)):
            return "always.third_party_refused", "This third party refused further contact."
    if profile.third_party_contact == "never":
        return profile.rule("third_party"), "The profile allows no collection contact with third parties."
    if not _debtor_unreachable(proposal, situation, profile):
        return (profile.rule("third_party_only_when_unreachable"),
                f"A third party may be contacted only after the borrower has been unreachable for "
                f"{profile.unreachable_after_days} days.")
    return None


def _debtor_unreachable(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> bool:
    """Recorded uncontactable, or tried for the whole period with no successful contact in it."""
    if _held(situation, proposal, "uncontactable"):
        return True
    since = proposal.at - timedelta(days=profile.unreachable_after_days)
    tries = [attempt for attempt in situation.attempts if attempt.party == "borrower" and attempt.at <= proposal.at]
    if not tries or min(attempt.at for attempt in tries) > since:
        return False  # not tried for long enough to call the borrower unreachable
    return not any(attempt.connected is True and attempt.at > since for attempt in tries)


def _field_visit(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    needed = profile.field_visit_min_collectors
    if proposal.channel == "field_visit" and needed is not None and proposal.collectors < needed:
        return (profile.rule("field_visit_two_collectors"),
                f"A field visit needs at least {needed} collectors, not {proposal.collectors}.")
    return None


def _work_email(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> Finding | None:
    if proposal.channel == "email" and proposal.email_kind == "work" and profile.work_email_forbidden:
        return profile.rule("work_email"), "No email to an address the borrower's employer provides."
    return None


STOPS: tuple[Check, ...] = (_unknown_channel, _collection_stopped, _circumstance)
CONTACT_STOPS: tuple[Check, ...] = (_consent, _ceased, _opted_out, _representative_only, _vulnerable, _third_party,
                                    _field_visit, _work_email)


# -- timing: deferred -------------------------------------------------------------------------------------------------

def _timed(proposal: ProposedContact, situation: Situation, profile: ContactProfile) -> ContactDecision:
    """The first timing rule the proposed moment breaks, and the earliest moment every timing rule permits."""
    rules = _timing_rules(proposal, situation, profile)
    broken = next(((code, reason) for code, reason, earliest in rules if earliest(proposal.at) != proposal.at), None)
    if broken is None:
        return ALLOWED
    moment: datetime | None = proposal.at
    while moment is not None and moment - proposal.at <= HORIZON:
        later = moment
        for _code, _reason, earliest in rules:
            found = earliest(later)
            if found is None:
                later = None
                break
            later = found
        if later == moment:
            return ContactDecision("deferred", *broken, not_before=moment)
        moment = later
    return ContactDecision("suppressed", broken[0], f"{broken[1]} No permitted moment within {HORIZON.days} days.")


def _timing_rules(proposal: ProposedContact, situation: Situation,
                  profile: ContactProfile) -> list[tuple[str, str, Earliest]]:
    zone, channel = situation.zone, proposal.channel
    rules: list[tuple[str, str, Earliest]] = []
    if channel in profile.timed_channels:
        rules.append(_hours_rule(proposal, situation, profile))
        rules.extend(_stated_times_rules(proposal, situation))
        if not profile.holiday_contact_allowed:
            rules.append((profile.rule("public_holiday"), "It is a public holiday in the borrower's calendar.",
                          lambda t: _after_days(t, zone, lambda day: day in profile.holidays)))
        if not profile.weekend_contact_allowed:
            rules.append((profile.rule("rest_day"), "It is a weekend day that is not an adjusted working day.",
                          lambda t: _after_days(t, zone, lambda day: _rest_day(day, profile))))
    if channel in CALLS and proposal.party == "borrower":
        rules.extend(_call_caps(proposal, situation, profile))
    if channel in CALLS and profile.max_unanswered_attempts_per_number_per_day is not None:
        rules.append(_unanswered_rule(proposal, situation, profile))
    if (gap := profile.min_interval.get(channel)) and gap > timedelta(0):
        rules.append(("always.min_interval", f"The borrower had a {channel} less than "
                      f"{int(gap.total_seconds() // 60)} minutes before or after this one.",
                      lambda t: _min_interval(t, situation.attempts, channel, gap)))
    return rules


def _hours_rule(proposal: ProposedContact, situation: Situation,
                profile: ContactProfile) -> tuple[str, str, Earliest]:
    agreed = [*situation.preferred_times, *(stated for hold in situation.holds if hold.kind == "stated_times_only"
                                            and hold.covers(proposal) for stated in hold.allowed_times)]
    agreed = agreed if profile.agreed_times_extend_hours else []

    def ranges(day: date) -> list[tuple[time, time]]:
        return [(profile.hours_start, profile.hours_end),
                *((stated.start, stated.end) for stated in agreed if day.isoweekday() in stated.weekdays)]
    reason = (f"Outside {profile.hours_start:%H:%M}-{profile.hours_end:%H:%M} in the borrower's local time "
              f"({situation.zone.key}) and outside any time the borrower agreed to.")
    return profile.rule("contact_hours"), reason, lambda t: _next_in_ranges(t, situation.zone, ranges)


def _stated_times_rules(proposal: ProposedContact, situation: Situation) -> list[tuple[str, str, Earliest]]:
    rules: list[tuple[str, str, Earliest]] = []
    for hold in situation.holds:
        if hold.kind != "stated_times_only" or not hold.covers(proposal):
            continue
        times = hold.allowed_times

        def ranges(day: date, times: tuple[StatedTime, ...] = times) -> list[tuple[time, time]]:
            return [(stated.start, stated.end) for stated in times if day.isoweekday() in stated.weekdays]
        rules.append(("always.stated_times_only", "Outside the only times the borrower stated they may be contacted.",
                      lambda t, ranges=ranges: _next_in_ranges(t, situation.zone, ranges)))  # type: ignore[misc]
    return rules


def _call_caps(proposal: ProposedContact, situation: Situation,
               profile: ContactProfile) -> list[tuple[str, str, Earliest]]:
    zone, rules = situation.zone, []
    calls = [attempt for attempt in situation.attempts if attempt.channel in CALLS and attempt.party == "borrower"]
    if (cap := profile.max_connected_calls_per_day) is not None:
        # A call whose result is not known yet counts as connected: the cap must hold even if it was answered.
        connected = [attempt.at for attempt in calls if attempt.connected is not False]
        rules.append((profile.rule("connected_calls_per_day"),
                      f"The borrower already had {cap} connected calls today (every debt, the lender and its "
                      "agencies).", lambda t: _daily_cap(t, zone, connected, cap)))
    on_debt = [attempt for attempt in calls if attempt.debt_id == proposal.debt_id]
    if (weekly := profile.max_call_attempts_per_window) is not None:
        window, times = profile.call_attempt_window, sorted(attempt.at for attempt in on_debt)
        rules.append((profile.rule("call_attempts_7_days"),
                      f"{weekly} call attempts about this debt within {window.days} days already.",
                      lambda t: _rolling_cap(t, times, weekly, window)))
    if (quiet := profile.quiet_after_conversation) is not None:
        # Only a call known to be answered is a conversation; unknown results are held by the attempt cap.
        talks = [attempt.at for attempt in on_debt if attempt.connected is True]
        rules.append((profile.rule("after_conversation"),
                      f"A telephone conversation about this debt took place within the last {quiet.days} days.",
                      lambda t: _quiet_after(t, talks, quiet)))
    return rules


def _unanswered_rule(proposal: ProposedContact, situation: Situation,
                     profile: ContactProfile) -> tuple[str, str, Earliest]:
    cap = profile.max_unanswered_attempts_per_number_per_day
    assert cap is not None
    # Without a contact point the number is not known: every such attempt of the same party counts as one number.
    same_number = [attempt.at for attempt in situation.attempts if attempt.channel in CALLS
                   and attempt.connected is not True and attempt.contact_point_id == proposal.contact_point_id
                   and (proposal.contact_point_id is not None or attempt.party == proposal.party)]
    return (profile.rule("unanswered_number_attempts"),
            f"{cap} unanswered call attempts to this number today already.",
            lambda t: _daily_cap(t, situation.zone, same_number, cap))


# -- moments --------------------------------------------------------------------------------------------------------

def local_moment(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant (compared in UTC: aware datetimes sharing a tzinfo compare naively)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _next_in_ranges(t: datetime, zone: ZoneInfo, ranges_on: Callable[[date], Iterable[tuple[time, time]]],
                    days: int = 9) -> datetime | None:
    """The earliest moment at or after t inside one of the day's local [start, end) ranges, over the next days."""
    today = t.astimezone(zone).date()
    for offset in range(days):
        day = today + timedelta(days=offset)
        for start, end in sorted(ranges_on(day)):
            opens, closes = local_moment(day, start, zone), local_moment(day, end, zone)
            if closes > t:
                return max(opens, t)
    return None


def _after_days(t: datetime, zone: ZoneInfo, excluded: Callable[[date], bool]) -> datetime | None:
    """t if its local day is not excluded, else the local midnight starting the next day that is not."""
    day = t.astimezone(zone).date()
    if not excluded(day):
        return t
    for _ in range(HORIZON.days):
        day += timedelta(days=1)
        if not excluded(day):
            return local_moment(day, time(0), zone)
    return None


def _rest_day(day: date, profile: ContactProfile) -> bool:
    return day.isoweekday() >= 6 and day not in profile.working_days


def _daily_cap(t: datetime, zone: ZoneInfo, moments: list[datetime], cap: int) -> datetime:
    """A per-day cap counts the whole local day (a contact logged late may sit before others): next midnight."""
    day = t.astimezone(zone).date()
    if sum(1 for moment in moments if moment.astimezone(zone).date() == day) < cap:
        return t
    return local_moment(day + timedelta(days=1), time(0), zone)


def _rolling_cap(t: datetime, ordered: list[datetime], cap: int, window: timedelta) -> datetime:
    """At most cap - 1 earlier attempts in (t - window, t]; else when enough of them have left the window."""
    inside = [moment for moment in ordered if t - window < moment <= t]
    if len(inside) < cap:
        return t
    return inside[len(inside) - cap] + window


def _quiet_after(t: datetime, talks: list[datetime], quiet: timedelta) -> datetime:
    recent = [moment for moment in talks if t - quiet < moment <= t]
    return max(recent) + quiet if recent else t


def _min_interval(t: datetime, attempts: tuple[Attempt, ...], channel: str, gap: timedelta) -> datetime:
    close = [attempt.at for attempt in attempts if attempt.channel == channel and abs(attempt.at - t) < gap]
    return max(close) + gap if close else t
