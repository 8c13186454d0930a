"""What intake holds about a borrower, fetched over HTTP for a data-subject export with the caller's own token, so
intake applies its own authorization; any failure is a 502 naming what failed, never a partial answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from debtflow.common.problems import Problem

#: intake's largest page: fewer round trips for a borrower with many debts or payments.
PAGE_SIZE = 500


class IntakeUnavailable(Problem):
    """intake answered an error or could not be reached: an export without intake's part would look complete
    while missing the debts, so none is given."""

    status, slug, title = 502, "intake-unavailable", "Intake unavailable"


@dataclass(frozen=True)
class IntakeClient:
    base_url: str
    timeout_seconds: float
    #: The caller's `Authorization` header, passed on as it came.
    authorization: str | None

    async def borrower_records(self, borrower_id: str, *, tenant: str) -> dict[str, Any]:
        """The borrower unmasked (intake unmasks for `pii:read`), each of their debts with its history and
        payments, and the erasures of their fields."""
        headers = {"Authorization": self.authorization} if self.authorization else {}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout_seconds, headers=headers) as client:
            reader = _Reader(client)
            borrower = await reader.one(f"/v1/borrowers/{borrower_id}", tenant=tenant)
            debts = []
            for debt in await reader.every("/v1/debts", borrower_id=borrower_id, tenant=tenant):
                debt_id = debt["id"]
                debts.append({"debt": debt, "history": await reader.every(f"/v1/debts/{debt_id}/history"),
                              "payments": await reader.every("/v1/payments", debt_id=debt_id)})
            erasures = await reader.every(f"/v1/borrowers/{borrower_id}/erasures", tenant=tenant)
        return {"borrower": borrower, "debts": debts, "erasures": erasures}


@dataclass(frozen=True)
class _Reader:
    client: httpx.AsyncClient

    async def one(self, path: str, **params: str) -> dict[str, Any]:
        found = await self._get(path, params)
        if not isinstance(found, dict):
            raise IntakeUnavailable(f"intake's answer to GET {path} is not a document", failed=f"GET {path}")
        return found

    async def every(self, path: str, **params: str) -> list[Any]:
        """Every item of a paged list, following `next_cursor` to the last page."""
        items: list[Any] = []
        after: str | None = None
        seen: set[str] = set()
        while True:
            page = await self._get(path, {**params, "limit": str(PAGE_SIZE), **({"after": after} if after else {})})
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise IntakeUnavailable(f"intake's answer to GET {path} is not a page of items", failed=f"GET {path}")
            if not all(isinstance(item, dict) for item in page["items"]):
                raise IntakeUnavailable(f"intake's answer to GET {path} is not a page of items", failed=f"GET {path}")
            items.extend(page["items"])
            after = page.get("next_cursor")
            if not after:
                return items
            if after in seen:  # a cursor seen before would page forever
                raise IntakeUnavailable(f"intake's pages of GET {path} do not end", failed=f"GET {path}")
            seen.add(after)

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        what = f"GET {path}"
        try:
            response = await self.client.get(path, params=params)
        except httpx.TimeoutException:
            raise IntakeUnavailable(f"intake did not answer {what} in time", failed=what) from None
        except httpx.HTTPError as error:
            # The library's message is not passed on (it may name hosts); its kind says enough.
            raise IntakeUnavailable(f"intake could not be reached for {what} ({type(error).__name__})",
                                    failed=what) from None
        if response.status_code != 200:
            problem = _problem_type(response)
            raise IntakeUnavailable(f"intake answered {response.status_code} to {what}", failed=what,
                                    intake_status=response.status_code,
                                    **({"intake_problem": problem} if problem else {}))
        try:
            return response.json()
        except ValueError:
            raise IntakeUnavailable(f"intake's answer to {what} is not JSON", failed=what) from None


def _problem_type(response: httpx.Response) -> str | None:
    """The `type` of intake's problem answer (a stable URN, no values in it), if it gave one."""
    try:
        body = response.json()
    except ValueError:
        return None
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) and kind.startswith("urn:debtflow:problem:") else None
