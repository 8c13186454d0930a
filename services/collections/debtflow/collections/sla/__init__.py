"""The collections SLA: how soon identified debts get their first action and a running strategy."""
