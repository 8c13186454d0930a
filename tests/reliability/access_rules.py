"""Who may call what: the one table the authorization matrix (test_authorization_matrix.py) holds every service to.

Each operation of every service's OpenAPI document must have a row here; an endpoint added without one fails the
matrix. A row names the roles that pass the role check (anyone else gets 403, a caller without a valid token
401), or PUBLIC for the probes and metrics an orchestrator and a scraper read without a token.
"""

from __future__ import annotations

PUBLIC = frozenset({"public"})
#: Authenticated by the caller's HMAC signature, not a token (providers' delivery receipts): no token or role
#: gets past it, so every cell of the matrix, sent without a signature, is 401.
SIGNED = frozenset({"signed"})

STAFF = frozenset({"collector", "legal", "risk", "supervisor", "auditor", "admin"})
LENDER = frozenset({"lender"})
ADMIN = frozenset({"admin"})
#: A collection agency: only its own placements, under /v1/agency/ (its code is the token's `agency` claim).
AGENCY = frozenset({"agency"})
SUPERVISOR = frozenset({"supervisor"})
#: Lending cores read what they registered (scoped to their own data); staff read everything.
LENDER_OR_STAFF = LENDER | STAFF

OPERATIONS_ENDPOINTS = {
    "GET /livez": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /admin/outbox": ADMIN,
    "POST /admin/outbox:replay": ADMIN,
}

