"""Fixtures of the reliability tests: none of their own yet; the session fixtures (databases, broker) are shared."""
