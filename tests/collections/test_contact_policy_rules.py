"""The contact policy's rules without a database: each rule of the CN and US profiles and the holds crm records."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.collections.contact_policy.profiles import CN, US, ContactPolicy, describe
from debtflow.collections.contact_policy.rules import (
    Attempt,
    Hold,
    ProposedContact,
    Situation,
    StatedTime,
    as_refused,
    decide_all,
    decide_one,
    requirements,
)
from debtflow.collections.settings import CollectionsSettings

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
DEBT = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_DEBT = uuid.UUID("00000000-0000-4000-8000-000000000002")
PHONE = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


WEDNESDAY = date(2026, 12, 9)
MORNING = at(WEDNESDAY, 10)
EARLIER = MORNING - timedelta(days=30)  # holds recorded well before


def proposal(channel: str = "sms", moment: datetime = MORNING, **fields: object) -> ProposedContact:
    return ProposedContact(**{"debt_id": DEBT, "borrower_id": "BR-88812", "channel": channel, "at": moment,
                              **fields})  # type: ignore[arg-type]


def hold(kind: str, **fields: object) -> Hold:
    return Hold(kind=kind, starts_at=EARLIER, **fields)  # type: ignore[arg-type]


def call(moment: datetime, *, connected: bool | None, debt: uuid.UUID = DEBT, party: str = "borrower",
         point: uuid.UUID | None = PHONE) -> Attempt:
    return Attempt(debt_id=debt, channel="call", at=moment.astimezone(UTC), party=party, contact_point_id=point,
                   connected=connected)


HERE = Situation(zone=SHANGHAI)


def test_cn_contact_hours_defer_to_eight_in_the_borrowers_own_zone() -> None:
    night = decide_one(proposal(moment=at(WEDNESDAY, 22)), HERE, CN)
    assert (night.outcome, night.rule, night.not_before) == ("deferred", "cn.contact_hours", at(date(2026, 12, 10), 8))
    assert decide_one(proposal(moment=at(WEDNESDAY, 21)), HERE, CN).rule == "cn.contact_hours"  # 21:00 is outside
    assert decide_one(proposal(moment=at(WEDNESDAY, 20, 59)), HERE, CN).outcome == "allowed"
    # 10:00 in Shanghai is 21:00 the evening before in New York: the borrower's zone decides.
    assert decide_one(proposal(), Situation(zone=NEW_YORK), CN).rule == "cn.contact_hours"


def test_a_time_the_borrower_agreed_to_allows_contact_outside_the_hours() -> None:
    late = StatedTime(frozenset({3}), time(21, 30), time(22, 30))
    agreed = Situation(zone=SHANGHAI, preferred_times=(late,))
    assert decide_one(proposal(moment=at(WEDNESDAY, 21, 45)), agreed, CN).outcome == "allowed"
    assert decide_one(proposal(moment=at(WEDNESDAY, 21, 45)), agreed,
                      replace(CN, agreed_times_extend_hours=False)).rule == "cn.contact_hours"


def test_no_contact_on_a_public_holiday_and_an_adjusted_working_day_is_a_working_day() -> None:
    spring = decide_one(proposal(moment=at(date(2026, 2, 16), 10)), HERE, CN)
    assert (spring.rule, spring.not_before) == ("cn.public_holiday", at(date(2026, 2, 24), 8))
    assert decide_one(proposal(moment=at(date(2026, 2, 16), 10)), HERE, US).outcome == "allowed"
    no_weekends = replace(CN, weekend_contact_allowed=False)
    assert decide_one(proposal(moment=at(date(2026, 2, 14), 10)), HERE, no_weekends).outcome == "allowed"  # 上班
    sunday = decide_one(proposal(moment=at(date(2026, 3, 1), 10)), HERE, no_weekends)
    assert (sunday.rule, sunday.not_before) == ("cn.rest_day", at(date(2026, 3, 2), 8))


def test_cn_three_connected_calls_a_day_across_every_debt_and_agency() -> None:
    calls = (call(at(WEDNESDAY, 8, 30), connected=True), call(at(WEDNESDAY, 9), connected=None, debt=OTHER_DEBT),
             call(at(WEDNESDAY, 9, 30), connected=True))
    fourth = decide_one(proposal("call", agency="agency-b", actor="agency"), replace(HERE, attempts=calls), CN)
    assert (fourth.rule, fourth.not_before) == ("cn.connected_calls_per_day", at(date(2026, 12, 10), 8))
    unanswered = (*calls[:2], call(at(WEDNESDAY, 9, 30), connected=False))
    assert decide_one(proposal("call"), replace(HERE, attempts=unanswered), CN).outcome == "allowed"


def test_cn_six_attempts_a_day_to_a_number_that_does_not_answer() -> None:
    tries = tuple(call(at(WEDNESDAY, 8, minute), connected=False) for minute in range(0, 60, 10))
    seventh = decide_one(proposal("call", contact_point_id=PHONE), replace(HERE, attempts=tries), CN)
    assert seventh.rule == "cn.unanswered_number_attempts"
    assert decide_one(proposal("call", contact_point_id=uuid.uuid4()), replace(HERE, attempts=tries),
                      CN).outcome == "allowed"


def test_us_seven_call_attempts_in_seven_days_and_none_after_a_conversation() -> None:
    there = Situation(zone=NEW_YORK)
    monday = date(2026, 12, 7)
    week = tuple(call(at(monday - timedelta(days=day), 10, zone=NEW_YORK), connected=False) for day in range(7))
    eighth = decide_one(proposal("call", at(monday, 15, zone=NEW_YORK)), replace(there, attempts=week), US)
    assert (eighth.rule, eighth.not_before) == ("us.call_attempts_7_days", at(monday + timedelta(days=1), 10,
                                                                               zone=NEW_YORK))
    talked = (call(at(monday, 10, zone=NEW_YORK), connected=True),)
    after = decide_one(proposal("call", at(monday + timedelta(days=2), 10, zone=NEW_YORK)),
                       replace(there, attempts=talked), US)
    assert (after.rule, after.not_before) == ("us.after_conversation", at(monday + timedelta(days=7), 10,
                                                                          zone=NEW_YORK))
    assert decide_one(proposal("call", at(monday + timedelta(days=2), 10, zone=NEW_YORK), debt_id=OTHER_DEBT),
                      replace(there, attempts=talked), US).outcome == "allowed"  # per debt


def test_us_no_work_email_and_an_opt_out_in_every_email_and_text() -> None:
    there = Situation(zone=NEW_YORK)
    noon = at(WEDNESDAY, 12, zone=NEW_YORK)
    assert decide_one(proposal("email", noon, email_kind="work"), there, US).rule == "us.work_email"
    assert requirements(proposal("email", noon), US) == {"opt_out_notice", "personal_email_only"}
    assert requirements(proposal("sms", noon), CN) == frozenset()


def test_cn_third_party_only_when_the_borrower_is_unreachable_never_after_a_refusal() -> None:
    friend = uuid.uuid4()
    asked = proposal("call", party="third_party", contact_point_id=friend)
    assert decide_one(asked, HERE, CN).rule == "cn.third_party_only_when_unreachable"  # never tried the borrower
    tried = tuple(call(MORNING - timedelta(days=day), connected=False) for day in range(1, 9))
    unreachable = replace(HERE, attempts=tried)
    assert decide_one(asked, unreachable, CN).outcome == "allowed"
    assert requirements(asked, CN) == {"no_debt_disclosure"}
    answered_once = replace(HERE, attempts=(*tried, call(MORNING - timedelta(days=2), connected=True)))
    assert decide_one(asked, answered_once, CN).rule == "cn.third_party_only_when_unreachable"
    assert decide_one(asked, replace(HERE, holds=(hold("uncontactable"),)), CN).outcome == "allowed"
    refused = replace(unreachable, holds=(hold("third_party_refused", contact_point_id=friend),))
    assert decide_one(asked, refused, CN).rule == "always.third_party_refused"
    assert decide_one(asked, unreachable, US).rule == "us.third_party"


def test_cn_a_field_visit_needs_two_collectors() -> None:
    assert decide_one(proposal("field_visit", collectors=1), HERE, CN).rule == "cn.field_visit_two_collectors"
    assert decide_one(proposal("field_visit", collectors=2), HERE, CN).outcome == "allowed"


@pytest.mark.parametrize(("holds", "channel", "fields", "rule"), [
    pytest.param((hold("dispute"),), "agency", {}, "always.open_dispute", id="dispute-stops-placements-too"),
    pytest.param((hold("dispute", debt_id=OTHER_DEBT),), "sms", {}, None, id="dispute-on-another-debt"),
    pytest.param((hold("hardship"),), "letter", {}, "always.hardship_pause", id="hardship"),
    pytest.param((hold("complaint"),), "email", {}, "always.complaint_pause", id="complaint"),
    pytest.param((hold("cease_contact", channels=frozenset({"sms"})),), "sms", {}, "always.cease_contact",
                 id="cease-on-sms"),
    pytest.param((hold("cease_contact", channels=frozenset({"sms"})),), "email", {}, None, id="cease-on-sms-email"),
    pytest.param((hold("cease_contact", channels=frozenset({"call"})),), "robo_call", {}, "always.cease_contact",
                 id="cease-on-calls-covers-robo-calls"),
    pytest.param((hold("circumstance", detail="deceased"),), "letter", {}, "always.deceased", id="deceased"),
    pytest.param((hold("circumstance", detail="bankrupt"),), "letter", {"party": "representative"}, None,
                 id="bankrupt-representative"),
    pytest.param((hold("circumstance", detail="incarcerated"),), "letter", {}, None, id="incarcerated-not-stopping"),
    pytest.param((hold("representative_only"),), "call", {}, "always.representative_only", id="representative-only"),
    pytest.param((hold("vulnerability", detail="elderly"),), "robo_call", {}, "always.vulnerability",
                 id="vulnerable-elderly-robo-call"),
    pytest.param((hold("vulnerability", detail="elderly"),), "sms", {}, None, id="vulnerable-elderly-sms"),
    pytest.param((hold("no_third_party"),), "call", {"party": "third_party"}, "always.no_third_party",
                 id="no-third-party"),
    pytest.param((Hold("dispute", starts_at=MORNING + timedelta(minutes=1)),), "sms", {}, None,
                 id="hold-received-after-the-contact"),
    pytest.param((Hold("dispute", starts_at=EARLIER, ends_at=MORNING),), "sms", {}, None, id="hold-ended"),
])
def test_holds_suppress_what_they_cover(holds: tuple[Hold, ...], channel: str, fields: dict[str, object],
                                        rule: str | None) -> None:
    decision = decide_one(proposal(channel, **fields), replace(HERE, holds=holds), CN)
    assert decision.rule == rule
    assert decision.outcome == ("allowed" if rule is None else "suppressed")


def test_preferences_and_consent() -> None:
    assert decide_one(proposal("sms"), replace(HERE, opted_out=frozenset({"sms"})), CN).rule == "always.opted_out"
    assert decide_one(proposal("letter"), replace(HERE, collection_consent_withdrawn=True),
                      CN).rule == "always.consent_withdrawn"
    assert decide_one(proposal("call", party="third_party"), replace(HERE, third_party_consent_withdrawn=True),
                      CN).rule == "always.third_party_consent_withdrawn"


def test_stated_times_only_defers_to_the_next_stated_time() -> None:
    evenings = StatedTime(frozenset({1, 2, 3, 4, 5}), time(18, 0), time(20, 30))
    stated = replace(HERE, holds=(hold("stated_times_only", allowed_times=(evenings,)),))
    decision = decide_one(proposal(), stated, CN)
    assert (decision.rule, decision.not_before) == ("always.stated_times_only", at(WEDNESDAY, 18))


def test_a_minimum_interval_between_messages_on_one_channel() -> None:
    sent = (Attempt(debt_id=OTHER_DEBT, channel="sms", at=at(WEDNESDAY, 8).astimezone(UTC)),)
    decision = decide_one(proposal("sms"), replace(HERE, attempts=sent), CN)
    assert (decision.rule, decision.not_before) == ("always.min_interval", at(WEDNESDAY, 20))
    assert decide_one(proposal("email"), replace(HERE, attempts=sent), CN).outcome == "allowed"


def test_one_list_cannot_exceed_a_cap_by_itself_and_answers_in_its_own_order() -> None:
    later, sooner = proposal("sms", at(WEDNESDAY, 12)), proposal("sms", at(WEDNESDAY, 9), debt_id=OTHER_DEBT)
    first, second = decide_all([later, sooner], {"BR-88812": HERE}, lambda _: "BR-88812", CN)
    assert (first.rule, second.outcome) == ("always.min_interval", "allowed")  # the earlier one went first


def test_a_logged_contact_that_broke_a_rule_is_refused_naming_it() -> None:
    refused = as_refused(decide_one(proposal("call", at(WEDNESDAY, 23), actor="agent"), HERE, CN))
    assert (refused.outcome, refused.rule) == ("refused", "cn.contact_hours")


def test_a_deferral_that_can_never_be_met_is_a_suppression() -> None:
    mornings = StatedTime(frozenset({1, 2, 3, 4, 5, 6, 7}), time(6, 0), time(7, 0))
    stated = replace(HERE, holds=(hold("stated_times_only", allowed_times=(mornings,)),))
    decision = decide_one(proposal(), stated, replace(CN, agreed_times_extend_hours=False))
    assert (decision.outcome, decision.not_before) == ("suppressed", None)


def test_the_policy_from_settings_overrides_the_profile_and_adds_holidays() -> None:
    settings = CollectionsSettings(contact_profile="US", contact_max_connected_calls_per_day=5,
                                   contact_max_call_attempts_per_7_days=5, contact_extra_holidays=["2026-12-25"],
                                   contact_holiday_contact_allowed=False, default_timezone="America/Chicago")
    policy = ContactPolicy.from_settings(settings)
    assert (policy.profile.code, policy.profile.max_call_attempts_per_window) == ("US", 5)
    assert policy.profile.max_connected_calls_per_day is None  # a CN cap is not invented under US
    assert date(2026, 12, 25) in policy.profile.holidays and policy.default_zone.key == "America/Chicago"
    assert decide_one(proposal(moment=at(date(2026, 12, 25), 12, zone=NEW_YORK)), Situation(zone=NEW_YORK),
                      policy.profile).rule == "us.public_holiday"
    with pytest.raises(ValueError, match="contact_hours_end"):
        CollectionsSettings(contact_hours_start="20:00", contact_hours_end="09:00")


def test_every_rule_code_is_described_with_a_source() -> None:
    for profile in (CN, US):
        rules = describe(profile)
        assert all(rule.source and rule.says for rule in rules)
        assert len({rule.code for rule in rules}) == len(rules)
