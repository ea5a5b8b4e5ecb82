"""The `network` probe: TCP reachability of the portal, captive portals, the route taken."""

from probes.network.probe import NetworkProbe

__all__ = ["NetworkProbe"]
