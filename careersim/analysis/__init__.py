"""careersim.analysis."""
