"""Collectors and their work: teams and skills, the worklist, claims on cases, and the outcomes of contacts."""
