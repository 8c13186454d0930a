"""Disposals decided elsewhere (settlement by collections, sale and write-off by legal) closing debts here."""
