"""Read paths: who gets which contacts, clinical columns never loaded for officers, no N+1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from coresponse.auth.models import Discipline, Role, User
from coresponse.cases.models import Case
from coresponse.clock import utcnow
from coresponse.contacts import queries, services
from coresponse.contacts.models import RiskFactor, RiskLevel
from coresponse.extensions import db
from tests.conftest import count_statements
from tests.contacts.conftest import Setting, log, mark_closed
from tests.factories import make_case, make_staffed_team, make_user


def _clinical_contact(s: Setting):  # type: ignore[no-untyped-def]
    contact = log(
        s.case,
        s.clinician,
        clinical_note="CANARY-CLINICAL-q1",
        risk_level=RiskLevel.HIGH,
        risk_factors=[RiskFactor.ACCESS_TO_MEANS],
        operational_note="Dog in the apartment.",
    )
    services.add_addendum(
        contact, by=s.clinician, reason="more", clinical_text="CANARY-ADDENDUM-q1"
    )
    db.session.commit()
    return contact


def test_officers_get_contacts_whose_clinical_parts_raise_when_touched(s: Setting) -> None:
    _clinical_contact(s)
    # Deliberately no expire_all(): the contact loaded with its clinical columns is
    # still in this session, and the officer's query must not hand those back.
    [contact] = queries.case_contacts(s.case.id, s.officer)
    assert contact.operational_note == "Dog in the apartment."
    assert [p.user.full_name for p in contact.participants] == ["Clinician Priya Shah"]
    assert contact.addenda[0].author.full_name == "Clinician Priya Shah"
    with pytest.raises(InvalidRequestError):
        _ = contact.clinical_note
    with pytest.raises(InvalidRequestError):
        _ = contact.risk_level
    with pytest.raises(InvalidRequestError):
        _ = contact.risk_factors
    with pytest.raises(InvalidRequestError):
        _ = contact.addenda[0].clinical_text


def test_police_supervisors_get_no_clinical_columns_either(s: Setting) -> None:
    _clinical_contact(s)
    db.session.expire_all()
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    [contact] = queries.person_contacts(s.person.id, sergeant)
    with pytest.raises(InvalidRequestError):
        _ = contact.clinical_note


def test_clinicians_and_clinical_supervisors_get_everything(s: Setting) -> None:
    _clinical_contact(s)
    clinical_supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    for viewer in (s.clinician, clinical_supervisor):
        db.session.expire_all()
        [contact] = queries.case_contacts(s.case.id, viewer)
        assert contact.clinical_note == "CANARY-CLINICAL-q1"
        assert contact.risk_level is RiskLevel.HIGH
        assert [f.factor for f in contact.risk_factors] == [RiskFactor.ACCESS_TO_MEANS]
        assert contact.addenda[0].clinical_text == "CANARY-ADDENDUM-q1"


def test_case_contacts_are_newest_first_and_only_for_visible_cases(s: Setting) -> None:
    now = utcnow()
    old = log(s.case, s.officer, occurred_at=now - timedelta(days=2))
    new = log(s.case, s.officer, occurred_at=now - timedelta(hours=1))
    middle = log(s.case, s.officer, occurred_at=now - timedelta(days=1))
    assert queries.case_contacts(s.case.id, s.officer) == [new, middle, old]
    _, stranger, _, _ = make_staffed_team()
    assert queries.case_contacts(s.case.id, stranger) == []
    assert queries.case_contacts(s.case.id, make_user(Role.ANALYST)) == []


def test_person_contacts_cover_only_cases_the_viewer_may_see(s: Setting) -> None:
    other_team, other_officer, _, _ = make_staffed_team()
    mine = log(s.case, s.officer, occurred_at=utcnow() - timedelta(hours=2))
    mark_closed(s.case)  # a person has one open case at a time
    other_case = make_case(other_team, s.person)
    theirs = log(other_case, other_officer, occurred_at=utcnow() - timedelta(hours=1))
    assert queries.person_contacts(s.person.id, s.officer) == [mine]
    assert queries.person_contacts(s.person.id, other_officer) == [theirs]
    supervisor = make_user(Role.SUPERVISOR)
    assert queries.person_contacts(s.person.id, supervisor) == [theirs, mine]
    assert queries.person_contacts(s.person.id, make_user(Role.ADMIN)) == []


def test_get_visible_contact_is_a_404_for_other_teams(s: Setting) -> None:
    contact = log(s.case, s.officer)
    assert queries.get_visible_contact(s.officer_b, contact.id) is contact
    _, stranger, _, _ = make_staffed_team()
    for viewer in (stranger, make_user(Role.ANALYST)):
        with pytest.raises(NotFound):
            queries.get_visible_contact(viewer, contact.id)
    with pytest.raises(NotFound):
        queries.get_visible_contact(s.officer, contact.id + 1000)


@pytest.mark.parametrize("role", ["officer", "clinician"])
def test_a_list_of_contacts_costs_the_same_statements_however_long(
    app, s: Setting, role: str
) -> None:  # type: ignore[no-untyped-def]
    """Query and render the cards for 2 and then 6 contacts: the statement count is flat."""
    viewer = s.officer if role == "officer" else s.clinician

    def add_contacts(n: int) -> None:
        for i in range(n):
            contact = log(
                s.case,
                s.clinician,
                occurred_at=utcnow() - timedelta(hours=i + 1),
                participants=[s.officer, s.officer_b],
                risk_factors=[RiskFactor.RECENT_LOSS],
            )
            services.add_addendum(
                contact, by=s.officer, operational_reason="r", operational_text="t"
            )
        db.session.commit()

    case_id, viewer_id = s.case.id, viewer.id

    def cost() -> tuple[int, str]:
        # A fresh app context: its own session and request cache, as for a page view.
        with app.app_context(), app.test_request_context(), count_statements() as statements:
            user = db.session.get(User, viewer_id)
            login_user(user)
            contacts = queries.case_contacts(case_id, user)
            html = render_template("contacts/_list.html", contacts=contacts)
        return len(statements), html

    add_contacts(2)
    small, html = cost()
    assert html.count('class="contact-card"') == 2
    add_contacts(4)
    large, html = cost()
    assert html.count('class="contact-card"') == 6
    assert small == large


def test_listing_contacts_leaves_the_callers_case_as_loaded(s: Setting) -> None:
    """The case page loads its case first; the contact query must not unload its relations."""
    log(s.case, s.officer)
    db.session.commit()
    db.session.expire_all()
    case = db.session.scalar(
        select(Case).where(Case.id == s.case.id).options(joinedload(Case.referral))
    )
    [contact] = queries.case_contacts(case.id, s.officer)
    assert contact.case is case
    assert case.referral.id == case.referral_id
