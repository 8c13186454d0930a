"""Planned collection actions: the steps of each case's path, checked by the contact policy and dispatched."""
