"""Four eyes for resets, without HTTP: an administrator's reset of the password or
two-factor login of an account that reads people's records holds the account until a
supervisor who did not make the reset approves it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditAction
from coresponse.auth import services, two_factor
from coresponse.auth.models import (
    AccessRequest,
    AccessRequestKind,
    AccessRequestStatus,
    Discipline,
    Role,
    User,
)
from coresponse.auth.queries import pending_access_request
from coresponse.auth.tokens import TokenError, create_token
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.privacy import policy
from tests.auth.helpers import events as _events
from tests.auth.helpers import pending_request as _request
from tests.factories import PASSWORD, make_user

TEMPORARY = "a temporary passphrase"
MINE = "my own passphrase again"


def _clinical_supervisor(username: str) -> User:
    return make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username=username)


def test_an_administrators_reset_of_a_clinical_supervisor_holds_the_account(app: Flask) -> None:
    """The takeover: reset the password, then log in with the temporary one. Refused."""
    admin = make_user(Role.ADMIN, username="dana")
    lead = _clinical_supervisor("lead")
    token, _ = create_token(lead, name="laptop", by=lead)
    services.reset_password(lead, TEMPORARY, by=admin)
    assert lead.held_after_reset and not lead.is_active
    # Still enabled, still on its role: held, not disabled.
    assert lead.active and lead.role is Role.SUPERVISOR
    with pytest.raises(services.AccessNotApproved, match="waiting for approval") as refused:
        services.authenticate("lead", TEMPORARY)
    assert refused.value.message == services.ACCESS_HELD
    assert token.revoked_at is not None
    with pytest.raises(TokenError, match="held after a reset"):
        create_token(lead, name="again", by=admin)
    request = _request(lead)
    assert request.kind is AccessRequestKind.PASSWORD_RESET and request.is_reset
    assert request.asked_for == "password reset" and not request.is_new_account
    assert request.approver_discipline is Discipline.CLINICAL
    assert request.requested_by_id == admin.id and request.role is Role.SUPERVISOR
    reset = [e for e in _events(AuditAction.UPDATE) if (e.detail or "").startswith("password")]
    assert reset[0].username == "dana"
    assert reset[0].detail == (
        f"password reset; held until a clinical supervisor approves the reset (access request "
        f"{request.id})"
    )
    (login_failed,) = _events(AuditAction.LOGIN_FAILED)
    assert login_failed.detail == "held after a reset: waiting for approval"
    # The right password of a held account is not counted toward the lockout.
    assert services.login_lock_status(lead) == (None, 0)


def test_another_clinical_supervisor_approves_and_the_temporary_password_works(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN, username="dana")
    lead = _clinical_supervisor("lead")
    maria = _clinical_supervisor("maria")
    services.reset_password(lead, TEMPORARY, by=admin)
    request = _request(lead)
    services.approve_access_request(request, by=maria, note="Called her; she forgot it")
    assert not lead.held_after_reset and lead.is_active
    assert services.authenticate("lead", TEMPORARY) is lead
    assert lead.must_change_password  # and she chooses her own, as after any reset
    assert policy.can_read_clinical(lead)
    assert request.status is AccessRequestStatus.APPROVED and request.decided_by_id == maria.id
    (approved,) = _events(AuditAction.APPROVE)
    assert approved.username == "maria" and approved.record_id == str(lead.id)
    assert approved.detail == (
        f"password reset approved: lead (Clinical supervisor; reset by dana; access request "
        f"{request.id}); note: Called her; she forgot it"
    )
    services.change_own_password(lead, TEMPORARY, MINE)
    assert services.authenticate("lead", MINE) is lead


def test_the_resetting_administrator_the_account_and_the_other_side_cannot_decide(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN, username="dana")
    make_user(Role.ADMIN)  # the administrator who later changes dana's role
    lead = _clinical_supervisor("lead")
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    services.reset_password(lead, TEMPORARY, by=admin)
    request = _request(lead)
    with pytest.raises(services.ApprovalRefused, match="Only a supervisor"):
        services.approve_access_request(request, by=admin)
    with pytest.raises(services.ApprovalRefused, match="your own access"):
        services.approve_access_request(request, by=lead)
    with pytest.raises(
        services.ApprovalRefused,
        match="A password reset of a clinical supervisor's account is decided by a clinical",
    ):
        services.reject_access_request(request, by=sergeant)
    # Even once a clinical supervisor herself (made so on the server), dana is no second
    # pair of eyes for her own reset.
    services.update_user(
        admin, full_name=admin.full_name, role=Role.SUPERVISOR,
        discipline=Discipline.CLINICAL, by=None,
    )  # fmt: skip
    with pytest.raises(services.ApprovalRefused, match="You reset this account"):
        services.approve_access_request(request, by=admin)
    assert request.status is AccessRequestStatus.PENDING and lead.held_after_reset


def test_a_rejected_reset_leaves_the_account_held_and_another_reset_asks_again(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN, username="dana")
    clinician = make_user(Role.CLINICIAN, username="kim")
    maria = _clinical_supervisor("maria")
    services.reset_password(clinician, TEMPORARY, by=admin)
    first = _request(clinician)
    services.reject_access_request(first, by=maria, note="Kim did not ask for this")
    assert clinician.held_after_reset and pending_access_request(clinician) is None
    with pytest.raises(services.AccessNotApproved):
        services.authenticate("kim", TEMPORARY)
    (rejected,) = _events(AuditAction.REJECT)
    assert rejected.username == "maria"
    assert rejected.detail == (
        f"password reset rejected: kim (Clinician; reset by dana; access request {first.id}); "
        "note: Kim did not ask for this"
    )
    # Held, whatever the administrator presses: no role change, no enabling round it.
    with pytest.raises(DomainError, match="cannot log in until a supervisor approves"):
        services.update_user(clinician, full_name="Kim", role=Role.SUPERVISOR,
                             discipline=Discipline.CLINICAL, by=admin)  # fmt: skip
    services.disable_user(clinician, by=admin)
    with pytest.raises(DomainError, match="enable the account once it is approved"):
        services.enable_user(clinician, by=admin)
    # After checking with Kim, another reset asks again; nothing was deleted.
    services.reset_password(clinician, "asked for in person now", by=admin)
    second = _request(clinician)
    assert second.id != first.id
    assert db.session.get(AccessRequest, first.id).status is AccessRequestStatus.REJECTED
    services.approve_access_request(second, by=maria)
    services.enable_user(clinician, by=admin)
    assert services.authenticate("kim", "asked for in person now") is clinician


def test_a_two_factor_reset_holds_the_account_too(app: Flask, enrol: Callable[[User], str]) -> None:
    """An administrator who knows the password would otherwise pass the second step."""
    admin = make_user(Role.ADMIN, username="dana")
    officer = make_user(Role.OFFICER, username="ofc")
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE, username="sgt")
    enrol(officer)
    services.reset_two_factor(officer, by=admin)
    assert not two_factor.has_two_factor(officer) and officer.held_after_reset
    with pytest.raises(services.AccessNotApproved, match="waiting for approval"):
        services.authenticate("ofc", PASSWORD)
    request = _request(officer)
    assert request.kind is AccessRequestKind.TWO_FACTOR_RESET
    assert request.approver_discipline is Discipline.POLICE
    services.approve_access_request(request, by=sergeant)
    assert services.authenticate("ofc", PASSWORD) is officer
    (approved,) = _events(AuditAction.APPROVE)
    assert (approved.detail or "").startswith("two-factor reset approved: ofc (Police officer;")


def test_with_approval_off_a_reset_applies_at_once(app: Flask) -> None:
    app.config["ACCESS_APPROVAL"] = False
    admin = make_user(Role.ADMIN)
    lead = _clinical_supervisor("lead")
    services.reset_password(lead, TEMPORARY, by=admin)
    assert not lead.held_after_reset
    assert services.authenticate("lead", TEMPORARY) is lead and lead.must_change_password
    assert db.session.scalar(select(AccessRequest.id)) is None


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN])
def test_accounts_that_read_no_person_record_reset_as_today(app: Flask, role: Role) -> None:
    admin = make_user(Role.ADMIN)
    user = make_user(role, username="reads.nothing")
    services.reset_password(user, TEMPORARY, by=admin)
    assert not user.held_after_reset and pending_access_request(user) is None
    assert services.authenticate("reads.nothing", TEMPORARY) is user


def test_ones_own_password_change_needs_no_approval(app: Flask) -> None:
    lead = _clinical_supervisor("lead")
    services.change_own_password(lead, PASSWORD, MINE)
    assert not lead.held_after_reset and pending_access_request(lead) is None
    assert services.authenticate("lead", MINE) is lead


def test_a_reset_on_the_server_applies_at_once_and_ends_a_hold(app: Flask) -> None:
    """`flask users reset-password`: server access can change the database anyway, and the
    administrator's temporary password no longer works after it."""
    admin = make_user(Role.ADMIN)
    lead = _clinical_supervisor("lead")
    services.reset_password(lead, MINE, by=None)
    assert not lead.held_after_reset and pending_access_request(lead) is None
    services.reset_password(lead, TEMPORARY, by=admin)
    request = _request(lead)
    services.reset_password(lead, "set on the server now", by=None)
    assert not lead.held_after_reset
    assert request.status is AccessRequestStatus.WITHDRAWN
    assert request.decision_note == "password reset on the server"
    assert services.authenticate("lead", "set on the server now") is lead


