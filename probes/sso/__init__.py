"""The `sso` probe: the identity provider hosts the login goes through.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
