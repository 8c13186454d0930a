"""Collection cases: one per debt, its segment, strategy, next action, and the hand-over to legal."""
