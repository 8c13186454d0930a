"""Channels' pure rules without a database: the wording check in both languages, template validation, rendering
with safe substitution, the opt-out, and receipt signatures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from debtflow.collections.channels.defaults import DEFAULT_TEMPLATES
from debtflow.collections.channels.rules import (
    RenderError,
    TemplateError,
    opt_out_required,
    render,
    validate_template,
)
from debtflow.collections.channels.signing import fresh, signature, signed_by
from debtflow.collections.channels.wording import PHRASES, refused_wording

LISTED = [(language, category, phrase) for language, categories in PHRASES.items()
          for category, (_, phrases) in categories.items() for phrase in phrases]
PLAIN_TEXT = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz 您好请还款谢谢账户"), max_size=60)
VALUES = {"borrower_name": "张三", "amount_due": "1200.00", "currency": "CNY", "due_date": "2026-12-14",
          "lender_name": "Lender A", "payment_link": "https://pay.example.com/DF-1", "payment_reference": "DF-1",
          "agent_name": "Collections team"}


@given(st.sampled_from(LISTED), PLAIN_TEXT, PLAIN_TEXT)
def test_any_listed_phrase_in_any_text_is_refused_naming_its_category(listed: tuple[str, str, str],
                                                                      before: str, after: str) -> None:
    language, category, phrase = listed
    found = refused_wording(f"{before} {phrase.upper() if language == 'en' else phrase} {after}")
    assert found is not None
    if refused_wording(before) is None and refused_wording(after) is None:  # random letters may spell one too
        assert found.category == category


def test_spacing_and_punctuation_do_not_hide_a_phrase() -> None:
    assert refused_wording("再不还款就 逮，捕 你").category == "arrest_or_jail"  # type: ignore[union-attr]
    assert refused_wording("We will TELL... your   family!").category == "exposure_to_third_parties"  # type: ignore[union-attr]
    assert refused_wording("Please pay: the arrears are due") is None  # "arrest" is a word, not a prefix


def test_the_default_templates_and_plain_reminders_pass() -> None:
    for template in DEFAULT_TEMPLATES:
        validate_template(channel=template.channel, audience=template.audience, subject=template.subject,
                          body=template.body)
    for text in ("您好，您的账单已逾期，请尽快还款。", "Your payment is overdue; please pay or call us to agree a plan."):
        assert refused_wording(text) is None


@pytest.mark.parametrize(("fields", "field", "rule"), [
    ({"body": "Hello ${name}"}, "body", "unknown_placeholder"),
    ({"body": "Pay $100 now"}, "body", "placeholder_syntax"),
    ({"body": "Pay ${amount_due} or we call the police department"}, "body", "wording.impersonating_authority"),
    ({"body": "您好，${borrower_name}，老赖请还钱"}, "body", "wording.insult"),
    ({"channel": "email", "subject": None}, "subject", "required"),
    ({"channel": "email", "subject": "You will be arrested"}, "subject", "wording.arrest_or_jail"),
    ({"audience": "third_party", "body": "Tell ${borrower_name} to pay ${amount_due}"}, "body",
     "third_party_disclosure"),
])
def test_a_template_that_breaks_a_rule_is_refused_naming_field_and_rule(fields: dict[str, str | None], field: str,
                                                                       rule: str) -> None:
    template = {"channel": "sms", "audience": "borrower", "subject": None, "body": "Hi ${borrower_name}", **fields}
    with pytest.raises(TemplateError) as refused:
        validate_template(**template)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_rendering_substitutes_only_whitelisted_values_and_adds_the_opt_out() -> None:
    rendered = render(subject=None, body="${borrower_name}: ${amount_due} ${currency}, $$5 fee", values=VALUES,
                      opt_out_text="Reply STOP to opt out.")
    assert rendered.body == "张三: 1200.00 CNY, $5 fee\nReply STOP to opt out."
    assert rendered.opt_out_included
    shown = render(subject=None, body="Hi. ${opt_out_text}", values=VALUES, opt_out_text="回复TD退订")
    assert shown.body == "Hi. 回复TD退订"  # the template shows it already: not twice
    assert "张三" not in repr(rendered)
    with pytest.raises(RenderError) as missing:
        render(subject=None, body="${amount_due}", values={}, opt_out_text=None)
    assert missing.value.reason == "missing_value"
    # A value (not a template) bringing refused wording is caught at render; a borrower's own name never is.
    with pytest.raises(RenderError) as refused:
        render(subject=None, body="From ${agent_name}", values={**VALUES, "agent_name": "the sheriff"},
               opt_out_text=None)
    assert refused.value.reason == "wording.impersonating_authority"
    assert render(subject=None, body="Hi ${borrower_name}", values={**VALUES, "borrower_name": "Liar"},
                  opt_out_text=None).body == "Hi Liar"


def test_the_opt_out_follows_the_profile() -> None:
    assert opt_out_required("sms", profile="US", required_in_cn=False)
    assert opt_out_required("email", profile="US", required_in_cn=False)
    assert not opt_out_required("sms", profile="CN", required_in_cn=False)
    assert opt_out_required("sms", profile="CN", required_in_cn=True)
    assert not opt_out_required("letter", profile="US", required_in_cn=True)


@given(st.binary(max_size=200), st.binary(min_size=1, max_size=20))
def test_a_signature_holds_only_for_its_body_and_key(body: bytes, extra: bytes) -> None:
    claimed = signature("secret-a", "1700000000", body)
    assert signed_by("secret-a", "1700000000", body, claimed)
    assert not signed_by("secret-b", "1700000000", body, claimed)
    assert not signed_by("secret-a", "1700000001", body, claimed)
    assert not signed_by("secret-a", "1700000000", body + extra, claimed)


def test_freshness() -> None:
    assert fresh("1000", now=1200, tolerance_seconds=300)
    assert not fresh("1000", now=1301, tolerance_seconds=300)
    assert not fresh("１０００", now=1000, tolerance_seconds=300)  # full-width digits are not a timestamp
    assert not fresh("-5", now=0, tolerance_seconds=300)
