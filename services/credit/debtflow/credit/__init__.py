"""debtflow credit: portfolio analytics (and, later, scoring and early warning)."""
