"""The `tls` probe: the handshake and the certificate chain the workstation is shown.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
