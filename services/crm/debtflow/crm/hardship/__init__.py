"""Hardship: a borrower's request for relief, a supervisor's decision (pause, reduced payments, a payment plan) and its end."""
