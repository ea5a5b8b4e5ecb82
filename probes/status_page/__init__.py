"""The `status_page` probe: the portal's status page, when one is known."""

from probes.status_page.probe import StatusPageProbe

__all__ = ["StatusPageProbe"]
