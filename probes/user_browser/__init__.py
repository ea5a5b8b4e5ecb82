"""The `user_browser` probe: the user's own browsers and profiles, read without changing them."""

from probes.user_browser.probe import UserBrowserProbe

__all__ = ["UserBrowserProbe"]
