"""The support ticket's subject line: what a help desk reads first in its queue."""

from __future__ import annotations

from reports.ticket import subject
from tests.reports.sample import make_report


def test_the_subject_names_the_first_cause() -> None:
    assert subject(make_report()) == "Login to portal.example.com: The portal's certificate has expired (CRITICAL)"


def test_the_subject_of_a_run_without_a_cause_says_what_the_status_means() -> None:
    assert subject(make_report(status="ok")) == "Login to portal.example.com: nothing found that blocks logging in (OK)"
