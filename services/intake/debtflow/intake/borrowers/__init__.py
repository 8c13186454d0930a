"""Borrowers: personal data encrypted at rest, masked by role, found by keyed hashes."""
