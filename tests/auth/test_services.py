"""Account services, without HTTP."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth import services
from coresponse.auth.models import Discipline, Role
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db
from coresponse.teams.models import TeamMembership
from tests.factories import PASSWORD, add_to_team, make_team, make_user

NEW_PASSWORD = "a brand new passphrase"


def test_create_user_normalises_username_and_hashes_password(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    user = services.create_user(
        "  JMorales ",
        full_name=" Julia Morales ",
        # An analyst reads no person's record: active at once, no approval to wait for.
        role=Role.ANALYST,
        password=NEW_PASSWORD,
        by=admin,
    )
    assert user.username == "jmorales"
    assert user.full_name == "Julia Morales"
    assert NEW_PASSWORD not in user.password_hash
    assert services.authenticate("JMORALES", NEW_PASSWORD) is user
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.CREATE))
    assert [e.record_id for e in audit] == [str(user.id)]


def test_create_user_refuses_a_taken_username(app: Flask) -> None:
    make_user(username="taken")
    with pytest.raises(Conflict, match="already taken"):
        services.create_user(
            "Taken", full_name="X", role=Role.ANALYST, password=NEW_PASSWORD, by=None
        )


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 12"), ("x" * 129, "at most 128"), ("mynameisdana1234", "username")],
)
def test_create_user_refuses_weak_passwords(app: Flask, password: str, message: str) -> None:
    with pytest.raises(DomainError, match=message) as info:
        services.create_user(
            "dana", full_name="Dana", role=Role.ANALYST, password=password, by=None
        )
    assert info.value.field == "password"


def test_supervisors_need_a_discipline_and_others_have_none(app: Flask) -> None:
    with pytest.raises(DomainError, match="police or clinical"):
        services.create_user(
            "sarge", full_name="S", role=Role.SUPERVISOR, password=NEW_PASSWORD, by=None
        )
    officer = services.create_user(
        "ofc", full_name="O", role=Role.OFFICER, discipline=Discipline.CLINICAL,
        password=NEW_PASSWORD, by=None,
    )  # fmt: skip
    assert officer.discipline is None
    assert not officer.is_clinical


def test_supervisor_discipline_decides_police_or_clinical(app: Flask) -> None:
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    clinical = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    assert not sergeant.is_clinical
    assert clinical.is_clinical
    assert sergeant.role_label == "Police supervisor"


@pytest.mark.parametrize("username", ["a", "has space", "ünicode", "-dash-first", "x" * 64])
def test_create_user_refuses_bad_usernames(app: Flask, username: str) -> None:
    with pytest.raises(DomainError, match="Username must be"):
        services.create_user(
            username, full_name="X", role=Role.ANALYST, password=NEW_PASSWORD, by=None
        )


def test_authenticate_rejects_wrong_password_unknown_user_and_disabled_account(app: Flask) -> None:
    user = make_user(username="ana")
    assert services.authenticate("ana", PASSWORD) is user
    assert services.authenticate("ana", "wrong password!!") is None
    assert services.authenticate("nobody", PASSWORD) is None
    user.active = False
    assert services.authenticate("ana", PASSWORD) is None
    failed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.LOGIN_FAILED)
    ).all()
    # Unknown usernames are on the record too, without the name that was typed.
    assert [(e.record_id, e.detail) for e in failed] == [
        (str(user.id), "wrong password"),
        (None, "unknown username"),
        (str(user.id), "account disabled"),
    ]
    assert all("nobody" not in (e.detail or "") for e in failed)


def test_disable_ends_sessions_and_team_membership(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    team = make_team()
    officer = make_user(Role.OFFICER)
    add_to_team(team, officer)
    version = officer.session_version
    services.disable_user(officer, by=admin)
    assert not officer.active and officer.disabled_at is not None
    assert officer.session_version == version + 1
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == officer.id)
    )
    assert membership.left_at is not None
    assert membership.leave_reason == "account disabled"
    with pytest.raises(DomainError, match="already disabled"):
        services.disable_user(officer, by=admin)
    services.enable_user(officer, by=admin)
    assert officer.active


def test_admins_cannot_disable_themselves_or_the_last_admin(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    with pytest.raises(DomainError, match="your own account"):
        services.disable_user(admin, by=admin)
    with pytest.raises(DomainError, match="last active administrator"):
        services.disable_user(admin, by=None)


def test_reset_password_forces_a_change_and_ends_sessions(app: Flask) -> None:
    user = make_user()
    version = user.session_version
    services.reset_password(user, NEW_PASSWORD, by=None)
    assert user.must_change_password
    assert user.session_version == version + 1
    assert services.authenticate(user.username, NEW_PASSWORD) is user
    with pytest.raises(DomainError, match="at least 12"):
        services.reset_password(user, "short", by=None)


def test_change_own_password_checks_the_current_one(app: Flask) -> None:
    user = make_user(must_change_password=True)
    with pytest.raises(DomainError, match="current password is not correct"):
        services.change_own_password(user, "not my password", NEW_PASSWORD)
    with pytest.raises(DomainError, match="must differ"):
        services.change_own_password(user, PASSWORD, PASSWORD)
    services.change_own_password(user, PASSWORD, NEW_PASSWORD)
    assert not user.must_change_password
    assert services.authenticate(user.username, NEW_PASSWORD) is user


def test_role_change_is_refused_while_on_a_team_and_for_oneself(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    officer = make_user(Role.OFFICER)
    team = make_team(name="Bronx North")
    add_to_team(team, officer)
    with pytest.raises(DomainError, match="is on Bronx North"):
        services.update_user(officer, full_name="X", role=Role.CLINICIAN, by=admin)
    with pytest.raises(DomainError, match="your own role"):
        services.update_user(admin, full_name="A", role=Role.ANALYST, by=admin)
    services.update_user(
        officer, full_name="New Name", role=Role.OFFICER, email="o@x.org", by=admin
    )
    assert officer.full_name == "New Name" and officer.email == "o@x.org"
