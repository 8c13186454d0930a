"""debtflow collections: collection strategies, contact scheduling and hand-over to legal."""
