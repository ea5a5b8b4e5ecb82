"""The wording that decides a login attempt's outcome, table-driven, and the profile's own phrases."""

from __future__ import annotations

import pytest

from probes.profile import AccountMessages, Profile
from probes.text.account_messages import classify_lines, new_lines


@pytest.mark.parametrize("line, outcome", [
    ("Invalid username or password.", "invalid_credentials"),
    ("The user ID or password you entered is incorrect.", "invalid_credentials"),
    ("Those credentials do not match our records.", "invalid_credentials"),
    ("Incorrect password. Try again.", "invalid_credentials"),
    ("Your account has been locked after too many invalid attempts.", "locked"),
    ("You have been locked out. Contact your administrator.", "locked"),
    ("Too many failed sign-in attempts.", "locked"),
    ("Your password has expired.", "password_expired"),
    ("You must change your password before you continue.", "password_expired"),
    ("Enter the verification code we sent to your phone.", "mfa"),
    ("Open your authenticator app", "mfa"),
    ("Two-step verification", "mfa"),
    ("Welcome back, Dr. Jones", "success"),
])
def test_builtin_wording(line: str, outcome: str) -> None:
    verdict = classify_lines([line])
    assert verdict is not None and verdict.outcome == outcome and verdict.message == line


@pytest.mark.parametrize("line", [
    "Forgot your password?",
    "Accounts are protected by our security policy.",
    "We could not process your request (reference 4471).",
])
def test_ordinary_lines_say_nothing(line: str) -> None:
    assert classify_lines([line]) is None


def test_profile_wording_comes_first() -> None:
    profile = Profile(name="acme", title="Acme", login_url="https://portal.acme.test/login",
                      account_messages=AccountMessages(
                          invalid_credentials=[], mfa=[], password_expired=[], locked=["put on hold"]))
    verdict = classify_lines(["Invalid password: your access is put on hold"], profile)
    assert verdict is not None
    assert (verdict.outcome, verdict.source, verdict.pattern) == ("locked", "profile", "put on hold")


def test_only_new_lines_count() -> None:
    before = "Sign in\nAccounts are locked after 5 failed attempts."
    after = "Sign in\nAccounts are locked after 5 failed attempts.\n  Invalid   username or password. "
    assert new_lines(before, after) == ["Invalid username or password."]
