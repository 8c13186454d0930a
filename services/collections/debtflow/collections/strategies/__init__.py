"""Collection strategies: which treatment a debt gets (today a fixed table by DPD bucket)."""
