"""Disputes: the borrower contests a debt's amount, ownership or identity; collection and the clock stop until resolved."""
