"""Reading the register: filters, keyset pagination, what a lending core may see, history and payments."""

from __future__ import annotations

import uuid
from typing import Any

from support import token
from support.harness import Harness
from support.intake import (
    LENDER,
    OTHER_LENDER,
    SUPERVISOR,
    default,
    dispose,
    get_history,
    pay,
    payment,
    post_batch,
    register,
    reverse,
    snapshot,
)
from support.problems import assert_problem


async def register_book(intake: Harness) -> dict[str, dict[str, Any]]:
    """Five debts of lending core A in different states, and one of lending core B."""
    debts = {
        "LN-1": await register(intake, default("LN-1", product="instalment_loan")),
        "LN-2": await register(intake, default("LN-2", borrower_id="BR-2", product="cash_loan",
                                               as_of_date="2026-11-20")),
        "LN-3": await register(intake, default("LN-3", product="cash_loan", as_of_date="2026-11-25")),
        "LN-4": await register(intake, default("LN-4", borrower_id="BR-3", as_of_date="2026-11-26")),
        "LN-5": await register(intake, default("LN-5", borrower_id="BR-2", product="instalment_loan",
                                               as_of_date="2026-11-24")),
        "LN-9": await register(intake, default("LN-9", borrower_id="BR-9", product="cash_loan"), headers=OTHER_LENDER),
    }
    await pay(intake, payment("PAY-2", "1150.00", loan_id="LN-2"))
    await dispose(intake, "sold", debts["LN-3"])
    return debts


