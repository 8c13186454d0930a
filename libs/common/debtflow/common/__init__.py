"""debtflow.common: the library every debtflow service shares (events, messaging, db, web, auth, settings)."""
