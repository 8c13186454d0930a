"""The portfolio read model: every debt's exposure, bucket and class, summarised per currency."""
