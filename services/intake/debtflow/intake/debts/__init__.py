"""The debt register: each defaulted loan the lending cores report, its balances, schedule and every change."""
