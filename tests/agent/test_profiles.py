"""Profiles: every built-in one loads, and every broken file gets its own exact one-line message."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from agent.cli.main import main
from agent.engine.profiles import (
    IdentifierError,
    ProfileError,
    check_npi,
    dump_profile,
    format_profiles,
    load_profiles,
    parse_profiles,
    resolve_target,
    support_identifiers,
    unknown_profile_message,
)
from probes.profile import Profile
from probes.target import TargetError

BAD = Path(__file__).parent.parent / "data" / "profiles"

CASES = {
    "bad_toml.toml": "not valid TOML: Illegal character '\\n' (at line 2, column 14)",
    "no_portals.toml": "no [portal.<name>] tables found",
    "portal_not_table.toml": "portal: must hold [portal.<name>] tables, not a single value",
    "unknown_top_level.toml": "unknown top-level key 'portals' (profiles go in [portal.<name>] tables)",
    "missing_login_url.toml": "portal 'acme': login_url: required, but missing",
    "bad_status_page.toml": "portal 'acme': status_page: not a valid URL",
    "unknown_field.toml": "portal 'acme': staus_page: unknown field",
    "bad_identifier.toml": (
        "portal 'acme': support_identifiers[1]: must be 'provider_id', 'npi', 'tax_id' or 'practice_name'"
    ),
    "bad_browser_version.toml": (
        "portal 'acme': supported_browsers.chrome: 'latest' is not a version number such as \"110\""
    ),
    "unknown_browser.toml": (
        "portal 'acme': supported_browsers.opera: unknown name: "
        "must be 'chrome', 'chromium', 'edge', 'firefox' or 'safari'"
    ),
    "bad_idp_host.toml": (
        "portal 'acme': idp_hosts[1]: 'https://sso.acme.test/' is not a host name "
        "(give the host alone, not a URL)"
    ),
    "idp_hosts_not_list.toml": "portal 'acme': idp_hosts: must be a list",
    "bad_name.toml": "portal 'Acme Portal': name: use lower-case letters, digits, '-' and '_' (at most 63)",
    "bad_email.toml": "portal 'acme': support_contact.email: not an e-mail address",
    "unknown_account_message.toml": "portal 'acme': account_messages.lockd: unknown field",
    "name_mismatch.toml": "portal 'acme': name: 'acme2' differs from the table's name 'acme'",
    "two_problems.toml": "portal 'acme': login_url: not a valid URL (and 1 more problem)",
}


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BAD.glob("*.toml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_profile_message(name: str) -> None:
    path = BAD / name
    with pytest.raises(ProfileError) as caught:
        load_profiles(path)
    assert str(caught.value) == f"{path}: {CASES[name]}"
    assert "\n" not in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ProfileError) as caught:
        load_profiles(missing)
    assert str(caught.value) == f"{missing}: cannot read the file: No such file or directory"


def test_builtin_profiles_load() -> None:
    profiles = load_profiles()
    assert {"demo", "example"} <= set(profiles)
    for name, profile in profiles.items():
        assert isinstance(profile, Profile)
        assert profile.name == name
        assert profile.title and profile.login_url.startswith("https://")
    demo = profiles["demo"]
    assert demo.idp_hosts == ["sso.demo.test"]
    assert demo.login_selectors.password == "#password"
    assert demo.account_messages.locked


def test_builtin_profiles_use_no_real_hosts() -> None:
    for profile in load_profiles().values():
        urls = [profile.login_url, profile.status_page, *profile.idp_urls(), profile.support_contact.url]
        hosts = [urlsplit(u).hostname or "" for u in urls if u] + profile.idp_hosts
        assert all(h.endswith((".test", "example.com")) for h in hosts), hosts


def test_profile_file_adds_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[portal.example]\ntitle = "Ours"\nlogin_url = "https://ours.example.com/"\n\n'
        '[portal.acme]\ntitle = "Acme"\nlogin_url = "https://portal.acme.test/login"\n'
        'idp_hosts = ["SSO.Acme.test:8443"]\nsupport_identifiers = ["npi", "tax_id"]\n'
    )
    profiles = load_profiles(path)
    assert profiles["example"].title == "Ours"
    assert profiles["acme"].idp_hosts == ["sso.acme.test:8443"]
    assert "demo" in profiles


def test_unknown_profile_suggests_close_names() -> None:
    profiles = load_profiles()
    assert unknown_profile_message("dmeo", profiles) == (
        "'dmeo' is neither a URL nor a known portal profile; did you mean demo? "
        "(diagnose --list-profiles shows them)"
    )
    assert "did you mean" not in unknown_profile_message("zzzzzz", profiles)


def test_list_profiles_shows_each_portal() -> None:
    lines = format_profiles(load_profiles()).splitlines()
    assert any(line.startswith("demo ") and "https://portal.demo.test/login" in line for line in lines)


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", " 1234567893 "])
def test_valid_npi(npi: str) -> None:
    assert check_npi(npi) == npi.strip()


@pytest.mark.parametrize(
    ("npi", "problem"),
    [
        ("1234567890", "the check digit does not match (a typing error?)"),
        ("123456789", "an NPI is exactly 10 digits"),
        ("12345678931", "an NPI is exactly 10 digits"),
        ("12345abcde", "an NPI is exactly 10 digits"),
        ("", "an NPI is exactly 10 digits"),
    ],
)
def test_invalid_npi(npi: str, problem: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        check_npi(npi)
    assert str(caught.value) == f"--npi {npi!r}: {problem}"


def test_dump_profile_round_trips() -> None:
    for profile in load_profiles().values():
        text = dump_profile(profile)
        assert parse_profiles(text, "dumped.toml") == {profile.name: profile}


def test_resolve_target_by_name_url_and_login_url(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[portal.acme]\ntitle = "Acme"\nlogin_url = "https://portal.acme.test/login"\n')
    target, profile = resolve_target("acme", str(path))
    assert (target.url, target.profile, profile and profile.name) == ("https://portal.acme.test/login", "acme", "acme")
    target, profile = resolve_target("https://PORTAL.acme.test:443/login", str(path))
    assert (target.profile, profile and profile.name) == ("acme", "acme")
    target, profile = resolve_target("https://other.test/", str(path))
    assert (target.profile, profile) == (None, None)
    with pytest.raises(TargetError):
        resolve_target("portal.acme.test")
    with pytest.raises(ProfileError, match="did you mean acme"):
        resolve_target("acmee", str(path))


def test_support_identifiers() -> None:
    assert support_identifiers("1234567893", " P-889 ", "123456789", "Main Street Clinic") == {
        "npi": "1234567893", "provider_id": "P-889", "tax_id": "12-3456789", "practice_name": "Main Street Clinic",
    }
    assert support_identifiers(None, None, None, "") == {}
    with pytest.raises(IdentifierError, match="a tax ID"):
        support_identifiers(None, None, "12-345", None)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dmeo"], "'dmeo' is neither a URL nor a known portal profile; did you mean demo? "
                   "(diagnose --list-profiles shows them)"),
        (["--npi", "1234567890", "https://portal.example.test/"],
         "--npi '1234567890': the check digit does not match (a typing error?)"),
        (["--profile-file", str(BAD / "unknown_field.toml"), "https://portal.example.test/"],
         f"{BAD / 'unknown_field.toml'}: portal 'acme': staus_page: unknown field"),
        (["--profile-file", str(BAD / "bad_toml.toml"), "--list-profiles"],
         f"{BAD / 'bad_toml.toml'}: not valid TOML: Illegal character '\\n' (at line 2, column 14)"),
    ],
)
def test_command_line_errors_are_one_line_exit_3(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 3
    assert capsys.readouterr().err == f"diagnose: {message}\n"


def test_list_profiles_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[portal.acme]\ntitle = "Acme"\nlogin_url = "https://portal.acme.test/login"\n')
    assert main(["--list-profiles", "--profile-file", str(path)]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["acme", "demo", "example"]


def test_profile_target_runs_with_its_profile(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = sock.getsockname()[1]
        path = tmp_path / "mine.toml"
        path.write_text(f'[portal.acme]\ntitle = "Acme"\nlogin_url = "https://127.0.0.1:{port}/login"\n')
        report = tmp_path / "report.json"
        code = main(["acme", "--profile-file", str(path), "--only", "dns,network", "--npi", "1234567893",
                     "--captive-check", "off", "--json", str(report)])
    document = json.loads(report.read_text())
    assert (code, document["target"]["profile"], document["causes"][0]["id"]) == (2, "acme", "network.refused")
    assert document["support"]["identifiers"] == {"npi": "1234567893"}
