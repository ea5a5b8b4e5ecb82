"""HAR redaction: what support receives keeps its structure and loses every secret."""

from __future__ import annotations

import json
from pathlib import Path

from probes.web.har_redact import REDACTED, redact_har, redact_url


def _har(tmp_path: Path) -> Path:
    entry = {
        "request": {
            "method": "POST",
            "url": "https://portal.test/login?next=%2Fhome&SAMLResponse=PHNhbWw%2B#access_token=eyJ0&x=1",
            "cookies": [{"name": "sid", "value": "c00kie"}],
            "headers": [
                {"name": "Cookie", "value": "sid=c00kie; theme=dark"},
                {"name": "Authorization", "value": "Bearer eyJhbGciOi"},
                {"name": "Referer", "value": "https://portal.test/start?code=abc&lang=en"},
                {"name": "Accept", "value": "text/html"},
            ],
            "queryString": [{"name": "next", "value": "/home"}, {"name": "SAMLResponse", "value": "PHNhbWw+"}],
            "postData": {"mimeType": "application/x-www-form-urlencoded",
                         "text": "username=dr.jones&password=Hunter%212", "params": [
                             {"name": "username", "value": "dr.jones"}, {"name": "password", "value": "Hunter%212"}]},
        },
        "response": {
            "status": 302, "cookies": [{"name": "sid", "value": "n3w"}],
            "headers": [{"name": "Set-Cookie", "value": "sid=n3w; Path=/; Secure; HttpOnly"},
                        {"name": "Location", "value": "/home?session=zzz"}],
            "redirectURL": "/home?session=zzz",
        },
    }
    api = {"request": {"method": "POST", "url": "https://portal.test/api/login", "headers": [],
                       "postData": {"mimeType": "application/json",
                                    "text": json.dumps({"user": "dr.jones", "pass": "Hunter!2", "remember": True})}},
           "response": {"status": 200, "headers": []}}
    path = tmp_path / "run.har"
    path.write_text(json.dumps({"log": {"pages": [{"title": "https://portal.test/?token=t0k"}],
                                        "entries": [entry, api]}}))
    return path


def test_secrets_are_removed_and_structure_kept(tmp_path: Path) -> None:
    path = _har(tmp_path)
    redact_har(path, ["Hunter!2", "dr.jones"])
    text = path.read_text()
    for secret in ("c00kie", "n3w", "eyJhbGciOi", "PHNhbWw", "eyJ0", "abc", "zzz", "t0k", "Hunter", "dr.jones"):
        assert secret not in text, secret
    har = json.loads(text)
    request = har["log"]["entries"][0]["request"]
    assert request["url"].startswith("https://portal.test/login?next=%2Fhome&SAMLResponse=")
    headers = {h["name"]: h["value"] for h in request["headers"]}
    assert headers["Cookie"] == f"sid={REDACTED}; theme={REDACTED}"
    assert headers["Referer"].endswith("lang=en") and "code=" in headers["Referer"]
    assert headers["Accept"] == "text/html"
    assert request["postData"]["text"] == f"username={REDACTED}&password={REDACTED}"
    response = har["log"]["entries"][0]["response"]
    assert response["headers"][0]["value"] == f"sid={REDACTED}; Path=/; Secure; HttpOnly"
    api = json.loads(har["log"]["entries"][1]["request"]["postData"]["text"])
    assert api == {"user": REDACTED, "pass": REDACTED, "remember": REDACTED}


def test_harmless_parameters_stay() -> None:
    assert redact_url("https://portal.test/help?lang=en&page=2") == "https://portal.test/help?lang=en&page=2"
    assert redact_url("https://idp.test/cb#id_token=abc&x=1") == f"https://idp.test/cb#id_token={REDACTED}&x=1"


def test_a_url_python_cannot_take_apart_still_loses_its_tokens() -> None:
    assert redact_url("http://[zz]/report?target=a&token=abc") == f"http://[zz]/report?target=a&token={REDACTED}"
