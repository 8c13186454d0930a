"""Channel settings (`DEBTFLOW_COLLECTIONS_*`): the personal-data key ring, a gateway per channel, SMTP, webhooks,
delivery receipts, and what messages say about the lender, payment and opting out."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from debtflow.common.settings import PersonalDataSettings

#: Published in this repository: production refuses them (like the development personal-data keys).
DEVELOPMENT_WEBHOOK_SECRET = "debtflow-development-webhook-signing-secret"
DEVELOPMENT_RECEIPT_SECRET = "debtflow-development-receipt-signing-secret"
GatewayKind = Literal["development", "smtp", "webhook"]
#: Which gateway kinds can carry which channel (an SMS cannot go by SMTP here).
CARRIERS: dict[str, frozenset[str]] = {
    "sms": frozenset({"development", "webhook"}), "robo_call": frozenset({"development", "webhook"}),
    "letter": frozenset({"development", "webhook"}), "email": frozenset({"development", "smtp"}),
}


class ChannelSettings(PersonalDataSettings):
    """Collections holds borrowers' contact data (a replica of crm's and intake's) to send messages with: the key
    ring intake and crm encrypt events with."""

    sms_gateway: GatewayKind = Field("development", description="Gateway of SMS: `development` (recorded in the "
                                     "database, never sent) or `webhook` (`SMS_WEBHOOK_URL`).")
    email_gateway: GatewayKind = Field("development", description="Gateway of email: `development` or `smtp`.")
    robo_call_gateway: GatewayKind = Field("development", description="Gateway of automated calls: `development` "
                                           "or `webhook` (`ROBO_CALL_WEBHOOK_URL`).")
    letter_gateway: GatewayKind = Field("development", description="Gateway of letters: `development` or "
                                        "`webhook` (a print house's API, `LETTER_WEBHOOK_URL`).")
    sms_webhook_url: str | None = Field(None, pattern=r"^https?://[^\s]+$",
                                        description="The SMS provider's endpoint messages are POSTed to.")
    robo_call_webhook_url: str | None = Field(None, pattern=r"^https?://[^\s]+$",
                                              description="The voice provider's endpoint calls are POSTed to.")
    letter_webhook_url: str | None = Field(None, pattern=r"^https?://[^\s]+$",
                                           description="The print house's endpoint letters are POSTed to.")
    webhook_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_WEBHOOK_SECRET),
        description="HMAC-SHA256 key signing each webhook POST (`X-Debtflow-Signature: sha256=<hex>` over "
        "`<X-Debtflow-Timestamp>.<body>`). Default: the development secret, refused in production.")
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=120, description="How long a webhook POST may take.")
    smtp_host: str = Field("127.0.0.1", description="SMTP server of the `smtp` email gateway.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port (587 with STARTTLS, 465 with TLS).")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="`starttls` upgrades the connection, `tls` connects with TLS (port 465), `none` "
        "only for a relay on the same host.")
    smtp_username: str | None = Field(None, description="SMTP login, if the server wants one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_sender: str = Field("collections@example.com", description="The From address of collection emails.")
    smtp_timeout_seconds: float = Field(15.0, gt=0, le=120, description="How long an SMTP exchange may take.")
    receipt_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_RECEIPT_SECRET),
        description="HMAC-SHA256 key providers sign delivery receipts with (`X-Debtflow-Signature: sha256=<hex>` "
        "over `<X-Debtflow-Timestamp>.<body>`). Default: the development secret, refused in production.")
    receipt_tolerance_seconds: int = Field(
        300, ge=1, le=3600, description="How far a receipt's timestamp may be from now before it is refused as "
        "stale (a captured callback replayed later).")
    opt_out_in_cn: bool = Field(
        True, description="Whether SMS and email carry the opt-out text under profile CN (PIPL art. 44 and the "
        "MIIT rules on commercial texts let the borrower refuse; profile US always does, Regulation F 12 CFR "
        "1006.6(e)).")
    opt_out_text_zh: str = Field("回复TD退订", max_length=200, description="The opt-out text of Chinese messages.")
    opt_out_text_en: str = Field("Reply STOP to opt out.", max_length=200,
                                 description="The opt-out text of English messages.")
    default_language: Literal["zh", "en"] = Field("zh", description="Language of a message that names none.")
    lender_name: str = Field("debtflow", max_length=100, description="The lender's name messages show.")
    lender_names: dict[str, str] = Field({}, description="Per tenant, the lender's name messages show (JSON).")
    sender_name: str = Field("Collections team", max_length=100,
                             description="The `agent_name` of automated messages.")
    payment_link: str = Field("https://pay.example.com/", max_length=300,
                              description="Where borrowers pay online; the message adds its payment reference.")
    pay_by_days: int = Field(7, ge=1, le=60, description="The `due_date` a message gives: days after sending.")

    @model_validator(mode="after")
    def _gateways_fit(self) -> ChannelSettings:
        for channel, allowed in CARRIERS.items():
            kind = getattr(self, f"{channel}_gateway")
            if kind not in allowed:
                raise ValueError(f"{channel}_gateway cannot be {kind}; choose one of {', '.join(sorted(allowed))}")
            if kind == "webhook" and not getattr(self, f"{channel}_webhook_url"):
                raise ValueError(f"{channel}_gateway is webhook: set {channel}_webhook_url")
        return self

    def unsafe_personal_data_keys(self) -> list[str]:
        """Besides the key ring (refused in production by PersonalDataSettings), the published signing secrets."""
        reasons = super().unsafe_personal_data_keys()
        if self.webhook_secret.get_secret_value() == DEVELOPMENT_WEBHOOK_SECRET:
            reasons.append("DEBTFLOW_COLLECTIONS_WEBHOOK_SECRET is the published development secret")
        if self.receipt_secret.get_secret_value() == DEVELOPMENT_RECEIPT_SECRET:
            reasons.append("DEBTFLOW_COLLECTIONS_RECEIPT_SECRET is the published development secret")
        return reasons
