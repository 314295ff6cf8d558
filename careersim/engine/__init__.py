"""careersim.engine."""
