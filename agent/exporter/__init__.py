"""`diagnose serve`: the Prometheus exporter, its configuration, metrics and health check."""
