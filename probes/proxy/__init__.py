"""The `proxy` probe: proxy settings (environment, system, PAC), the proxy path, VPN interfaces and routes.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