ACCESS: dict[str, dict[str, frozenset[str]]] = {
    "intake": {
        **OPERATIONS_ENDPOINTS,
        "POST /v1/defaults": LENDER,
        "POST /v1/defaults:batch": LENDER,
        "GET /v1/debts": LENDER_OR_STAFF,
        "GET /v1/debts/{debt_id}": LENDER_OR_STAFF,
        "GET /v1/debts/{debt_id}/history": LENDER_OR_STAFF,
        "POST /v1/payments": LENDER,
        "POST /v1/payments:batch": LENDER,
        "POST /v1/payments/{payment_id}/reversal": LENDER,
        "GET /v1/payments": LENDER_OR_STAFF,
        "POST /v1/snapshots:batch": LENDER,
        "GET /v1/borrowers/{borrower_id}": LENDER_OR_STAFF,
        # Searching by identity number, phone or email is for people handling cases, never a lending core.
        "POST /v1/borrowers:search": STAFF,
        # Clearing personal data is a supervisor's decision, recorded; anyone on staff may read the record.
        "POST /v1/borrowers/{borrower_id}:erase-fields": frozenset({"supervisor"}),
        "GET /v1/borrowers/{borrower_id}/erasures": STAFF,
    },
    "classification": {
        **OPERATIONS_ENDPOINTS,
        "GET /v1/classifications/{debt_id}": STAFF,
        "GET /v1/priorities": STAFF,
        "GET /v1/priorities.csv": STAFF,
        "GET /v1/rulesets": STAFF,
        "GET /v1/rulesets/{ruleset_id}": STAFF,
        # Maker-checker: risk analysts and supervisors write drafts, only a supervisor activates one.
        "POST /v1/rulesets": frozenset({"risk", "supervisor"}),
        "POST /v1/rulesets/{ruleset_id}:dry-run": STAFF,  # changes nothing: a what-if anyone on staff may ask
        "POST /v1/rulesets/{ruleset_id}:activate": frozenset({"supervisor"}),
        "POST /v1/reage-runs": frozenset({"risk", "supervisor", "admin"}),
        "GET /v1/reage-runs": STAFF,
        "GET /v1/reage-runs/{run_id}": STAFF,
        "GET /v1/portfolio": STAFF,
        "GET /v1/roll-rates": STAFF,
        "GET /v1/sla": STAFF,
    },
    "collections": {
        **OPERATIONS_ENDPOINTS,
        "GET /v1/cases/{debt_id}": STAFF,
        "POST /v1/cases/{debt_id}:escalate": frozenset({"collector", "supervisor"}),
        "GET /v1/cases/{debt_id}/actions": STAFF,
        # Strategies and experiments: supervisors write, activate (another supervisor) and dry-run; staff read.
        "GET /v1/strategies": STAFF,
        "GET /v1/strategies/versions": STAFF,
        "POST /v1/strategies": SUPERVISOR,
        "POST /v1/strategies/{code}/versions/{version}:activate": SUPERVISOR,
        "POST /v1/strategies/{code}/versions/{version}:reject": SUPERVISOR,
        "POST /v1/strategies:dry-run": SUPERVISOR,
        "POST /v1/experiments": SUPERVISOR,
        "GET /v1/experiments/{experiment_id}": STAFF,
        "POST /v1/experiments/{experiment_id}:start": SUPERVISOR,
        "POST /v1/experiments/{experiment_id}:stop": SUPERVISOR,
        "POST /v1/experiments/{experiment_id}:promote": SUPERVISOR,
        "GET /v1/experiments/{experiment_id}/results": STAFF,
        # The contact policy: its audit and rules for anyone on staff; collectors check a call before dialling.
        "GET /v1/contact-decisions": STAFF,
        "GET /v1/contact-policy": STAFF,
        "GET /v1/contact-policy/check": STAFF,
        # Templates: supervisors add versions, staff read them; providers post receipts signed, without a token.
        "GET /v1/templates": STAFF,
        "POST /v1/templates": frozenset({"supervisor"}),
        "GET /v1/templates/{code}": STAFF,
        "POST /v1/channels/receipts/{gateway}": SIGNED,
        # Contracting agencies, their commission and what they are given are a supervisor's decisions.
        "POST /v1/agencies": SUPERVISOR,
        "GET /v1/agencies": STAFF,
        "GET /v1/agencies/{code}": STAFF,
        "PATCH /v1/agencies/{code}": SUPERVISOR,
        "GET /v1/agencies/{code}/performance": STAFF,
        "POST /v1/placement-rules": SUPERVISOR,
        "GET /v1/placement-rules": STAFF,
        "PATCH /v1/placement-rules/{rule_id}": SUPERVISOR,
        "POST /v1/placements:run": SUPERVISOR,
        "POST /v1/cases/{debt_id}:place": SUPERVISOR,
        "POST /v1/placements/{placement_id}:recall": SUPERVISOR,
        "GET /v1/placements": STAFF,
        "GET /v1/placements/{placement_id}": STAFF,
        "GET /v1/agency/placements": AGENCY,
        "GET /v1/agency/placements/{placement_id}": AGENCY,
        "POST /v1/agency/placements/{placement_id}/contacts": AGENCY,
        "POST /v1/agency/placements/{placement_id}/payments": AGENCY,
        "GET /v1/agency/placements/{placement_id}/payments": AGENCY,
        "GET /v1/costs/summary": STAFF,
        # Agents: supervisors manage collectors and reassign; collectors take their worklist and claim cases;
        # discounts beyond a collector's authority are approved by supervisors only.
        "PUT /v1/collectors/{subject}": SUPERVISOR,
        "GET /v1/collectors/{subject}": STAFF,
        "GET /v1/collectors": STAFF,
        "GET /v1/worklist": frozenset({"collector"}),
        "POST /v1/cases/{debt_id}:claim": frozenset({"collector"}),
        "POST /v1/cases/{debt_id}:release": frozenset({"collector", "supervisor"}),
        "POST /v1/cases/{debt_id}:reassign": SUPERVISOR,
        "POST /v1/cases/{debt_id}/outcomes": frozenset({"collector", "supervisor"}),
        "GET /v1/cases/{debt_id}/outcomes": STAFF,
        "GET /v1/cases/{debt_id}/promises": STAFF,
        "GET /v1/cases/{debt_id}/promise-stats": STAFF,
        "POST /v1/cases/{debt_id}/payment-plans": frozenset({"collector", "supervisor"}),
        "GET /v1/cases/{debt_id}/payment-plans": STAFF,
        "GET /v1/payment-plans/{plan_id}": STAFF,
        "POST /v1/payment-plans/{plan_id}:approve": SUPERVISOR,
        "POST /v1/payment-plans/{plan_id}:accept": frozenset({"collector", "supervisor"}),
        "POST /v1/payment-plans/{plan_id}:cancel": frozenset({"collector", "supervisor"}),
        "POST /v1/cases/{debt_id}/settlements": frozenset({"collector", "supervisor"}),
        "GET /v1/cases/{debt_id}/settlements": STAFF,
        "GET /v1/settlements/{settlement_id}": STAFF,
        "POST /v1/settlements/{settlement_id}:approve": SUPERVISOR,
        "POST /v1/settlements/{settlement_id}:accept": frozenset({"collector", "supervisor"}),
        "POST /v1/settlements/{settlement_id}:cancel": frozenset({"collector", "supervisor"}),
        "GET /v1/sla": STAFF,
    },
    "legal": {
        **OPERATIONS_ENDPOINTS,
        "GET /v1/cases/{debt_id}": STAFF,
    },
    "credit": {
        **OPERATIONS_ENDPOINTS,
        "GET /v1/portfolio/summary": frozenset({"risk", "supervisor", "auditor", "admin"}),
    },
    "crm": {
        **OPERATIONS_ENDPOINTS,
        "GET /v1/borrowers/{borrower_id}/timeline": STAFF,
        # Staff read profiles and contact points (masked without pii:read); a lending core reads nothing in crm.
        "GET /v1/borrowers/{borrower_id}": STAFF,
        "GET /v1/borrowers/{borrower_id}/contact-points": STAFF,
        "GET /v1/contact-points/{contact_point_id}/history": STAFF,
        # The people working the borrower's cases record and correct how to reach them.
        "POST /v1/borrowers/{borrower_id}/contact-points": frozenset({"collector", "supervisor"}),
        "PATCH /v1/contact-points/{contact_point_id}": frozenset({"collector", "supervisor"}),
        # Collectors open disputes; upholding or rejecting one is a supervisor's or legal's decision.
        "POST /v1/disputes": frozenset({"collector", "supervisor", "legal"}),
        "POST /v1/disputes/{dispute_id}:resolve": frozenset({"supervisor", "legal"}),
        "GET /v1/disputes": STAFF,
        "GET /v1/disputes/{dispute_id}": STAFF,
        # Collectors record hardship requests; supervisors decide them (never the person who recorded one).
        "POST /v1/hardship-requests": frozenset({"collector", "supervisor"}),
        "POST /v1/hardship-requests/{hardship_id}:decide": frozenset({"supervisor"}),
        "POST /v1/hardship-requests/{hardship_id}:end": frozenset({"supervisor"}),
        "GET /v1/hardship-requests": STAFF,
        "GET /v1/hardship-requests/{hardship_id}": STAFF,
        # Whoever hears a cease-contact request records it; lifting one is a supervisor's decision.
        "POST /v1/borrowers/{borrower_id}/restrictions": frozenset({"collector", "supervisor", "legal"}),
        "GET /v1/borrowers/{borrower_id}/restrictions": STAFF,
        "GET /v1/restrictions/{restriction_id}": STAFF,
        "POST /v1/restrictions/{restriction_id}:lift": frozenset({"supervisor"}),
        "POST /v1/borrowers/{borrower_id}/circumstances": frozenset({"collector", "supervisor", "legal"}),
        "GET /v1/borrowers/{borrower_id}/circumstances": STAFF,
        "POST /v1/circumstances/{circumstance_id}:withdraw": frozenset({"supervisor"}),
        "PUT /v1/borrowers/{borrower_id}/preferences": frozenset({"collector", "supervisor"}),
        "GET /v1/borrowers/{borrower_id}/preferences": STAFF,
        "POST /v1/borrowers/{borrower_id}/consents": frozenset({"collector", "supervisor"}),
        "GET /v1/borrowers/{borrower_id}/consents": STAFF,
        "POST /v1/borrowers/{borrower_id}/interactions": frozenset({"collector", "supervisor", "legal"}),
        "GET /v1/borrowers/{borrower_id}/interactions": STAFF,
        "POST /v1/borrowers/{borrower_id}/vulnerabilities": frozenset({"collector", "supervisor", "legal"}),
        "GET /v1/borrowers/{borrower_id}/vulnerabilities": STAFF,
        "POST /v1/vulnerabilities/{vulnerability_id}:remove": frozenset({"supervisor"}),
        "POST /v1/borrowers/{borrower_id}/satisfaction": frozenset({"collector", "supervisor"}),
        # Scores per collector are performance data about staff: for those who manage and audit them.
        "GET /v1/satisfaction": frozenset({"supervisor", "risk", "auditor", "admin"}),
        # A data-subject export discloses everything unmasked: supervisors only (and with pii:read, which the
        # route checks); so is recording a correction request. Staff read the record of both.
        "GET /v1/borrowers/{borrower_id}:export": frozenset({"supervisor"}),
        "POST /v1/borrowers/{borrower_id}/data-subject-requests": frozenset({"supervisor"}),
        "GET /v1/borrowers/{borrower_id}/data-subject-requests": STAFF,
        # Collectors (and whoever hears one) record complaints and acknowledge them; closing one is a supervisor's.
        "POST /v1/complaints": frozenset({"collector", "supervisor", "legal"}),
        "POST /v1/complaints/{complaint_id}:acknowledge": frozenset({"collector", "supervisor"}),
        "POST /v1/complaints/{complaint_id}:resolve": frozenset({"supervisor"}),
        "GET /v1/complaints": STAFF,
        "GET /v1/complaints/{complaint_id}": STAFF,
    },
}
