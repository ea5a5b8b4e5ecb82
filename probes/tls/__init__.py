"""The `tls` probe: the handshake and the certificate chain the workstation is shown."""

from probes.tls.probe import TlsProbe

__all__ = ["TlsProbe"]
