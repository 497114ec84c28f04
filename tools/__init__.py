"""Developer tools: the synthetic population and the matching benchmark (not installed with the hub)."""
