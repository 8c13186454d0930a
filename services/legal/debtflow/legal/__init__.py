"""debtflow legal: legal cases for debts that collections cannot recover."""
