"""Borrower satisfaction: a short survey after a resolved contact (CSAT 1-5), scored per collector, agency, strategy, month."""
