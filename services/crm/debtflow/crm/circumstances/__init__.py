"""Borrower circumstances that change what may be collected: deceased, bankrupt, incarcerated, victim of fraud."""
