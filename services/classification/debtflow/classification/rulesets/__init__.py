"""Rule sets: the data every classification rule reads, versioned, validated, dry-run and activated by a second person."""
