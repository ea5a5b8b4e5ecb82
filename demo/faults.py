"""The demo portal's faults, as data: what each one breaks, and the cause the agent should name first.

A fault is a handful of knobs on the demo's servers (a DNS answer, a certificate kind, a
proxy mode, a clock offset, the pages the portal or the status page serve, the account
used), never a diagnosis: the demo only misbehaves, and the real agent finds out how.
`expect` is what the agent is expected to rank first, which the end-to-end tests check.
"""

from __future__ import annotations

from dataclasses import dataclass

CLOCK_OFFSET = 600.0  # seconds the references run ahead: the workstation looks 10 minutes slow


@dataclass(frozen=True)
class Fault:
    """One way the demo portal misbehaves."""

    name: str
    family: str
    description: str
    expect: str
    browser: bool = False  # only the browser (or a login attempt) can see it
    dns: str | None = None  # demo.dns_server fault for the portal's name
    refused: bool = False  # the portal's port refuses connections
    silent: bool = False  # the portal's port accepts connections and never answers (no TLS handshake)
    tls: str = "valid"  # demo.certs kind of the portal's certificate
    proxy: str | None = None  # demo.proxy_server mode, or "unreachable" for a proxy that is not there
    clock: float = 0.0  # how far ahead the NTP server and the portal's Date header run
    ntp_silent: bool = False  # the NTP server never answers (the Date header is the only reference)
    portal: str = "normal"  # which set of pages the portal serves (demo.pages)
    status: str = "ok"  # what the status page reports (demo.status)
    idp: str = "ok"  # ok | down | cert_expired
    user: str = "demo.user"  # the account the login attempt uses (demo.pages.ACCOUNTS)


_ALL = [
    Fault("dns-nxdomain", "dns", "the DNS server says portal.demo.test does not exist", "dns.nxdomain",
          dns="nxdomain"),
    Fault("dns-servfail", "dns", "the DNS server fails (SERVFAIL) for the portal's name", "dns.servfail",
          dns="servfail"),
    Fault("dns-timeout", "dns", "the DNS server never answers for the portal's name", "dns.timeout",
          dns="timeout"),
    Fault("refused", "network", "nothing listens on the portal's port", "network.refused", refused=True),
    Fault("tls-hung", "tls", "the portal's port accepts connections but never answers the TLS handshake",
          "tls.handshake_failure", silent=True),
    Fault("http-hung", "outage", "the portal completes the TLS handshake but never answers the request",
          "portal.outage", portal="hung"),
    Fault("tls-expired", "tls", "the portal's certificate expired a month ago", "tls.cert_expired",
          tls="expired"),
    Fault("tls-wrong-host", "tls", "the portal's certificate names another host", "tls.hostname_mismatch",
          tls="wrong_host"),
    Fault("tls-self-signed", "tls", "the portal shows a self-signed certificate", "tls.untrusted_issuer",
          tls="self_signed"),
    Fault("tls-incomplete-chain", "tls", "the portal does not send its intermediate certificate",
          "tls.incomplete_chain", tls="incomplete_chain"),
    Fault("tls-intercepted", "tls", "a proxy re-signs the portal's traffic with its own CA (mitmproxy)",
          "tls.intercepted", proxy="mitm"),
    Fault("proxy-auth", "proxy", "the proxy demands a password (407)", "proxy.auth_required",
          proxy="auth_required"),
    Fault("proxy-blocked", "proxy", "the proxy refuses to carry traffic to the portal (403)", "proxy.blocked",
          proxy="forbidden"),
    Fault("proxy-unreachable", "proxy", "the configured proxy is not running", "proxy.unreachable",
          proxy="unreachable"),
    Fault("clock-skew", "clock", "the workstation's clock is 10 minutes slow (NTP and the portal agree)",
          "clock.skew", clock=CLOCK_OFFSET),
    Fault("clock-skew-date", "clock", "the clock is 10 minutes slow; NTP is blocked, the portal's Date header tells",
          "clock.skew", clock=CLOCK_OFFSET, ntp_silent=True),
    Fault("maintenance", "maintenance", "the portal is down for maintenance now (503, status page agrees)",
          "portal.maintenance", portal="maintenance", status="maintenance"),
    Fault("maintenance-scheduled", "maintenance", "maintenance is announced for tomorrow night",
          "portal.maintenance_scheduled", portal="announced", status="scheduled"),
    Fault("outage", "outage", "the portal answers 500 and its status page reports a major outage",
          "portal.outage", portal="outage", status="outage"),
    Fault("redirect-loop", "redirect", "the login page redirects to itself through a sign-in hop",
          "portal.redirect_loop", portal="loop"),
    Fault("script-error", "browser", "the login page's script throws, so the Sign in button stays disabled",
          "browser.script_error", browser=True, portal="script_error"),
    Fault("unsupported-browser", "browser", "the portal refuses this browser", "browser.unsupported",
          browser=True, portal="unsupported"),
    Fault("resource-blocked", "browser", "the login page's script is blocked (403), so the form never works",
          "browser.resource_blocked", browser=True, portal="resource_blocked"),
    Fault("idp-unreachable", "sso", "the identity provider sso.demo.test does not accept connections",
          "sso.idp_unreachable", idp="down"),
    Fault("idp-cert-expired", "sso", "the identity provider's SAML signing certificate has expired",
          "sso.idp_cert_expired", idp="cert_expired"),
    Fault("wrong-password", "account", "the login is tried with a wrong password", "account.invalid_credentials",
          browser=True, user="wrong.password"),
    Fault("account-locked", "account", "the login is tried with a locked account", "account.locked",
          browser=True, user="locked.user"),
    Fault("password-expired", "account", "the login is tried with an expired password", "account.password_expired",
          browser=True, user="expired.user"),
    Fault("login-rejected", "account", "the portal refuses the sign-in with a short message of its own",
          "account.login_rejected", browser=True, user="rejected.user"),
    Fault("login-throttled", "account", "the portal refuses the sign-in after too many recent attempts",
          "account.locked", browser=True, user="throttled.user"),
]

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _ALL}
HEALTHY = Fault("healthy", "none", "everything works; the login reaches the MFA prompt", "")


def describe_faults() -> str:
    """The `--list-faults` table: name, what breaks, the cause expected first."""
    width = max(len(name) for name in FAULTS)
    lines = [f"{f.name:<{width}}  {f.description} -> {f.expect}" for f in FAULTS.values()]
    return "\n".join(lines)
