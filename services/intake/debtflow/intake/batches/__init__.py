"""Batches: many defaults, payments or snapshots in one request (JSON array, NDJSON or CSV), each item on its own."""
