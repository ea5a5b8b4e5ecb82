"""Probes: each looks at one part of the path to a portal login and records typed evidence."""
