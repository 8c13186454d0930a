"""Complaints: the borrower complains about how a debt is collected or handled; deadlines to acknowledge and resolve, escalation when missed."""
