"""The `browser` probe: a real headless browser loading the login page."""

from probes.browser.probe import BrowserProbe

__all__ = ["BrowserProbe"]
