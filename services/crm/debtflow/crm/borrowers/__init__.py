"""The borrowers crm knows: profiles built from intake's borrower events, found by (tenant, borrower id)."""
