"""debtflow crm: the borrower relationship, starting with each borrower's interaction timeline."""
