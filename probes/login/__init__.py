"""The `login` probe: a login attempt, only when credentials are given."""

from probes.login.probe import LoginProbe

__all__ = ["LoginProbe"]
