"""A borrower's phones, emails and addresses (and third parties'): where each came from, whether it works, whether
it may be used, and every correction as a revision."""
