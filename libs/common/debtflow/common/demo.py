"""`debtflow demo`: post a small sample portfolio to running services and show where each debt ended up."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from debtflow.common.auth import TokenService
from debtflow.common.services import service_names
from debtflow.common.settings import settings_class_for

#: (loan id, borrower id, days past due, principal) - one debt in each bucket, from a few days to over a year.
SAMPLE_PORTFOLIO = [
    ("DEMO-0001", "DEMO-B01", 5, "3200.00"),
    ("DEMO-0002", "DEMO-B02", 24, "8000.00"),
    ("DEMO-0003", "DEMO-B03", 47, "15500.00"),
    ("DEMO-0004", "DEMO-B04", 83, "4999.99"),
    ("DEMO-0005", "DEMO-B05", 112, "21000.00"),
    ("DEMO-0006", "DEMO-B05", 196, "6400.00"),
    ("DEMO-0007", "DEMO-B06", 290, "12800.00"),
    ("DEMO-0008", "DEMO-B07", 410, "30000.00"),
]


def _default(loan_id: str, borrower_id: str, days: int, principal: str, as_of: datetime) -> dict[str, Any]:
    return {
        "loan_id": loan_id, "borrower_id": borrower_id, "currency": "CNY",
        "principal_outstanding": principal, "interest_outstanding": "120.00", "fees_outstanding": "30.00",
        "first_unpaid_due_date": (as_of.date() - timedelta(days=days)).isoformat(),
        "as_of_date": as_of.date().isoformat(),
        "borrower": {"name": f"演示客户{borrower_id[-2:]}", "id_type": "resident_id",
                     "id_number": _resident_id(f"11010519900101{borrower_id[-2:]}3"),
                     "phones": [f"+86139000000{borrower_id[-2:]}"], "region": "Beijing", "timezone": "Asia/Shanghai"},
    }


def _resident_id(first_17: str) -> str:
    """A made-up identity number with a valid GB 11643 check character (the demo's borrowers are fictional)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first_17 + "10X98765432"[sum(int(d) * w for d, w in zip(first_17, weights, strict=True)) % 11]


def run_demo(*, host: str = "127.0.0.1", timeout: float = 30.0) -> int:
    settings = {service: settings_class_for(service)() for service in service_names()}
    url = {service: f"http://{host}:{value.port}" for service, value in settings.items()}
    shared = settings["intake"]
    tokens = TokenService(secret=shared.auth_secret.get_secret_value(), issuer=shared.auth_issuer,
                          audience=shared.auth_audience)
    lender = {"Authorization": f"Bearer {tokens.issue(subject='demo-lending-core', roles=['lender'])}"}
    staff = {"Authorization": f"Bearer {tokens.issue(subject='demo-supervisor', roles=['supervisor'])}"}
    as_of = datetime.now(UTC)
    with httpx.Client(timeout=10) as client:
        debts = []
        for loan_id, borrower_id, days, principal in SAMPLE_PORTFOLIO:
            reply = client.post(f"{url['intake']}/v1/defaults", headers=lender,
                                json=_default(loan_id, borrower_id, days, principal, as_of))
            reply.raise_for_status()
            debts.append((loan_id, reply.json()))
        # The same default again: intake answers with the debt it already has, and nothing downstream repeats.
        again = client.post(f"{url['intake']}/v1/defaults", headers=lender,
                            json=_default(*SAMPLE_PORTFOLIO[0], as_of))
        print(f"posted {len(debts)} defaults; re-posting {SAMPLE_PORTFOLIO[0][0]} answered {again.status_code} "
              f"with the same debt id: {again.json()['id'] == debts[0][1]['id']}")
        # The first borrower pays everything off: the debt settles and drops out of the open portfolio.
        payment = {"payment_id": "DEMO-PAY-0001", "loan_id": debts[0][0], "amount": debts[0][1]["total_outstanding"],
                   "paid_at": as_of.isoformat(), "channel": "bank_transfer"}
        paid = client.post(f"{url['intake']}/v1/payments", headers=lender, json=payment)
        paid.raise_for_status()
        settled = client.get(f"{url['intake']}/v1/debts/{debts[0][1]['id']}", headers=lender).json()
        print(f"{debts[0][0]} paid {payment['amount']} -> status {settled['status']}, "
              f"{settled['total_outstanding']} outstanding\n")

        def fetch(service: str, path: str) -> dict[str, Any] | None:
            reply = client.get(f"{url[service]}{path}", headers=staff)
            return reply.json() if reply.status_code == 200 else None

        print(f"{'loan':<10} {'DPD':>4} {'bucket':<6} {'class':<16} {'strategy':<16} {'legal case':<22}")
        for loan_id, debt in debts:
            deadline = time.monotonic() + timeout
            while True:
                classification = fetch("classification", f"/v1/classifications/{debt['id']}")
                case = fetch("collections", f"/v1/cases/{debt['id']}")
                if (classification and case) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            legal = fetch("legal", f"/v1/cases/{debt['id']}")
            print(f"{loan_id:<10} {classification['days_past_due'] if classification else '?':>4} "
                  f"{classification['dpd_bucket'] if classification else '?':<6} "
                  f"{classification['five_tier_class'] if classification else '?':<16} "
                  f"{case['strategy_code'] if case else '?':<16} "
                  f"{legal['trigger'] if legal else '-':<22}")
        time.sleep(1.0)  # let credit and crm catch up before reading their read models
        summary = fetch("credit", "/v1/portfolio/summary")
        if summary:
            for currency in summary["by_currency"]:
                buckets = ", ".join(f"{s['label']}: {s['debts']} / {s['exposure']}" for s in currency["by_dpd_bucket"])
                print(f"\nopen portfolio {currency['currency']}: {currency['debts']} debts, {currency['exposure']} "
                      f"exposure, closed: {currency['closed']}\n  by bucket (debts / exposure): {buckets}")
        timeline = fetch("crm", "/v1/borrowers/DEMO-B05/timeline")
        if timeline:
            print("\ntimeline of borrower DEMO-B05 (newest first):")
            for entry in timeline["entries"]:
                print(f"  {entry['occurred_at'][:19]}  {entry['summary']}")
    print()
    return 0
