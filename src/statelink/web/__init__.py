"""Thin HTTP shells: the API (and later the dashboard)."""
