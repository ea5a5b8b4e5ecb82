"""The `proxy` probe: proxy settings (environment, system, PAC), the proxy path, VPN interfaces and routes."""

from probes.proxy.probe import ProxyProbe

__all__ = ["ProxyProbe"]
