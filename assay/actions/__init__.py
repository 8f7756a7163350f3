"""Every state change is a function here; each owns its transaction."""
