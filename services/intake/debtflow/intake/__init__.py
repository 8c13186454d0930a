"""debtflow intake: the debt register; accepts defaults from lending cores and announces new debts."""
