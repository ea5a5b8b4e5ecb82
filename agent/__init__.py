"""The diagnose agent: runs the probes, ranks their findings into causes, drives the command line."""

__version__ = "0.1.0"
