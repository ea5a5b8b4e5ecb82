"""The engine: one diagnosis from a target and its settings to a report (runner, ranking, verdict, causes)."""
