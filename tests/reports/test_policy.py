"""Who may see the outcome reports."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth.models import Discipline, Role
from coresponse.privacy import policy
from tests.factories import make_user


@pytest.mark.parametrize(
    ("role", "discipline", "allowed"),
    [
        (Role.SUPERVISOR, Discipline.POLICE, True),
        (Role.SUPERVISOR, Discipline.CLINICAL, True),
        (Role.ANALYST, None, True),
        (Role.ADMIN, None, True),
        (Role.CLINICIAN, None, False),
        (Role.OFFICER, None, False),
    ],
)
def test_reports_are_for_supervisors_analysts_and_admins(
    app: Flask, role: Role, discipline: Discipline | None, allowed: bool
) -> None:
    assert policy.can_view_reports(make_user(role, discipline=discipline)) is allowed


def test_a_disabled_account_sees_no_reports(app: Flask) -> None:
    assert not policy.can_view_reports(make_user(Role.ANALYST, active=False))
