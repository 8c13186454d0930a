"""Classifying debts: the pure rules, walking a debt through its change days, storing and announcing the result, reading it back and ranking debts by priority."""