async def loans(intake: Harness, headers: dict[str, str] = SUPERVISOR, **params: Any) -> list[str]:
    response = await intake.client.get("/v1/debts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    return sorted(debt["loan_id"] for debt in page["items"])


async def test_debts_are_filtered(intake: Harness) -> None:
    await register_book(intake)
    assert await loans(intake) == ["LN-1", "LN-2", "LN-3", "LN-4", "LN-5", "LN-9"]
    assert await loans(intake, status="open") == ["LN-1", "LN-4", "LN-5", "LN-9"]
    assert await loans(intake, status="settled") == ["LN-2"]
    assert await loans(intake, status="sold") == ["LN-3"]
    assert await loans(intake, status="written_off") == []
    assert await loans(intake, borrower_id="BR-2") == ["LN-2", "LN-5"]
    assert await loans(intake, product="cash_loan") == ["LN-2", "LN-3", "LN-9"]
    assert await loans(intake, as_of_from="2026-11-25", as_of_to="2026-11-26") == ["LN-3", "LN-4"]
    assert await loans(intake, as_of_to="2026-11-24") == ["LN-2", "LN-5"]
    assert await loans(intake, as_of_from="2026-11-27") == ["LN-1", "LN-9"]
    assert await loans(intake, status="open", product="instalment_loan", borrower_id="BR-2") == ["LN-5"]


async def test_a_bad_filter_is_422_naming_it(intake: Harness) -> None:
    for name, value in (("status", "closed"), ("product", "mortgage"), ("as_of_from", "yesterday"), ("limit", 0),
                        ("limit", 501), ("after", "not-a-cursor!")):
        response = await intake.client.get("/v1/debts", params={name: value}, headers=SUPERVISOR)
        problem = assert_problem(response, 422, "validation-error")
        assert name in {error["field"] for error in problem["errors"]}, problem


async def walk(intake: Harness, headers: dict[str, str] = SUPERVISOR, on_page: Any = None,
               **params: Any) -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(50):
        response = await intake.client.get("/v1/debts", params={**params, "limit": 2,
                                                                **({"after": after} if after else {})},
                                           headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [debt["id"] for debt in page["items"]]
        if on_page is not None:
            await on_page()
        after = page["next_cursor"]
        if after is None:
            return seen
    raise AssertionError("pagination never ended")


async def test_keyset_pagination_walks_every_debt_exactly_once(intake: Harness) -> None:
    debts = await register_book(intake)
    seen = await walk(intake)
    assert sorted(seen) == sorted(debt["id"] for debt in debts.values())
    assert len(seen) == len(set(seen)) == 6
    assert seen == sorted(seen, key=lambda value: uuid.UUID(value).bytes)
    open_ = await walk(intake, status="open")
    assert sorted(open_) == sorted(debts[loan]["id"] for loan in ("LN-1", "LN-4", "LN-5", "LN-9"))


async def test_pagination_is_stable_while_debts_are_added(intake: Harness) -> None:
    debts = await register_book(intake)
    added = iter(range(100))

    async def add_one() -> None:
        await register(intake, default(f"LN-NEW-{next(added)}"))

    seen = await walk(intake, on_page=add_one)
    assert len(seen) == len(set(seen))
    assert {debt["id"] for debt in debts.values()} <= set(seen)


async def test_an_odd_number_of_debts_ends_on_a_short_page(intake: Harness) -> None:
    for number in range(5):
        await register(intake, default(f"LN-{number}"))
    pages = []
    after = None
    while True:
        page = (await intake.client.get("/v1/debts", params={"limit": 2, **({"after": after} if after else {})},
                                        headers=LENDER)).json()
        pages.append(len(page["items"]))
        after = page["next_cursor"]
        if after is None:
            break
    assert pages == [2, 2, 1]


async def test_a_lending_core_sees_only_its_own_debts(intake: Harness) -> None:
    debts = await register_book(intake)
    assert await loans(intake, headers=LENDER) == ["LN-1", "LN-2", "LN-3", "LN-4", "LN-5"]
    assert await loans(intake, headers=OTHER_LENDER) == ["LN-9"]
    assert await loans(intake, headers=OTHER_LENDER, borrower_id="BR-1") == []
    assert sorted(await walk(intake, headers=OTHER_LENDER)) == [debts["LN-9"]["id"]]
    theirs = debts["LN-9"]["id"]
    for path in (f"/v1/debts/{theirs}", f"/v1/debts/{theirs}/history"):
        assert_problem(await intake.client.get(path, headers=LENDER), 404)
    assert_problem(await intake.client.get("/v1/payments", params={"debt_id": theirs}, headers=LENDER), 404)
    assert_problem(await intake.client.get("/v1/borrowers/BR-9", headers=LENDER), 404)
    # A token that is both lender and staff is staff.
    both = token("lender", "supervisor", subject="lending-core-a")
    assert await loans(intake, headers=both) == ["LN-1", "LN-2", "LN-3", "LN-4", "LN-5", "LN-9"]


async def test_history_lists_every_change_in_order(intake: Harness) -> None:
    debt = await register(intake, default(as_of_date="2026-11-25"))
    await pay(intake, payment("PAY-1", "100.00"))
    await reverse(intake, "PAY-1", "bounced")
    await post_batch(intake, "/v1/snapshots:batch", [snapshot("2026-11-26")])
    await register(intake, default(as_of_date="2026-11-27", principal_outstanding="850.00"), expect=200)
    await dispose(intake, "written_off", debt)
    history = await get_history(intake, debt["id"])
    assert [(entry["version"], entry["cause"], entry["cause_ref"], entry["total_change"], entry["status"])
            for entry in history] == [
        (1, "registered", None, "1150.00", "open"),
        (2, "payment", "PAY-1", "-100.00", "open"),
        (3, "reversal", "PAY-1", "100.00", "open"),
        (4, "snapshot", "2026-11-26", "-75.00", "open"),
        (5, "default_update", None, "-75.00", "open"),
        (6, "write_off", history[5]["cause_ref"], "0.00", "written_off"),
    ]
    assert [entry["occurred_at"] for entry in history] == sorted(entry["occurred_at"] for entry in history)
    assert (history[1]["penalty_interest_outstanding"], history[1]["interest_outstanding"]) == ("0.00", "50.00")
    assert history[3]["principal_outstanding"] == "900.00"


async def test_history_of_an_unknown_debt_is_404(intake: Harness) -> None:
    assert_problem(await intake.client.get(f"/v1/debts/{uuid.uuid4()}/history", headers=SUPERVISOR), 404)


async def test_payments_of_a_debt(intake: Harness) -> None:
    debt = await register(intake)
    assert (await intake.client.get("/v1/payments", params={"debt_id": debt["id"]}, headers=LENDER)).json()["items"] == []
    first = await pay(intake, payment("PAY-1", "10.00"))
    listed = (await intake.client.get("/v1/payments", params={"debt_id": debt["id"]}, headers=LENDER)).json()["items"]
    assert [row["id"] for row in listed] == [first["id"]]
    assert listed[0]["applied_penalty_interest"] == "10.00"
    assert_problem(await intake.client.get("/v1/payments", params={"debt_id": str(uuid.uuid4())}, headers=SUPERVISOR),
               404)
    assert_problem(await intake.client.get("/v1/payments", headers=SUPERVISOR), 422)
    assert_problem(await intake.client.get("/v1/payments", params={"debt_id": "LN-1"}, headers=SUPERVISOR), 422)
