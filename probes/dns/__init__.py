"""The `dns` probe: the portal's name through the system (hosts file included) and the configured resolvers."""

from probes.dns.probe import DnsProbe

__all__ = ["DnsProbe"]
