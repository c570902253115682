"""Every endpoint × every role: who may use it, who is refused (403), who is told it is not there (404).

A new endpoint without an entry here fails the test, so access is decided on purpose.
"""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth.models import Discipline, Role
from coresponse.auth.queries import pending_access_request
from coresponse.auth.services import create_user
from coresponse.auth.tokens import create_token
from coresponse.clock import program_today, utcnow
from coresponse.consent.models import ConsentMethod, ShareScope
from coresponse.consent.services import break_glass, record_consent, resolve_recipient
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.contacts.services import log_contact
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from coresponse.people.services import merge_people
from coresponse.privacy.routes import Permission, permission_of
from coresponse.reminders.models import Notification, ReminderRule
from coresponse.teams.models import TeamMembership
from tests.factories import (
    PASSWORD,
    make_case,
    make_person,
    make_referral,
    make_staffed_team,
    make_user,
)
from tests.linkages.helpers import make_provider

ROLES = ("admin", "clin_sup", "pol_sup", "clinician", "officer", "other_clinician", "analyst")
OK, FORBIDDEN, HIDDEN = "ok", 403, 404

TEAM = ("clinician", "officer")
SUPERVISORS = ("clin_sup", "pol_sup")
CLINICAL = ("clin_sup", "clinician")
EVERYONE = ROLES


def rule(ok: tuple[str, ...] = (), hidden: tuple[str, ...] = ()) -> dict[str, object]:
    """Roles in `ok` may use it; roles in `hidden` get 404; every other role gets 403."""
    return {role: OK if role in ok else HIDDEN if role in hidden else FORBIDDEN for role in ROLES}


