"""The default template set (Chinese and English; reminder, firm and final-notice tones, and a neutral variant for
third parties; sms, email, robo_call, letter): version 0 of each, used until a supervisor posts a version 1.

Codes: `default.reminder` (tone reminder), `default.firm` (firm), `default.final_notice` (final_notice) for the
borrower; `default.third_party` asks a third party to pass on a request to call back and says nothing of a debt.
A message for a third party with any code uses that code's third-party variant, else `default.third_party`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: (code, tone) -> language -> (subject, short text for sms and robo_call, long text for email and letter).
_WORDING: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {
    ("default.reminder", "reminder"): {
        "zh": ("${lender_name}还款提醒",
               "${borrower_name}您好，您在${lender_name}的借款有${amount_due} ${currency}已逾期，请于${due_date}前还款，"
               "还款参考号${payment_reference}。",
               "${borrower_name}您好：\n您在${lender_name}的借款目前有${amount_due} ${currency}逾期未还。请于${due_date}"
               "前通过${payment_link}还款，还款参考号${payment_reference}。如已还款，请忽略本通知；如有困难，欢迎与我们"
               "联系商量还款安排。\n${agent_name}"),
        "en": ("Payment reminder from ${lender_name}",
               "Hello ${borrower_name}, ${amount_due} ${currency} on your ${lender_name} loan is overdue. Please pay by "
               "${due_date}, reference ${payment_reference}.",
               "Dear ${borrower_name},\nA payment of ${amount_due} ${currency} on your ${lender_name} loan is overdue. "
               "Please pay by ${due_date} at ${payment_link} quoting reference ${payment_reference}. If you have "
               "already paid, please ignore this message; if you are having difficulty, contact us to discuss a "
               "payment arrangement.\n${agent_name}"),
    },
    ("default.firm", "firm"): {
        "zh": ("${lender_name}逾期款项通知",
               "${borrower_name}您好，您在${lender_name}的借款${amount_due} ${currency}仍未归还，请于${due_date}前还款"
               "或联系我们协商，参考号${payment_reference}。",
               "${borrower_name}您好：\n您在${lender_name}的借款${amount_due} ${currency}已逾期一段时间，至今仍未归还。"
               "请于${due_date}前通过${payment_link}还款（参考号${payment_reference}），或尽快与我们联系协商分期等还款"
               "方案。\n${agent_name}"),
        "en": ("Overdue balance on your ${lender_name} account",
               "${borrower_name}, ${amount_due} ${currency} on your ${lender_name} loan is still unpaid. Please pay by "
               "${due_date} or contact us to agree a plan. Ref ${payment_reference}.",
               "Dear ${borrower_name},\n${amount_due} ${currency} on your ${lender_name} loan remains unpaid. Please "
               "pay by ${due_date} at ${payment_link} (reference ${payment_reference}) or contact us now so that we "
               "can agree a payment plan with you.\n${agent_name}"),
    },
    ("default.final_notice", "final_notice"): {
        "zh": ("${lender_name}最终还款通知",
               "${borrower_name}您好，这是关于您在${lender_name}借款${amount_due} ${currency}的最终通知，请于${due_date}前"
               "还款或联系我们，参考号${payment_reference}。",
               "${borrower_name}您好：\n这是关于您在${lender_name}逾期借款${amount_due} ${currency}的最终通知。如您未能于"
               "${due_date}前还款（${payment_link}，参考号${payment_reference}）或与我们达成还款安排，我们可能将该账户"
               "转交合作机构处理，或依法通过诉讼途径解决。如对欠款有异议，请与我们联系。\n${agent_name}"),
        "en": ("Final notice from ${lender_name}",
               "${borrower_name}, this is a final notice about ${amount_due} ${currency} on your ${lender_name} loan. "
               "Please pay by ${due_date} or contact us. Ref ${payment_reference}.",
               "Dear ${borrower_name},\nThis is a final notice about the overdue balance of ${amount_due} ${currency} "
               "on your ${lender_name} loan. If it is not paid by ${due_date} (${payment_link}, reference "
               "${payment_reference}) and no arrangement is agreed, the account may be passed to a collection "
               "agency or referred for legal proceedings where the law allows. If you dispute this balance, please "
               "tell us.\n${agent_name}"),
    },
    ("default.third_party", "reminder"): {
        "zh": ("请转告回电",
               "您好，我们有事需要联系${borrower_name}，麻烦您转告其回电，谢谢。${agent_name}",
               "您好：\n我们有事需要联系${borrower_name}，麻烦您转告其与我们联系，谢谢。\n${agent_name}"),
        "en": ("Please ask for a call back",
               "Hello, we are trying to reach ${borrower_name}. Could you ask them to call us back? Thank you. "
               "${agent_name}",
               "Hello,\nWe are trying to reach ${borrower_name}. Could you please ask them to contact us? Thank "
               "you.\n${agent_name}"),
    },
}


@dataclass(frozen=True)
class DefaultTemplate:
    code: str
    channel: str
    language: str
    tone: str
    audience: str
    subject: str | None
    body: str


def _build() -> list[DefaultTemplate]:
    built = []
    for (code, tone), languages in _WORDING.items():
        audience = "third_party" if code == "default.third_party" else "borrower"
        for language, (subject, short, long) in languages.items():
            for channel in ("sms", "robo_call", "email", "letter"):
                written = channel in ("email", "letter")
                built.append(DefaultTemplate(code, channel, language, tone, audience,
                                             subject if written else None, long if written else short))
    return built


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = tuple(_build())
NEUTRAL_CODE = "default.third_party"
