"""Re-ageing: every open debt advanced to a day, set-based, daily by the service itself or on demand."""
