"""Property tests of the contact policy: random schedules across time zones, holidays, agencies and agents never give
an allowed contact the active profile forbids (checked by an oracle written from the rules' wording, not from the
code), every other decision names a rule the profile documents, and a deferral's `not_before` is permitted."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from debtflow.collections.contact_policy.profiles import CN, US, ContactProfile, describe
from debtflow.collections.contact_policy.rules import (
    Attempt,
    ContactDecision,
    Hold,
    ProposedContact,
    Situation,
    StatedTime,
    decide_all,
    decide_one,
)

ZONES = ["Asia/Shanghai", "Asia/Urumqi", "America/New_York", "America/Los_Angeles", "Europe/London",
         "Pacific/Auckland", "Asia/Kolkata"]
BORROWERS = {"BR-1": (uuid.UUID(int=1), uuid.UUID(int=2)), "BR-2": (uuid.UUID(int=3),)}
DEBTS = [debt for debts in BORROWERS.values() for debt in debts]
OWNER = {debt: borrower for borrower, debts in BORROWERS.items() for debt in debts}
PHONES = [uuid.UUID(int=100), uuid.UUID(int=101), None]
FRIEND = uuid.UUID(int=200)
# Calls weigh most: they are what the caps count.
CHANNELS = ["call"] * 6 + ["robo_call"] * 3 + ["sms", "email", "letter", "field_visit", "agency", "legal"]
# Starts just before the Spring Festival, Qingming, National Day and an ordinary December.
STARTS = [datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 9, 28, tzinfo=UTC),
          datetime(2026, 12, 1, tzinfo=UTC)]
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)
PROFILES = [CN, US, replace(CN, weekend_contact_allowed=False), replace(CN, holiday_contact_allowed=True)]
STOPPING = {"dispute", "hardship", "complaint"}

stated_times = st.builds(
    lambda days, start, length: StatedTime(frozenset(days), time(start), time(min(start + length, 23), 59)),
    st.sets(st.integers(1, 7), min_size=1), st.integers(0, 22), st.integers(0, 3))


@st.composite
def holds(draw: st.DrawFn) -> Hold:
    kind = draw(st.sampled_from(["dispute", "hardship", "complaint", "cease_contact", "representative_only",
                                 "stated_times_only", "no_third_party", "vulnerability", "circumstance",
                                 "uncontactable", "third_party_refused"]))
    channels = draw(st.none() | st.sets(st.sampled_from(["sms", "email", "call", "letter"]), min_size=1))
    return Hold(kind=kind, starts_at=LONG_AGO, debt_id=draw(st.none() | st.sampled_from(DEBTS)),
                channels=frozenset(channels) if channels and kind in ("cease_contact", "stated_times_only") else None,
                detail=draw(st.sampled_from(["deceased", "bankrupt"])) if kind == "circumstance" else
                draw(st.sampled_from(["elderly", "health"])) if kind == "vulnerability" else None,
                allowed_times=tuple(draw(st.lists(stated_times, min_size=1, max_size=2)))
                if kind == "stated_times_only" else (),
                contact_point_id=FRIEND if kind == "third_party_refused" else None)


situations = st.builds(
    lambda zone, holds, opted, preferred, withdrawn: Situation(
        zone=ZoneInfo(zone), holds=tuple(holds), opted_out=frozenset(opted), preferred_times=tuple(preferred),
        third_party_consent_withdrawn=withdrawn),
    st.sampled_from(ZONES), st.lists(holds(), max_size=2),
    st.sets(st.sampled_from(["sms", "email", "call"]), max_size=1) | st.just(set()),
    st.lists(stated_times, max_size=1), st.booleans())


@st.composite
def proposals(draw: st.DrawFn, start: datetime) -> ProposedContact:
    debt = draw(st.sampled_from(DEBTS))
    party = draw(st.sampled_from(["borrower"] * 6 + ["third_party", "representative"]))
    actor = draw(st.sampled_from(["system", "agent", "agency"]))
    return ProposedContact(
        debt_id=debt, borrower_id=OWNER[debt], channel=draw(st.sampled_from(CHANNELS)),
        # A few days, so the daily and weekly caps fill up; minutes, so intervals and hours are crossed.
        at=start + timedelta(days=draw(st.integers(0, 9)), minutes=draw(st.integers(0, 24 * 60 - 1))),
        actor=actor, party=party,
        contact_point_id=FRIEND if party == "third_party" else draw(st.sampled_from(PHONES)),
        connected=draw(st.sampled_from([None, True, False])), collectors=draw(st.integers(1, 2)),
        agency=draw(st.sampled_from(["agency-a", "agency-b"])) if actor == "agency" else None,
        email_kind=draw(st.sampled_from([None, "personal", "work"])))


@dataclass
class Schedule:
    profile: ContactProfile
    situations: dict[str, Situation]
    proposals: list[ProposedContact]
    chunks: int


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    start = draw(st.sampled_from(STARTS))
    return Schedule(profile=draw(st.sampled_from(PROFILES)),
                    situations={borrower: draw(situations) for borrower in BORROWERS},
                    proposals=draw(st.lists(proposals(start), min_size=20, max_size=80)),
                    chunks=draw(st.integers(1, 3)))


def run(schedule: Schedule) -> list[tuple[ProposedContact, ContactDecision]]:
    """The planner's way: chunks in time order, each decided set-based, allowed ones becoming history."""
    ordered = sorted(schedule.proposals, key=lambda proposal: proposal.at)
    size = -(-len(ordered) // schedule.chunks)
    current, results = dict(schedule.situations), []
    for first in range(0, len(ordered), size):
        chunk = ordered[first:first + size]
        for proposal, decision in zip(chunk, decide_all(chunk, current, lambda p: p.borrower_id, schedule.profile),
                                      strict=True):
            results.append((proposal, decision))
            if decision.outcome == "allowed":
                situation = current[proposal.borrower_id]
                current[proposal.borrower_id] = situation.with_attempt(Attempt.of(proposal))
    return results


# -- the oracle: each rule checked on the contacts that were allowed --------------------------------------------------

def _applies(hold: Hold, contact: ProposedContact) -> bool:
    covered = {contact.channel} | ({"call"} if contact.channel == "robo_call" else set())
    return (hold.debt_id in (None, contact.debt_id) and hold.starts_at <= contact.at
            and (hold.channels is None or bool(hold.channels & covered)))


def _local(contact: ProposedContact, situation: Situation) -> datetime:
    return contact.at.astimezone(situation.zone)


def _in(stated: StatedTime, local: datetime) -> bool:
    return local.isoweekday() in stated.weekdays and stated.start <= local.time() < stated.end


def violations(schedule: Schedule, allowed: list[ProposedContact]) -> list[str]:
    found = []
    for contact in allowed:
        found += [f"{contact}: {why}" for why in _single_contact_breaches(schedule, contact, allowed)]
    found += _frequency_breaches(schedule, allowed)
    return found


def _single_contact_breaches(schedule: Schedule, contact: ProposedContact,
                             allowed: list[ProposedContact]) -> list[str]:
    profile, situation = schedule.profile, schedule.situations[contact.borrower_id]
    holds = [hold for hold in situation.holds if _applies(hold, contact)]
    kinds = {hold.kind for hold in holds}
    breaches = []
    if kinds & STOPPING:
        breaches.append("collected during a dispute, hardship or complaint pause")
    if any(hold.kind == "circumstance" for hold in holds) and contact.party != "representative":
        breaches.append("contacted a deceased or bankrupt borrower directly")
    if contact.channel in ("agency", "legal"):
        return breaches
    local = _local(contact, situation)
    if "cease_contact" in kinds:
        breaches.append("contacted on a ceased channel")
    if contact.channel in situation.opted_out or (contact.channel == "robo_call" and "call" in situation.opted_out):
        breaches.append("contacted on an opted-out channel")
    if "representative_only" in kinds and contact.party != "representative":
        breaches.append("bypassed the representative")
    if any(hold.kind == "vulnerability" and contact.channel in profile.vulnerability_restricted[hold.detail or ""]
           for hold in holds):
        breaches.append("used a channel a vulnerable borrower is not contacted on")
    if contact.party == "third_party":
        breaches += _third_party_breaches(schedule, contact, holds, allowed)
    if contact.channel == "field_visit" and profile.code == "CN" and contact.collectors < 2:
        breaches.append("field visit alone")
    if contact.channel == "email" and profile.code == "US" and contact.email_kind == "work":
        breaches.append("work email under Regulation F")
    if contact.channel != "letter":
        agreed = [*situation.preferred_times,
                  *(stated for hold in holds if hold.kind == "stated_times_only" for stated in hold.allowed_times)]
        if not time(8) <= local.time() < time(21) and not any(_in(stated, local) for stated in agreed):
            breaches.append("outside 08:00-21:00 local without the borrower's agreement")
        for hold in holds:
            if hold.kind == "stated_times_only" and not any(_in(stated, local) for stated in hold.allowed_times):
                breaches.append("outside the borrower's stated times")
        if not profile.holiday_contact_allowed and local.date() in profile.holidays:
            breaches.append("on a public holiday")
        if not profile.weekend_contact_allowed and local.weekday() >= 5 and local.date() not in profile.working_days:
            breaches.append("on a rest day")
    return breaches


def _third_party_breaches(schedule: Schedule, contact: ProposedContact, holds: list[Hold],
                          allowed: list[ProposedContact]) -> list[str]:
    situation = schedule.situations[contact.borrower_id]
    kinds = {hold.kind for hold in holds}
    if schedule.profile.code == "US":
        return ["third-party contact under Regulation F"]
    if "no_third_party" in kinds or "third_party_refused" in kinds or situation.third_party_consent_withdrawn:
        return ["contacted a third party the borrower or the third party ruled out"]
    if "uncontactable" in kinds:
        return []
    period = timedelta(days=schedule.profile.unreachable_after_days)
    tried = [other for other in allowed if other is not contact and other.borrower_id == contact.borrower_id
             and other.party == "borrower" and other.at <= contact.at]
    reached = [other for other in tried if other.connected is True and other.at > contact.at - period]
    if not tried or min(other.at for other in tried) > contact.at - period or reached:
        return ["contacted a third party while the borrower was reachable"]
    return []


def _frequency_breaches(schedule: Schedule, allowed: list[ProposedContact]) -> list[str]:
    profile, breaches = schedule.profile, []
    calls = [contact for contact in allowed if contact.channel in ("call", "robo_call")]
    to_borrower = [contact for contact in calls if contact.party == "borrower"]
    zone_of = {borrower: situation.zone for borrower, situation in schedule.situations.items()}
    if profile.code == "CN":
        connected = Counter((contact.borrower_id, contact.at.astimezone(zone_of[contact.borrower_id]).date())
                            for contact in to_borrower if contact.connected is not False)
        breaches += [f"{key}: more than 3 connected calls a day" for key, count in connected.items() if count > 3]
        unanswered = Counter((contact.borrower_id, contact.contact_point_id or contact.party,
                              contact.at.astimezone(zone_of[contact.borrower_id]).date())
                             for contact in calls if contact.connected is not True)
        breaches += [f"{key}: more than 6 attempts to an unanswered number" for key, count in unanswered.items()
                     if count > 6]
    else:
        for contact in to_borrower:
            week = [other for other in to_borrower if other.debt_id == contact.debt_id
                    and contact.at - timedelta(days=7) < other.at <= contact.at]
            if len(week) > 7:
                breaches.append(f"{contact}: more than 7 call attempts in 7 days")
            # After a conversation: strictly later (two calls at one instant are not one after the other; which of
            # them the policy saw first is the order it was asked in).
            if any(other is not contact and other.connected is True and other.at < contact.at for other in week):
                breaches.append(f"{contact}: a call within 7 days after a conversation")
    messages = sorted(allowed, key=lambda contact: contact.at)
    for index, contact in enumerate(messages):
        gap = profile.min_interval.get(contact.channel)
        for later in messages[index + 1:]:
            if (gap and later.borrower_id == contact.borrower_id and later.channel == contact.channel
                    and later.at - contact.at < gap):
                breaches.append(f"{contact} and {later}: closer than the minimum interval")
    return breaches


@settings(max_examples=200, deadline=None)
@given(schedules())
def test_no_allowed_contact_breaks_the_active_profile_and_every_other_decision_names_its_rule(
        schedule: Schedule) -> None:
    results = run(schedule)
    allowed = [proposal for proposal, decision in results if decision.outcome == "allowed"]
    assert violations(schedule, allowed) == []
    documented = {rule.code for rule in describe(schedule.profile)}
    for proposal, decision in results:
        if decision.outcome == "allowed":
            assert decision.rule is None
            continue
        assert decision.rule in documented, decision
        assert decision.reason
        if decision.outcome == "deferred":
            assert decision.not_before is not None and decision.not_before > proposal.at
        else:
            assert decision.outcome == "suppressed" and decision.not_before is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PROFILES), situations, st.sampled_from(STARTS).flatmap(proposals),
       st.lists(st.sampled_from(STARTS).flatmap(proposals), max_size=12))
def test_a_deferral_names_the_earliest_moment_the_rules_allow(profile: ContactProfile, situation: Situation,
                                                              proposal: ProposedContact,
                                                              history: list[ProposedContact]) -> None:
    situation = replace(situation, attempts=tuple(Attempt.of(contact) for contact in history))
    decision = decide_one(proposal, situation, profile)
    if decision.outcome == "deferred":
        assert decision.not_before is not None
        assert decide_one(replace(proposal, at=decision.not_before), situation, profile).outcome == "allowed"
        one_minute_before = decision.not_before - timedelta(minutes=1)
        if one_minute_before >= proposal.at:
            assert decide_one(replace(proposal, at=one_minute_before), situation, profile).outcome != "allowed"
