"""debtflow classification: how late each debt is, which bucket and regulatory class it is in."""
