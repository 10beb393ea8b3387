"""statelink: an open interstate law-enforcement message switch."""

from statelink import logs as _logs

__version__ = "0.1.0"

_logs.configure_default()
