"""The borrower's interaction timeline: every lifecycle event, worded for a person, newest first."""
