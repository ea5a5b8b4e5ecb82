"""The `network` probe: TCP reachability of the portal, captive portals, the route taken.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
