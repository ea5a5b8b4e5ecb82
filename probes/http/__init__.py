"""The `http` probe: the login URL's answers, status, redirects and maintenance banners."""

from probes.http.probe import HttpProbe

__all__ = ["HttpProbe"]
