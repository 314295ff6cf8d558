"""careersim.core."""
