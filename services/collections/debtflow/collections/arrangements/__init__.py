"""Payment plans and settlements: discount limits by role, borrower acceptance, tracking from payments."""
