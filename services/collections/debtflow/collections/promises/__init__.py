"""Promises to pay: made on a call, decided kept, partly kept or broken from intake's payments."""
