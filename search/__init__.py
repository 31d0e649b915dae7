"""Chinese full-text search, a leaf package: it imports nothing from ``services``."""