CASE_RECORD_HIDDEN = ("other_clinician", "admin", "analyst")
# A clinician outside the team is offered break-glass (403 with the prompt), not the record.
BREAK_GLASS_OFFERED = ("admin", "analyst")
NON_CLINICAL_OR_OUTSIDE = ("admin", "pol_sup", "officer", "other_clinician", "analyst")
MATRIX: dict[str, dict[str, object]] = {
    "auth.logout": rule(ok=EVERYONE),
    "auth.change_password": rule(ok=EVERYONE),
    "auth.users": rule(ok=("admin",)),
    "auth.new_user": rule(ok=("admin",)),
    "auth.edit_user": rule(ok=("admin",)),
    "auth.disable_user": rule(ok=("admin",)),
    "auth.enable_user": rule(ok=("admin",)),
    "auth.reset_password": rule(ok=("admin",)),
    "auth.unlock_user": rule(ok=("admin",)),
    "auth.reset_two_factor": rule(ok=("admin",)),
    # Four eyes: supervisors decide on access to people's records (a page, so 403 for others).
    "auth.access_requests": rule(ok=SUPERVISORS),
    "auth.decide_access_request": rule(ok=SUPERVISORS),
    "auth.two_factor": rule(ok=EVERYONE),
    "auth.two_factor_confirm": rule(ok=EVERYONE),
    "auth.two_factor_disable": rule(ok=EVERYONE),
    "dashboard.home": rule(ok=EVERYONE),
    "teams.index": rule(ok=EVERYONE),
    "teams.detail": rule(ok=EVERYONE),
    "teams.new": rule(ok=("admin", *SUPERVISORS)),
    "teams.edit": rule(ok=("admin", *SUPERVISORS)),
    "teams.add_member": rule(ok=("admin", *SUPERVISORS)),
    "teams.remove_member": rule(ok=("admin", *SUPERVISORS)),
    "people.search": rule(ok=(*SUPERVISORS, *TEAM, "other_clinician")),
    "people.detail": rule(ok=(*SUPERVISORS, *TEAM), hidden=BREAK_GLASS_OFFERED),
    "people.location": rule(ok=(*SUPERVISORS, *TEAM), hidden=BREAK_GLASS_OFFERED),
    "referrals.new": rule(ok=(*SUPERVISORS, "clinician", "other_clinician")),
    "referrals.detail": rule(ok=SUPERVISORS),
    "referrals.accept": rule(ok=SUPERVISORS),
    "referrals.decline": rule(ok=SUPERVISORS),
    "referrals.request_info_view": rule(ok=SUPERVISORS),
    "referrals.info_received": rule(ok=SUPERVISORS),
    "casefile.detail": rule(ok=(*SUPERVISORS, *TEAM), hidden=BREAK_GLASS_OFFERED),
    "casefile.print_summary": rule(ok=(*SUPERVISORS, *TEAM), hidden=BREAK_GLASS_OFFERED),
    "cases.assign": rule(ok=SUPERVISORS),
    "casefile.close": rule(ok=(*SUPERVISORS, "clinician"), hidden=CASE_RECORD_HIDDEN),
    "casefile.reopen": rule(ok=(*SUPERVISORS, "clinician"), hidden=CASE_RECORD_HIDDEN),
    "cases.caseload": rule(ok=(*TEAM, "other_clinician")),
    "cases.queue": rule(ok=SUPERVISORS),
    # The case map: everyone with a caseload (supervisors: every case; members: the team's).
    "cases.case_map": rule(ok=(*SUPERVISORS, *TEAM, "other_clinician")),
    "cases.case_map_data": rule(ok=(*SUPERVISORS, *TEAM, "other_clinician")),
    "contacts.new_contact": rule(ok=TEAM, hidden=CASE_RECORD_HIDDEN),
    "contacts.detail": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "contacts.new_addendum": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "linkages.new_linkage": rule(ok=CLINICAL, hidden=(*CASE_RECORD_HIDDEN, "officer", "pol_sup")),
    "linkages.detail": rule(ok=CLINICAL, hidden=(*CASE_RECORD_HIDDEN, "officer", "pol_sup")),
    "linkages.change_status": rule(ok=CLINICAL, hidden=(*CASE_RECORD_HIDDEN, "officer", "pol_sup")),
    "linkages.providers": rule(ok=EVERYONE),
    "linkages.providers_map": rule(ok=EVERYONE),
    # Outcomes: aggregates with small cells suppressed, for supervisors, analysts, admins.
    "reports.dashboard": rule(ok=("admin", "analyst", *SUPERVISORS)),
    "reports.outcomes_csv": rule(ok=("admin", "analyst", *SUPERVISORS)),
    "reports.monthly": rule(ok=("admin", "analyst", *SUPERVISORS)),
    "api.outcome_report": rule(ok=("admin", "analyst", *SUPERVISORS)),
    "audit.report": rule(ok=("admin",)),
    "audit.export": rule(ok=("admin",)),
    "audit.person_log": rule(ok=SUPERVISORS),
    # policy.can_view_reports: supervisors of both disciplines, analysts, administrators.
    "deidentified.page": rule(ok=("admin", *SUPERVISORS, "analyst")),
    "deidentified.download": rule(ok=("admin", *SUPERVISORS, "analyst")),
    "consent.consents": rule(ok=CLINICAL, hidden=NON_CLINICAL_OR_OUTSIDE),
    "consent.new_consent": rule(ok=CLINICAL, hidden=NON_CLINICAL_OR_OUTSIDE),
    "consent.revoke_consent": rule(ok=CLINICAL, hidden=NON_CLINICAL_OR_OUTSIDE),
    "consent.new_disclosure": rule(ok=CLINICAL, hidden=NON_CLINICAL_OR_OUTSIDE),
    "consent.accounting": rule(ok=CLINICAL, hidden=NON_CLINICAL_OR_OUTSIDE),
    "consent.break_glass": rule(
        ok=("clinician", "other_clinician"), hidden=("admin", *SUPERVISORS, "officer", "analyst")
    ),
    "consent.break_glass_queue": rule(
        ok=("clin_sup",), hidden=("admin", "pol_sup", *TEAM, "other_clinician", "analyst")
    ),
    "consent.acknowledge_break_glass": rule(
        ok=("clin_sup",), hidden=("admin", "pol_sup", *TEAM, "other_clinician", "analyst")
    ),
    "linkages.new_provider": rule(ok=("admin", *CLINICAL, "other_clinician")),
    "linkages.edit_provider": rule(ok=("admin", *CLINICAL, "other_clinician")),
    # API v1: the same rules as the pages, answered as JSON. The matrix posts form data,
    # so a permitted write answers 415 (send JSON), which counts as allowed here.
    "api.openapi": rule(ok=EVERYONE),
    "api.me": rule(ok=EVERYONE),
    "api.list_cases": rule(ok=(*SUPERVISORS, *TEAM, "other_clinician")),
    "api.get_case": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "api.case_linkages": rule(ok=CLINICAL, hidden=(*CASE_RECORD_HIDDEN, "officer", "pol_sup")),
    "api.get_person": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "api.person_timeline": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    # As the location page (people.location): the team, officers included, and supervisors.
    "api.set_person_location": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "api.create_contact": rule(ok=(*TEAM, "other_clinician")),
    "api.get_contact": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "api.create_addendum": rule(ok=(*SUPERVISORS, *TEAM), hidden=CASE_RECORD_HIDDEN),
    "api.get_linkage": rule(ok=CLINICAL, hidden=(*CASE_RECORD_HIDDEN, "officer", "pol_sup")),
    "api.change_linkage_status": rule(
        ok=CLINICAL, hidden=(*CASE_RECORD_HIDDEN, "officer", "pol_sup")
    ),
    "api.create_referral": rule(ok=(*SUPERVISORS, "clinician", "other_clinician")),
    # Everyone manages their own API tokens; another user's token is not there for them.
    "api_tokens.index": rule(ok=EVERYONE),
    "api_tokens.revoke": rule(ok=("officer",), hidden=tuple(r for r in ROLES if r != "officer")),
    # Field mode: the offline shells are for team members; the worker and manifest hold
    # no data and are open to every signed-in (and signed-out) browser.
    "offline.index": rule(ok=(*TEAM, "other_clinician")),
    "offline.contact": rule(ok=(*TEAM, "other_clinician")),
    "offline.service_worker": rule(ok=EVERYONE),
    "offline.manifest": rule(ok=EVERYONE),
}
MATRIX.update(
    {
        # Operations: editing a person's details follows who may correct their location.
        "people.edit": rule(ok=(*SUPERVISORS, *TEAM), hidden=BREAK_GLASS_OFFERED),
        # Everyone reads their own notifications; another user's is not there for them.
        "reminders.index": rule(ok=EVERYONE),
        "reminders.dismiss": rule(
            ok=("officer",), hidden=tuple(r for r in ROLES if r != "officer")
        ),
        # A staff member's training (the officer's, here): those who record it and the
        # officer; anyone else is told it is not there.
        "training.training": rule(
            ok=("admin", *SUPERVISORS, "officer"),
            hidden=("clinician", "other_clinician", "analyst"),
        ),
        "training.record": rule(ok=("admin", *SUPERVISORS)),
        # Merging two records of one person, and undoing it: supervisors (who see everyone).
        "people.merge": rule(ok=SUPERVISORS),
        "people.unmerge": rule(ok=SUPERVISORS),
    }
)
# Routes declared public (coresponse/privacy/routes.py): making another route public fails
# here. The second login step is reached between password and code, before a session
# exists; /healthz answers load balancers; the API's description, the service worker and
# the web app manifest hold no data.
PUBLIC = {
    "auth.login", "auth.login_two_factor", "health.healthz",
    "api.openapi", "offline.service_worker", "offline.manifest",
}  # fmt: skip
# Flask's own route for files under static/ (no data, nothing to declare).
UNDECLARED = {"static"}


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    _, _, _, other_clinician = make_staffed_team()
    person = make_person()
    case = make_case(team, person)
    contact = log_contact(
        case, by=clinician, type=ContactType.PHONE, occurred_at=utcnow(),
        outcome=ContactOutcome.ENGAGED, participants=[clinician],
    )  # fmt: skip
    provider = make_provider(LinkageKind.OUTPATIENT_CLINIC)
    linkage = create_linkage(
        case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC, provider=provider
    )
    referral = make_referral()
    consent = record_consent(
        person, by=clinician, recipient=resolve_recipient(case.person_id, "other", name="Rosa Lopez", detail="sister"),
        scopes=[ShareScope.ATTENDANCE], purpose="Family support", method=ConsentMethod.WRITTEN,
        given_on=program_today(),
    )  # fmt: skip
    third_clinician = make_staffed_team()[3]
    access = break_glass(
        person, by=third_clinician, reason_code="emergency_call",
        reason="Called by the ER about a crisis tonight",
    )  # fmt: skip
    users = {
        "admin": make_user(Role.ADMIN),
        "clin_sup": make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        "pol_sup": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "clinician": clinician,
        "officer": officer,
        "other_clinician": other_clinician,
        "analyst": make_user(Role.ANALYST),
    }
    membership = db.session.scalar(
        db.select(TeamMembership).where(TeamMembership.user_id == officer.id)
    )
    officer_token, _ = create_token(officer, name="matrix", by=officer)
    waiting = create_user(
        "new.clinician", full_name="New Clinician", role=Role.CLINICIAN,
        password="a long enough passphrase", by=users["admin"],
    )  # fmt: skip
    access_request = pending_access_request(waiting)
    notification = Notification(
        user_id=officer.id, rule=ReminderRule.FIRST_CONTACT_OVERDUE, subject_type="case",
        subject_id=case.id, period_key="matrix", title=f"First contact overdue — case #{case.id}",
        link=f"/cases/{case.id}", due_at=utcnow(),
    )  # fmt: skip
    db.session.add(notification)
    merge = merge_people(make_person(), make_person(), by=users["clin_sup"])
    db.session.commit()
    ids = {
        "case_id": case.id, "person_id": case.person_id, "contact_id": contact.id,
        "linkage_id": linkage.id, "referral_id": referral.id, "team_id": team.id,
        "user_id": officer.id, "membership_id": membership.id, "provider_id": provider.id,
        "consent_id": consent.id, "access_id": access.id, "request_id": access_request.id,
        "contact_uuid": str(contact.uuid), "token_id": officer_token.id,
        "key": "triage", "notification_id": notification.id, "merge_id": merge.id,
    }  # fmt: skip
    return {"users": users, "ids": ids}


