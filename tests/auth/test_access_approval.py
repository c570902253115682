"""Four eyes for access, without HTTP: a role that reads people's records waits for a
second person, a supervisor who did not ask for it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditAction
from coresponse.auth import services
from coresponse.auth.models import AccessRequest, AccessRequestStatus, Discipline, Role, User
from coresponse.auth.queries import pending_access_request
from coresponse.auth.tokens import TokenError, create_token
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db
from coresponse.privacy import policy
from tests.auth.helpers import events as _events
from tests.auth.helpers import pending_request as _request
from tests.factories import PASSWORD, add_to_team, make_team, make_user

NEW_PASSWORD = "a brand new passphrase"


def _create(role: Role, *, by: User | None, discipline: Discipline | None = None) -> User:
    return services.create_user(
        f"new.{role.value}", full_name="Jordan Blake", role=role, discipline=discipline,
        password=NEW_PASSWORD, by=by,
    )  # fmt: skip


def test_an_administrators_clinical_supervisor_waits_and_cannot_log_in(app: Flask) -> None:
    """The reported failure: an admin made a clinical supervisor and logged in as it."""
    admin = make_user(Role.ADMIN, username="dana")
    user = _create(Role.SUPERVISOR, discipline=Discipline.CLINICAL, by=admin)
    assert not user.active and not user.access_approved
    assert not policy.can_read_clinical(user) and not policy.sees_all_cases(user)
    with pytest.raises(services.AccessNotApproved, match="has not been approved yet"):
        services.authenticate(user.username, NEW_PASSWORD)
    request = _request(user)
    assert request.approver_discipline is Discipline.CLINICAL
    assert request.is_new_account and request.requested_by_id == admin.id
    (created,) = _events(AuditAction.CREATE)
    assert created.username == "dana" and created.record_id == str(user.id)
    assert "inactive until a clinical supervisor approves it" in (created.detail or "")
    (refused,) = _events(AuditAction.LOGIN_FAILED)
    assert refused.detail == "access not approved yet"


def test_the_administrator_cannot_approve_and_nor_can_the_wrong_side(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    user = _create(Role.SUPERVISOR, discipline=Discipline.CLINICAL, by=admin)
    request = _request(user)
    with pytest.raises(services.ApprovalRefused, match="Only a supervisor"):
        services.approve_access_request(request, by=admin)
    with pytest.raises(services.ApprovalRefused, match="decided by a clinical supervisor"):
        services.approve_access_request(request, by=sergeant)
    with pytest.raises(services.ApprovalRefused, match="decided by a clinical supervisor"):
        services.reject_access_request(request, by=sergeant)
    assert request.status is AccessRequestStatus.PENDING and not user.active


def test_police_access_is_approved_by_a_police_supervisor(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    clinical = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    officer = _create(Role.OFFICER, by=admin)
    request = _request(officer)
    assert request.approver_discipline is Discipline.POLICE
    with pytest.raises(services.ApprovalRefused, match="police supervisor"):
        services.approve_access_request(request, by=clinical)
    services.approve_access_request(request, by=sergeant)
    assert officer.active


def test_whoever_created_the_account_cannot_approve_it(app: Flask) -> None:
    """The creator is no second pair of eyes, even after becoming a supervisor."""
    creator = make_user(Role.ADMIN)
    make_user(Role.ADMIN)  # the administrator who later changes the creator's role
    clinician = _create(Role.CLINICIAN, by=creator)
    # Made a clinical supervisor on the server (no approval there), by someone else.
    services.update_user(
        creator, full_name=creator.full_name, role=Role.SUPERVISOR,
        discipline=Discipline.CLINICAL, by=None,
    )  # fmt: skip
    request = _request(clinician)
    with pytest.raises(services.ApprovalRefused, match="another supervisor must decide"):
        services.approve_access_request(request, by=creator)
    assert not clinician.active


def test_a_supervisor_cannot_approve_their_own_change_of_role(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    services.update_user(
        sergeant, full_name=sergeant.full_name, role=Role.SUPERVISOR,
        discipline=Discipline.CLINICAL, by=admin,
    )  # fmt: skip
    request = _request(sergeant)
    # Still a police supervisor while it waits: and never the one to decide it.
    assert sergeant.discipline is Discipline.POLICE and not policy.can_read_clinical(sergeant)
    with pytest.raises(services.ApprovalRefused, match="your own access"):
        services.approve_access_request(request, by=sergeant)


def test_another_supervisor_approves_and_the_account_works(app: Flask) -> None:
    admin = make_user(Role.ADMIN, username="dana")
    approver = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="maria")
    user = _create(Role.SUPERVISOR, discipline=Discipline.CLINICAL, by=admin)
    request = _request(user)
    services.approve_access_request(request, by=approver, note="Starts Monday")
    assert user.active and user.access_approved
    assert policy.can_read_clinical(user) and policy.sees_all_cases(user)
    assert services.authenticate(user.username, NEW_PASSWORD) is user
    assert request.status is AccessRequestStatus.APPROVED
    assert request.decided_by_id == approver.id and request.decided_at is not None
    (approved,) = _events(AuditAction.APPROVE)
    assert approved.username == "maria" and approved.record_type == "user"
    assert approved.record_id == str(user.id)
    assert approved.detail == (
        f"access approved: Clinical supervisor for new.supervisor (new account; asked by "
        f"dana; access request {request.id}); note: Starts Monday"
    )
    with pytest.raises(Conflict, match="already approved"):
        services.reject_access_request(request, by=approver)


def test_a_rejected_account_stays_as_it_was(app: Flask) -> None:
    admin = make_user(Role.ADMIN, username="dana")
    approver = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="maria")
    user = _create(Role.CLINICIAN, by=admin)
    request = _request(user)
    services.reject_access_request(request, by=approver, note="Not on our staff list")
    assert not user.active and not user.access_approved
    with pytest.raises(services.AccessNotApproved):
        services.authenticate(user.username, NEW_PASSWORD)
    # Nothing is deleted: the account and the request, with the decision, stay.
    assert db.session.get(User, user.id) is not None
    assert db.session.get(AccessRequest, request.id).status is AccessRequestStatus.REJECTED
    assert request.decision_note == "Not on our staff list"
    (rejected,) = _events(AuditAction.REJECT)
    assert rejected.username == "maria" and rejected.record_id == str(user.id)
    assert "access rejected: Clinician for new.clinician" in (rejected.detail or "")
    # Enabling it is not a way round the decision.
    with pytest.raises(DomainError, match="has not been approved"):
        services.enable_user(user, by=admin)
    with pytest.raises(DomainError, match="has not been approved"):
        services.disable_user(user, by=admin)


def test_a_role_change_waits_and_the_old_role_stays_until_approved(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    approver = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    officer = make_user(Role.OFFICER)
    token, _ = create_token(officer, name="sync", by=officer)
    services.update_user(officer, full_name="Olu Ade", role=Role.CLINICIAN, by=admin)
    # The name changed at once; the role did not, nor the clinical access.
    assert officer.full_name == "Olu Ade"
    assert officer.role is Role.OFFICER and officer.active
    assert not policy.can_read_clinical(officer)
    assert token.revoked_at is None
    request = _request(officer)
    assert request.previous_role is Role.OFFICER and request.role is Role.CLINICIAN
    assert request.approver_discipline is Discipline.CLINICAL
    services.approve_access_request(request, by=approver)
    assert officer.role is Role.CLINICIAN and policy.can_read_clinical(officer)
    # As any change of role does, it ends the account's API tokens.
    assert token.revoked_at is not None


def test_a_change_that_only_narrows_access_applies_at_once(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    services.update_user(lead, full_name=lead.full_name, role=Role.CLINICIAN, by=admin)
    assert lead.role is Role.CLINICIAN and pending_access_request(lead) is None
    services.update_user(lead, full_name=lead.full_name, role=Role.ANALYST, by=admin)
    assert lead.role is Role.ANALYST


@pytest.mark.parametrize(
    ("old", "new", "widens"),
    [
        ((Role.ANALYST, None), (Role.OFFICER, None), True),
        ((Role.OFFICER, None), (Role.CLINICIAN, None), True),
        ((Role.CLINICIAN, None), (Role.SUPERVISOR, Discipline.CLINICAL), True),
        ((Role.SUPERVISOR, Discipline.POLICE), (Role.SUPERVISOR, Discipline.CLINICAL), True),
        ((Role.OFFICER, None), (Role.SUPERVISOR, Discipline.POLICE), True),
        ((Role.ADMIN, None), (Role.CLINICIAN, None), True),
        ((Role.CLINICIAN, None), (Role.OFFICER, None), False),
        ((Role.SUPERVISOR, Discipline.CLINICAL), (Role.SUPERVISOR, Discipline.POLICE), False),
        ((Role.SUPERVISOR, Discipline.POLICE), (Role.OFFICER, None), False),
        ((Role.OFFICER, None), (Role.ADMIN, None), False),
        ((Role.ANALYST, None), (Role.ADMIN, None), False),
    ],
)
def test_which_changes_widen_access(old, new, widens) -> None:  # type: ignore[no-untyped-def]
    assert policy.widens_access(*new, from_role=old[0], from_discipline=old[1]) is widens


def test_roles_without_person_access_need_no_approval(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    for role in (Role.ADMIN, Role.ANALYST):
        user = services.create_user(
            f"new.{role.value}", full_name="Sam Lee", role=role, password=NEW_PASSWORD, by=admin
        )
        assert user.active and user.access_approved
        assert pending_access_request(user) is None


def test_with_approval_off_everything_applies_at_once(app: Flask) -> None:
    app.config["ACCESS_APPROVAL"] = False
    admin = make_user(Role.ADMIN)
    user = _create(Role.SUPERVISOR, discipline=Discipline.CLINICAL, by=admin)
    assert user.active and policy.can_read_clinical(user)
    officer = make_user(Role.OFFICER)
    services.update_user(officer, full_name="O", role=Role.CLINICIAN, by=admin)
    assert officer.role is Role.CLINICIAN
    assert db.session.scalar(select(AccessRequest.id)) is None


def test_an_account_waiting_from_before_approval_was_turned_off_can_be_enabled(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN)
    user = _create(Role.CLINICIAN, by=admin)
    request = _request(user)
    app.config["ACCESS_APPROVAL"] = False
    services.enable_user(user, by=admin)
    assert user.active and user.access_approved
    assert request.status is AccessRequestStatus.WITHDRAWN


def test_accounts_made_on_the_server_need_no_approval(app: Flask) -> None:
    """`flask users create` and the demo: server access, and the way to the first supervisors."""
    user = _create(Role.SUPERVISOR, discipline=Discipline.CLINICAL, by=None)
    assert user.active and services.authenticate(user.username, NEW_PASSWORD) is user


def test_asking_again_replaces_the_request_and_the_current_role_withdraws_it(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN)
    officer = make_user(Role.OFFICER)
    services.update_user(officer, full_name="O", role=Role.CLINICIAN, by=admin)
    first = pending_access_request(officer)
    # Saving the form again (a new e-mail) keeps what waits.
    services.update_user(officer, full_name="O", role=Role.CLINICIAN, email="o@x.org", by=admin)
    assert pending_access_request(officer).id == first.id
    services.update_user(
        officer, full_name="O", role=Role.SUPERVISOR, discipline=Discipline.POLICE, by=admin
    )
    second = pending_access_request(officer)
    assert second.id != first.id and second.approver_discipline is Discipline.POLICE
    assert db.session.get(AccessRequest, first.id).status is AccessRequestStatus.WITHDRAWN
    services.update_user(officer, full_name="O", role=Role.OFFICER, by=admin)
    assert pending_access_request(officer) is None and officer.role is Role.OFFICER
    assert db.session.get(AccessRequest, second.id).status is AccessRequestStatus.WITHDRAWN


def test_a_waiting_new_account_given_a_role_without_person_access_starts_at_once(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN)
    user = _create(Role.CLINICIAN, by=admin)
    services.update_user(user, full_name=user.full_name, role=Role.ANALYST, by=admin)
    assert user.active and user.role is Role.ANALYST
    assert pending_access_request(user) is None


def test_a_rejected_account_is_asked_for_again_by_saving_its_role(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    approver = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    user = _create(Role.CLINICIAN, by=admin)
    services.reject_access_request(_request(user), by=approver)
    services.update_user(user, full_name=user.full_name, role=Role.CLINICIAN, by=admin)
    services.approve_access_request(_request(user), by=approver)
    assert user.active


def test_disabling_withdraws_a_waiting_change(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    officer = make_user(Role.OFFICER)
    services.update_user(officer, full_name="O", role=Role.CLINICIAN, by=admin)
    request = pending_access_request(officer)
    services.disable_user(officer, by=admin)
    assert request.status is AccessRequestStatus.WITHDRAWN
    assert request.decision_note == "account disabled"


def test_approval_is_refused_once_the_account_joined_a_team(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    approver = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    officer = make_user(Role.OFFICER)
    services.update_user(officer, full_name="O", role=Role.CLINICIAN, by=admin)
    add_to_team(make_team(name="Bronx North"), officer)
    with pytest.raises(Conflict, match="is on Bronx North now"):
        services.approve_access_request(_request(officer), by=approver)
    assert officer.role is Role.OFFICER


def test_a_waiting_account_gets_no_api_token(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    user = _create(Role.CLINICIAN, by=admin)
    with pytest.raises(TokenError, match="has not been approved yet"):
        create_token(user, name="sync", by=None)


def test_a_decision_note_has_a_limit(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    approver = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    user = _create(Role.CLINICIAN, by=admin)
    with pytest.raises(DomainError, match="at most 500") as info:
        services.reject_access_request(_request(user), by=approver, note="x" * 501)
    assert info.value.field == "note"


def test_the_right_password_of_a_waiting_account_is_not_counted_as_a_failure(
    app: Flask,
) -> None:
    """Its holder learns why; the lockout is for wrong passwords."""
    admin = make_user(Role.ADMIN)
    user = _create(Role.CLINICIAN, by=admin)
    for _ in range(8):
        with pytest.raises(services.AccessNotApproved):
            services.authenticate(user.username, NEW_PASSWORD)
    assert services.login_lock_status(user) == (None, 0)
    # A wrong password is still only the usual refusal.
    assert services.authenticate(user.username, PASSWORD) is None


def test_the_setting_is_on_unless_a_program_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import load_config

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("CORESPONSE_ACCESS_APPROVAL", raising=False)
    assert load_config("production").ACCESS_APPROVAL is True
    assert load_config("development").ACCESS_APPROVAL is True
    for value, expected in (("off", False), ("0", False), ("No", False), ("on", True)):
        monkeypatch.setenv("CORESPONSE_ACCESS_APPROVAL", value)
        assert load_config("production").ACCESS_APPROVAL is expected
    monkeypatch.setenv("CORESPONSE_ACCESS_APPROVAL", "sometimes")
    with pytest.raises(RuntimeError, match="CORESPONSE_ACCESS_APPROVAL must be on or off"):
        load_config("production")
