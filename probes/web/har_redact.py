"""Redact a HAR file before anyone sees it: cookies, authorization, tokens in URLs, form values.

A HAR is the most useful thing a support engineer can get, and the most dangerous:
it records session cookies, bearer tokens, SAML assertions in query strings and the
login form's fields. What to remove is data (`data/har_redaction.toml`); the structure
kept (names, attributes, order) is what makes the file still useful. The secrets the
run knows (the password, the user name) are then removed wherever they still appear,
in plain and URL-encoded form.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
_DATA = Path(__file__).with_name("data") / "har_redaction.toml"


@cache
def _rules() -> tuple[frozenset[str], re.Pattern[str], frozenset[str]]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    words = re.compile("|".join(re.escape(w) for w in data["parameter_words"]), re.IGNORECASE)
    return frozenset(data["headers"]), words, frozenset(data["url_headers"])


def sensitive_parameter(name: str) -> bool:
    return _rules()[1].search(name) is not None


def redact_url(url: str) -> str:
    """`url` with the values of token-like query and fragment parameters replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an invalid [IPv6] host: the query is still plain text after the first '?'
        head, mark, query = url.partition("?")
        return head + mark + _redact_pairs(query)
    return urlunsplit(parts._replace(query=_redact_pairs(parts.query), fragment=_redact_pairs(parts.fragment)))


def _redact_pairs(text: str) -> str:
    if "=" not in text:
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(k, REDACTED if sensitive_parameter(k) else v) for k, v in pairs], safe="[]")


def _redact_cookie_header(name: str, value: str) -> str:
    """Cookie values go; names and (for Set-Cookie) attributes stay, they explain cookie problems."""
    if name == "cookie":
        return "; ".join(f"{part.split('=', 1)[0].strip()}={REDACTED}" for part in value.split(";") if part.strip())
    lines = []
    for line in value.split("\n"):
        first, sep, attributes = line.partition(";")
        lines.append(f"{first.split('=', 1)[0].strip()}={REDACTED}" + (sep + attributes if sep else ""))
    return "\n".join(lines)


def _headers(headers: list[dict[str, Any]]) -> None:
    secret_headers, _, url_headers = _rules()
    for header in headers:
        name = str(header.get("name", "")).lower()
        value = str(header.get("value", ""))
        if name in ("cookie", "set-cookie"):
            header["value"] = _redact_cookie_header(name, value)
        elif name in secret_headers:
            header["value"] = REDACTED
        elif name in url_headers:
            header["value"] = redact_url(value)


def _json_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_values(v) for v in value]
    return REDACTED


def _post_data(post: dict[str, Any]) -> None:
    for param in post.get("params") or []:
        param["value"] = REDACTED
    text = post.get("text")
    if not text:
        return
    mime = str(post.get("mimeType", "")).lower()
    if "json" in mime:
        try:
            post["text"] = json.dumps(_json_values(json.loads(text)))
            return
        except ValueError:
            pass
    elif "x-www-form-urlencoded" in mime:
        post["text"] = urlencode([(k, REDACTED) for k, _ in parse_qsl(text, keep_blank_values=True)], safe="[]")
        return
    post["text"] = f"{REDACTED} ({len(text)} characters)"


def redact_entry(entry: dict[str, Any]) -> None:
    """Redact one `log.entries[]` item in place."""
    for side in ("request", "response"):
        part = entry.get(side) or {}
        for cookie in part.get("cookies") or []:
            cookie["value"] = REDACTED
        _headers(part.get("headers") or [])
        if "url" in part:
            part["url"] = redact_url(str(part["url"]))
        if part.get("redirectURL"):
            part["redirectURL"] = redact_url(str(part["redirectURL"]))
        for param in part.get("queryString") or []:
            if sensitive_parameter(str(param.get("name", ""))):
                param["value"] = REDACTED
        if part.get("postData"):
            _post_data(part["postData"])


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def redact_or_remove(path: Path, secrets: Iterable[str] = ()) -> bool:
    """Redact the HAR at `path`, or delete it when it cannot be redacted; True when a redacted HAR remains.

    Called from cleanup, cancelled runs included: an unredacted HAR never outlives its probe.
    """
    if not path.exists():
        return False
    try:
        redact_har(path, secrets)
    except Exception:  # noqa: BLE001 - a HAR that cannot be redacted (half written) is deleted, not kept
        path.unlink(missing_ok=True)
        return False
    return True


def redact_har(path: Path, secrets: Iterable[str] = ()) -> None:
    """Rewrite the HAR at `path` redacted; the known `secrets` are removed wherever they remain."""
    har = json.loads(path.read_text(encoding="utf-8"))
    log = har.get("log") or {}
    for entry in log.get("entries") or []:
        redact_entry(entry)
    for page in log.get("pages") or []:
        if page.get("title"):
            page["title"] = redact_url(str(page["title"]))
    forms = sorted({form for secret in secrets if secret for form in _forms(secret) if form}, key=len, reverse=True)
    path.write_text(json.dumps(_scrub(har, forms), indent=1, ensure_ascii=False), encoding="utf-8")


def _scrub(value: Any, forms: list[str]) -> Any:
    """Every string value with each secret's forms replaced; the structure is never touched as text."""
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, forms) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, forms) for item in value]
    return value
