"""The `clock` probe: the workstation's clock against NTP and the portal's Date header."""

from probes.clock.probe import ClockProbe

__all__ = ["ClockProbe"]
