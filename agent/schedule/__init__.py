"""Scheduled runs: the history of runs and the alerts sent when the status changes."""
