"""The `clock` probe: the workstation's clock against NTP and the portal's Date header.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
