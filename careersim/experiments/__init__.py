"""careersim.experiments."""