def _url(rule, ids: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<int:{arg}>", str(ids[arg])).replace(f"<{arg}>", str(ids[arg]))
    return url


def _declarations(app: Flask) -> dict[str, Permission | None]:
    return {e: permission_of(app, e) for e in app.view_functions if e not in UNDECLARED}


def test_every_route_declares_who_may_use_it(app: Flask) -> None:
    declared = _declarations(app)
    undeclared = sorted(e for e, permission in declared.items() if permission is None)
    assert not undeclared, f"declare with @allow or @public who may use: {undeclared}"
    assert {e for e, permission in declared.items() if permission and permission.public} == PUBLIC


def test_every_endpoint_has_an_entry(app: Flask) -> None:
    endpoints = set(_declarations(app))
    missing = sorted(endpoints - PUBLIC - set(MATRIX))
    assert not missing, f"decide who may use these endpoints: {missing}"
    assert not sorted(set(MATRIX) - endpoints), "entries for endpoints that no longer exist"


def test_the_matrix_refusals_come_from_the_declared_rules(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    """A role the route's declared rule refuses gets 403 (404 when declared hidden); a 403
    for a role the rule allows must come from the rule the route declares for its record."""
    wrong = []
    for endpoint, permission in sorted(_declarations(app).items()):
        if endpoint not in MATRIX or permission is None or permission.rule is None:
            continue
        for role, user in world["users"].items():
            expected = MATRIX[endpoint][role]
            if not permission.rule(user):
                refused = HIDDEN if permission.hidden else FORBIDDEN
                if expected != refused:
                    wrong.append(
                        f"{endpoint}: {role} is refused by its rule, matrix says {expected}"
                    )
            elif expected == FORBIDDEN and permission.per_record is None:
                wrong.append(f"{endpoint}: {role} gets 403 but the route declares no record rule")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(app: Flask, world, role: str) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    user = world["users"][role]
    assert (
        client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code
        == 302
    )
    failures = []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        # Every other route has an entry (test_every_endpoint_has_an_entry).
        if url_rule.endpoint not in MATRIX or url_rule.endpoint == "auth.logout":
            continue
        expected = MATRIX[url_rule.endpoint][role]
        method = next(m for m in ("GET", "POST", "PUT", "PATCH") if m in url_rule.methods)
        response = client.open(_url(url_rule, world["ids"]), method=method, data={})
        status = response.status_code
        if expected == OK:
            good = status < 500 and status not in (401, 403, 404)
        else:
            good = status == expected
        if not good:
            failures.append(
                f"{method} {url_rule.rule} ({url_rule.endpoint}): expected {expected}, got {status}"
            )
    assert not failures, "\n".join(failures)
