"""The letters are printed in the dashboard tests' headless chromium (Debian's, installed
if missing), to count their pages."""

from tests.web.conftest import browser, chromium

__all__ = ["browser", "chromium"]
