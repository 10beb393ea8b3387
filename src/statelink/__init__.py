"""statelink: an open interstate law-enforcement message switch."""

__version__ = "0.1.0"
