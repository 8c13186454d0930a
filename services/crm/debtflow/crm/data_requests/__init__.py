"""Data-subject requests (PIPL art. 45, 46): exports of all crm and intake hold, corrections; both audited."""
