"""CRM settings (`DEBTFLOW_CRM_*`)."""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from debtflow.common.clock import TimeZoneName, utcnow
from debtflow.common.phones import DEFAULT_REGION, check_region
from debtflow.common.settings import PersonalDataSettings


class CrmSettings(PersonalDataSettings):
    """crm holds borrowers' personal data (profiles and contact points): the key ring intake encrypts events with."""

    service_name = "crm"
    default_port = 8006

    # Agents type phone numbers as borrowers say them, so crm reads national numbers too, as intake does.
    phone_region: str = Field(
        DEFAULT_REGION,
        description="Region (ISO 3166-1 alpha-2, e.g. CN, HK) of phone numbers agents record in national format; "
        "every phone is stored as E.164.",
    )

    business_timezone: TimeZoneName = Field(
        "Asia/Shanghai", description="The calendar of the days crm records (a dispute raised, a hardship ended): "
        "the same zone classification counts days past due in.")
    vulnerability_teams: dict[str, str] = Field(
        {"default": "specialist-care", "bereavement": "bereavement-care", "elderly": "senior-care"},
        description="The team a vulnerable borrower's debts go to, by vulnerability kind (health, bereavement, "
        "disability, financial_distress, elderly, other; `default` for the rest). Source: the duty of special care "
        "for the elderly and disabled in 银行保险机构消费者权益保护管理办法 (NFRA 2022), and FCA FG21/1 as practice.",
    )
    notes_personal_data: Literal["refuse", "mask"] = Field(
        "refuse",
        description="What happens to free text staff write (notes, dispute descriptions, stated circumstances) that "
        "holds identity, card or phone numbers or email addresses: `refuse` answers 422 naming the field, `mask` "
        "keeps the text with each one replaced. PIPL art. 51 (security measures for personal information): personal "
        "data belongs in the encrypted fields, not in text every collector reads.",
    )

    complaint_acknowledge_business_days: int = Field(
        1, ge=0, le=30,
        description="Business days after receipt by which a complaint must be acknowledged (end of that day in "
        "`business_timezone`; weekends and `business_holidays` do not count). Default per the NFRA/CBIRC "
        "consumer-complaint handling rules (银行保险机构消费投诉处理管理办法, 2020: a complaint is acknowledged "
        "promptly); set it to the lender's or the regulator's own figure.")
    complaint_resolve_days: int = Field(
        15, ge=0, le=120,
        description="Days after receipt by which a complaint must be resolved (see `complaint_resolve_unit`). "
        "Default per 银行保险机构消费投诉处理管理办法 (CBIRC/NFRA 2020: a decision within 15 days of receipt).")
    complaint_resolve_unit: Literal["calendar", "business"] = Field(
        "calendar",
        description="Whether `complaint_resolve_days` counts calendar days (the 2020 complaint rules' 15 days) "
        "or business days (where a lender's rules or another regulator count working days).")
    business_holidays: list[date] = Field(
        default_factory=list, max_length=1000,
        description="Public holidays (ISO dates, a JSON list) that are not business days in `business_timezone`, "
        "besides Saturdays and Sundays: complaint deadlines skip them. Source: the State Council's yearly "
        "holiday notice (国务院办公厅关于部分节假日安排的通知) where the lender is in mainland China.")
    complaint_pauses_collection: bool = Field(
        True,
        description="Whether a complaint about collection conduct (aggressive or threatening collection, contact "
        "outside hours or too often, third-party contact, privacy) pauses collection on the debt until it is "
        "resolved. Default per 银行保险机构消费者权益保护管理办法 (NFRA 2022) on collection conduct, and FCA "
        "CONC 7.3 as practice: do not go on collecting the way complained of while it is reviewed.")
    complaint_escalation_interval_seconds: float = Field(
        300.0, gt=0, le=86400,
        description="How often crm looks for complaints past their acknowledgement or resolution deadline and "
        "escalates them (each missed deadline once).")
    intake_url: str = Field(
        "http://127.0.0.1:8001", pattern=r"^https?://[^\s]+$",
        description="intake's base URL, for data-subject exports: crm fetches what intake holds about the borrower "
        "(the borrower, debts with history and payments, erasures) with the caller's own token.")
    intake_timeout_seconds: float = Field(
        10.0, gt=0, le=300,
        description="How long a data-subject export waits for each of intake's answers before it answers 502.")

    @field_validator("phone_region")
    @classmethod
    def _phone_region(cls, region: str) -> str:
        return check_region(region)

    def today(self) -> date:
        """Today in the lender's business calendar: the day a dispute opened today stops the clock from."""
        return utcnow().astimezone(ZoneInfo(self.business_timezone)).date()

    @field_validator("vulnerability_teams")
    @classmethod
    def _a_default_team(cls, teams: dict[str, str]) -> dict[str, str]:
        if not teams.get("default"):
            raise ValueError("vulnerability_teams needs a `default` team for the kinds it does not name")
        return teams
