"""The contact policy: the one place that decides when a borrower may be contacted."""
