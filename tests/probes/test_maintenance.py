"""Maintenance wording: which sentences say the portal is down now, which announce it for later."""

from __future__ import annotations

import pytest

from probes.text.maintenance import find_maintenance, sentences
from probes.text.page_text import read_page


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("We are down for scheduled maintenance.", "now"),
        ("The site is currently undergoing maintenance.", "now"),
        ("Service Temporarily Unavailable", "now"),
        ("We\u2019ll be back soon!", "now"),
        ("We'll be back shortly.", "now"),
        ("Maintenance in progress", "now"),
        ("System upgrade in progress.", "now"),
        ("We are currently upgrading our systems.", "now"),
        ("Scheduled maintenance this Saturday 10 PM - 2 AM ET.", "announced"),
        ("The portal will be down for maintenance on Saturday from 10 p.m. to 2 a.m. ET.", "announced"),
        ("This service will be unavailable Sunday 02:00-04:00 UTC.", "announced"),
        ("A system upgrade is planned for next week.", "announced"),
        ("Planned downtime: Sunday 02:00-04:00 UTC", "announced"),
        ("Our maintenance window is Sundays 1-3 AM.", "announced"),
    ],
)
def test_wording_is_grouped(text: str, group: str) -> None:
    (match,) = find_maintenance(text)
    assert match.group == group
    assert match.sentence == text


@pytest.mark.parametrize(
    "text",
    [
        "Sign in to your account. Forgot your password?",
        "Login will be unavailable if cookies are disabled.",
        "Read our maintenance FAQ.",
        "You may be asked for a one-time code.",
    ],
)
def test_ordinary_login_text_has_no_match(text: str) -> None:
    assert find_maintenance(text) == []


def test_sentences_keep_times_together_and_split_lines() -> None:
    text = "Back at 2 a.m. ET on Sunday. Thanks!\nSecond   line"
    assert sentences(text) == ["Back at 2 a.m. ET on Sunday.", "Thanks!", "Second line"]


def test_only_the_matching_sentence_is_quoted_once() -> None:
    text = "Welcome. We are down for maintenance. Sorry!\nWe are down for maintenance."
    assert [m.sentence for m in find_maintenance(text)] == ["We are down for maintenance."]


def test_a_run_on_text_is_clipped_around_the_match() -> None:
    text = "word " * 200 + "down for maintenance " + "word " * 200
    (match,) = find_maintenance(text)
    assert "down for maintenance" in match.sentence and len(match.sentence) <= 300


def test_page_text_skips_scripts_and_finds_the_password_field() -> None:
    page = read_page(
        "<html><head><title> Sign in </title><script>var s = 'down for maintenance';</script></head>"
        "<body><div>Hello <b>world</b></div><p>Scheduled maintenance this Saturday.</p>"
        "<form><input type=PASSWORD name=p></form></body></html>"
    )
    assert page.title == "Sign in"
    assert page.text == "Hello world\nScheduled maintenance this Saturday."
    assert page.has_password_field
    assert [m.group for m in find_maintenance(page.text)] == ["announced"]
