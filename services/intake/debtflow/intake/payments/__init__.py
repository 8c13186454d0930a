"""Payments and reversals: allocated by the configured waterfall, undone exactly."""
