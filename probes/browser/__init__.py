"""The `browser` probe: a real headless browser loading the login page.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
