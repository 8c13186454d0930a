"""What classification knows of each debt: every consumed event applied to its facts, then the debt reclassified."""
