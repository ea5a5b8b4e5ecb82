"""Shared network helpers: resolving and pinning, connecting, CONNECT tunnels, TLS handshakes,
the HTTP client, proxy settings."""
