"""careersim.config."""
