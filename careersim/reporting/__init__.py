"""careersim.reporting."""
