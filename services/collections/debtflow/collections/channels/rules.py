"""Templates as pure functions: the placeholder whitelist, validating a template, rendering it with safe
substitution (`string.Template`, never `eval` or format strings), and adding the opt-out text where required."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

from debtflow.collections.channels.wording import refused_wording

#: Every placeholder a template may use. A name outside it is refused when the template is created.
PLACEHOLDERS: dict[str, str] = {
    "borrower_name": "the borrower's name (decrypted at send time)",
    "amount_due": "the amount due, plain decimal",
    "currency": "the currency of the amount (ISO 4217)",
    "due_date": "the date to pay by (ISO 8601)",
    "lender_name": "the lender's display name",
    "payment_link": "where to pay online",
    "payment_reference": "the reference to quote when paying",
    "opt_out_text": "how to stop these messages",
    "agent_name": "who the message is from",
}
#: What a third party may be told: nothing about a debt (GB/T 45251-2025; FDCPA 15 U.S.C. 1692b, 1692c(b)).
THIRD_PARTY_PLACEHOLDERS = frozenset({"borrower_name", "agent_name", "opt_out_text"})
CHANNELS = ("sms", "email", "robo_call", "letter")
#: Channels that carry a written opt-out (Regulation F 12 CFR 1006.6(e): every email and text message).
OPT_OUT_CHANNELS = frozenset({"sms", "email"})


class TemplateError(ValueError):
    """A template that may not be kept: `field` is the part at fault, `rule` what it breaks."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field, self.rule = field, rule


def placeholders_in(text: str, *, field: str) -> set[str]:
    """The placeholders a text uses; a `$` that is not `$$` or a placeholder is refused (so `$100` must be written
    `$$100`), and so is any name outside the whitelist."""
    template = Template(text)
    if not template.is_valid():
        raise TemplateError(field, "placeholder_syntax",
                            "write placeholders as ${name} and a literal dollar sign as $$")
    names = set(template.get_identifiers())
    unknown = sorted(names - PLACEHOLDERS.keys())
    if unknown:
        raise TemplateError(field, "unknown_placeholder", f"unknown placeholder(s) {', '.join(unknown)}; allowed: "
                            f"{', '.join(PLACEHOLDERS)}")
    return names


def check_wording(text: str, *, field: str) -> None:
    refused = refused_wording(text)
    if refused is not None:
        raise TemplateError(field, f"wording.{refused.category}",
                            f"refused wording ({refused.category.replace('_', ' ')}: \"{refused.phrase}\"); "
                            f"source: {refused.source}")


def validate_template(*, channel: str, audience: str, subject: str | None, body: str) -> set[str]:
    """Every placeholder the template uses, or TemplateError naming the field and rule it breaks."""
    if channel == "email" and not subject:
        raise TemplateError("subject", "required", "an email template needs a subject")
    used = placeholders_in(body, field="body") | (placeholders_in(subject, field="subject") if subject else set())
    disclosed = sorted(used - THIRD_PARTY_PLACEHOLDERS)
    if audience == "third_party" and disclosed:
        raise TemplateError("body", "third_party_disclosure", "a third-party template must not disclose the debt; "
                            f"remove {', '.join(disclosed)}")
    for field, text in (("subject", subject), ("body", body)):
        if text:
            check_wording(text, field=field)
    return used


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str
    opt_out_included: bool

    def __repr__(self) -> str:  # it holds personal data: a traceback must not print it
        return f"Rendered(opt_out_included={self.opt_out_included})"


class RenderError(ValueError):
    """A message that cannot be rendered: `reason` is a code (missing_value, wording.<category>)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def render(*, subject: str | None, body: str, values: Mapping[str, str], opt_out_text: str | None,
           personal: frozenset[str] = frozenset({"borrower_name"})) -> Rendered:
    """The message with its placeholders filled in; `opt_out_text` (when given) is appended unless the template
    already shows it. The wording is checked again on the rendered text (a list extended since the template was
    made, or a value such as the agent name), with the personal values left out of the check: a borrower called
    "Liar" is no threat."""
    values = {**values, **({"opt_out_text": opt_out_text} if opt_out_text else {})}
    wanted = set(Template(body).get_identifiers()) | set(Template(subject or "").get_identifiers())
    missing = sorted(wanted - values.keys())
    if missing:
        raise RenderError("missing_value", f"no value for {', '.join(missing)}")
    screened = {name: ("X" if name in personal else value) for name, value in values.items()}
    for text in (subject, body):
        refused = refused_wording(Template(text).substitute(screened)) if text else None
        if refused is not None:
            raise RenderError(f"wording.{refused.category}", f"refused wording ({refused.category})")
    rendered_body = Template(body).substitute(values)
    included = False
    if opt_out_text:
        included = True
        if opt_out_text not in rendered_body:
            rendered_body = f"{rendered_body.rstrip()}\n{opt_out_text}"
    return Rendered(Template(subject).substitute(values) if subject else None, rendered_body, included)


def opt_out_required(channel: str, *, profile: str, required_in_cn: bool) -> bool:
    """Whether a message on `channel` must carry the opt-out: profile US always on texts and emails (Regulation F
    12 CFR 1006.6(e)); profile CN where the lender configures it."""
    if channel not in OPT_OUT_CHANNELS:
        return False
    return profile == "US" or required_in_cn
