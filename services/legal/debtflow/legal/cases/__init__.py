"""Legal cases: opened when a debt turns doubtful or loss or collections escalates it; one per debt."""
