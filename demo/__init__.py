"""A misbehaving portal on loopback: servers that play a healthy portal or inject one fault.

It backs `diagnose demo` and the test suite. It is a portal, never a second agent:
nothing here diagnoses anything.
"""
