"""The `login` probe: a login attempt, only when credentials are given.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
