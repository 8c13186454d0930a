"""Collection agencies: agencies and their commission schedules, placement rules, placements and recalls, what
agencies report (contacts, outcomes, payments), payments attributed to placements, and agency performance."""
