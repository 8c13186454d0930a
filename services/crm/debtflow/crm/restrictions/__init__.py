"""Contact restrictions: cease contact, only through a representative, only at stated times, no third parties."""
