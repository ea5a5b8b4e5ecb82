"""The browser machinery the `browser` and `login` probes share.

Finding, starting and driving Chromium, watching a page, and the artifacts it leaves.
"""