def test_a_two_factor_reset_on_the_server_does_not_free_an_administrators_password(
    app: Flask, enrol: Callable[[User], str]
) -> None:
    admin = make_user(Role.ADMIN)
    lead = _clinical_supervisor("lead")
    enrol(lead)
    services.reset_password(lead, TEMPORARY, by=admin)
    services.reset_two_factor(lead, by=None)
    assert lead.held_after_reset and pending_access_request(lead) is not None
    with pytest.raises(services.AccessNotApproved):
        services.authenticate("lead", TEMPORARY)


def test_a_reset_replaces_a_waiting_change_of_role(app: Flask) -> None:
    admin = make_user(Role.ADMIN, username="dana")
    officer = make_user(Role.OFFICER)
    services.update_user(officer, full_name="O", role=Role.CLINICIAN, by=admin)
    role_request = pending_access_request(officer)
    assert role_request is not None
    services.reset_password(officer, TEMPORARY, by=admin)
    assert role_request.status is AccessRequestStatus.WITHDRAWN
    assert role_request.decision_note == "replaced by a password reset by dana"
    reset = _request(officer)
    assert reset.is_reset and reset.approver_discipline is Discipline.POLICE
    assert officer.role is Role.OFFICER
    # A second reset while the first waits replaces it too: one open request per account.
    services.reset_password(officer, "another temporary one", by=admin)
    assert db.session.get(AccessRequest, reset.id).status is AccessRequestStatus.WITHDRAWN
    assert _request(officer).id != reset.id


