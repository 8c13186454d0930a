"""A borrower's contact preferences (channel, language, times, per-channel opt-out) and consent records (PIPL)."""
