"""Vulnerability flags (health, bereavement, disability, financial distress, elderly): a specialist team's borrowers."""