def test_editing_a_held_accounts_details_keeps_the_reset_waiting(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    lead = _clinical_supervisor("lead")
    services.reset_password(lead, TEMPORARY, by=admin)
    request = _request(lead)
    services.update_user(
        lead, full_name="Lee Ahn", role=Role.SUPERVISOR, discipline=Discipline.CLINICAL,
        email="lee@example.org", by=admin,
    )  # fmt: skip
    assert lead.full_name == "Lee Ahn" and lead.held_after_reset
    assert pending_access_request(lead).id == request.id  # type: ignore[union-attr]


def test_a_new_account_reset_before_approval_keeps_its_one_request(app: Flask) -> None:
    """Its password was the administrator's anyway: the account's approval covers it."""
    admin = make_user(Role.ADMIN)
    user = services.create_user(
        "new.clinician", full_name="Jordan Blake", role=Role.CLINICIAN, password=MINE, by=admin
    )
    request = _request(user)
    services.reset_password(user, TEMPORARY, by=admin)
    assert not user.held_after_reset and _request(user).id == request.id
    assert not request.is_reset


def test_disabling_a_held_account_withdraws_the_reset(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    lead = _clinical_supervisor("lead")
    services.reset_password(lead, TEMPORARY, by=admin)
    request = _request(lead)
    services.disable_user(lead, by=admin)
    assert request.status is AccessRequestStatus.WITHDRAWN and lead.held_after_reset
    update = _events(AuditAction.UPDATE)[-1]
    assert f"request {request.id} for password reset withdrawn" in (update.detail or "")


def test_a_hold_from_before_approval_was_turned_off_ends_with_the_next_reset_or_enable(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN)
    lead = _clinical_supervisor("lead")
    services.reset_password(lead, TEMPORARY, by=admin)
    request = _request(lead)
    app.config["ACCESS_APPROVAL"] = False
    # Still held: turning approval off decides nothing that waits.
    with pytest.raises(services.AccessNotApproved):
        services.authenticate("lead", TEMPORARY)
    services.reset_password(lead, MINE, by=admin)
    assert not lead.held_after_reset and request.status is AccessRequestStatus.WITHDRAWN
    assert request.decision_note == "reset while approval is off"

    app.config["ACCESS_APPROVAL"] = True
    clinician = make_user(Role.CLINICIAN)
    services.reset_password(clinician, TEMPORARY, by=admin)
    services.disable_user(clinician, by=admin)
    app.config["ACCESS_APPROVAL"] = False
    services.enable_user(clinician, by=admin)
    assert clinician.is_active
