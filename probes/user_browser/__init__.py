"""The `user_browser` probe: the user's own browsers and profiles, read without changing them.

The probe is `probe.py`; `evidence.py` holds what it records, readable without loading the probe.
"""
