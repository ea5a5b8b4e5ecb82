"""The `dns` probe: the portal's name through the system (hosts file included) and the configured resolvers.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
