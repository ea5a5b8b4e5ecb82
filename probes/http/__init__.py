"""The `http` probe: the login URL's answers, status, redirects and maintenance banners.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
