"""The `status_page` probe: the portal's status page, when one is known.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
