"""Channels: the contact data replica, message templates and their wording check, gateways, delivery receipts."""
