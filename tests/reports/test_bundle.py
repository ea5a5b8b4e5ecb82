"""The support bundle of a real run: folder and zip, ticket.txt, relative paths, schema with formats."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from agent.cli.main import main
from reports.schema import shipped


def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(shipped())
    return cls(shipped(), format_checker=cls.FORMAT_CHECKER)


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.chdir(tmp_path)
    code = main(["demo", *args, "--json", "r.json", "--timeout", "20"])
    return code, json.loads((tmp_path / "r.json").read_text())


def test_bundle_folder_zip_ticket_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = _run(tmp_path, monkeypatch, "--fault", "account-locked", "--bundle", "support.zip")
    assert code == 2 and report["causes"][0]["id"] == "account.locked"
    folder = tmp_path / "r-bundle"
    inside = json.loads((folder / "report.json").read_text())
    for document, base in ((report, tmp_path), (inside, folder)):
        _validator().validate(document)
        support = document["support"]
        assert support["screenshot_step"] == "login"  # the screen with the portal's answer
        for path in (support["screenshot"], support["har"]):
            assert not Path(path).is_absolute() and (base / path).is_file(), path
    assert report["bundle"] == {"folder": "r-bundle", "zip": "support.zip"}
    assert report["started_at"].endswith("Z") and re.search(r"[-+]0[45]:00$", report["started_at_local"])
    assert report["time_zone"] == "America/New_York"
    ticket = (folder / "ticket.txt").read_text()
    assert ticket.startswith("Subject: Login to portal.demo.test: The portal says the account is locked")
    assert f"Run id: {report['run_id']}" in ticket and "America/New_York" in ticket
    assert "User id: l*********r" in ticket  # locked.user, first and last character only
    assert "locked after too many failed attempts" in ticket and "Provider ID: missing" in ticket
    with zipfile.ZipFile(tmp_path / "support.zip") as archive:
        names = set(archive.namelist())
    expected = {"report.json", "report.html", "ticket.txt", inside["support"]["screenshot"], inside["support"]["har"]}
    assert {f"r-bundle/{name}" for name in expected} <= names
    assert "data:image/png;base64," in (folder / "report.html").read_text()


def test_format_checking_is_on() -> None:
    bad = {"started_at": "yesterday"}
    schema = {"type": "object", "properties": {"started_at": {"type": "string", "format": "date-time"}}}
    cls = jsonschema.validators.validator_for(shipped())
    with pytest.raises(jsonschema.ValidationError):
        cls(schema, format_checker=cls.FORMAT_CHECKER).validate(bad)


def test_message_the_user_saw_is_ranked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = _run(tmp_path, monkeypatch, "--skip", "browser,login,user_browser",
                        "--message", "Your account has been locked. Call support.")
    assert code == 2
    first = report["causes"][0]
    assert (first["id"], first["probe"], first["owner"]) == ("account.locked", "message", "account")
    assert report["support"]["error_text"][0] == "Your account has been locked. Call support."
    _validator().validate(report)
