"""Lending-core snapshots: daily balances, kept as received, applied when newer than the register."""
