"""The exchange standard shared by the hub and the adapters: message schemas and wire formats."""
