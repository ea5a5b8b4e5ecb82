"""The `sso` probe: the identity provider hosts the login goes through."""

from probes.sso.probe import SsoProbe

__all__ = ["SsoProbe"]
