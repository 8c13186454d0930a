"""Interactions: every contact staff log with a borrower (calls, messages, visits), notes screened for personal data."""
