"""Issue 18 in a real browser at tablet size (768×1024): a supervisor merges two records
of one man, follows an old link to the merged one, and undoes the merge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.people.models import Person
from tests.browser.conftest import ARTIFACTS, switch_user
from tests.factories import PASSWORD, make_case, make_person, make_staffed_team, make_user

pytestmark = pytest.mark.browser


def test_a_supervisor_merges_two_records_and_undoes_it(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    team, _, _, _ = make_staffed_team(name="Brooklyn North", precincts=("75",))
    khaled = make_person(first_name="Khaled", last_name="El-Sayed", date_of_birth=date(1988, 3, 14))
    kaled = make_person(
        first_name="Kaled", last_name="El Sayed", date_of_birth=date(1988, 3, 14),
        preferred_name="Kal",
    )  # fmt: skip
    make_case(team, khaled, last_contact_at=utcnow() - timedelta(days=2))
    make_case(team, kaled, status=CaseStatus.CLOSED)
    make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="drortiz",
              full_name="Dr. Lena Ortiz")  # fmt: skip
    db.session.commit()

    switch_user(page, "drortiz", PASSWORD)
    page.goto(f"/people/{khaled.id}")
    page.get_by_role("link", name="Merge with another record…").click()
    # The possible duplicates of the record: the other spelling is offered.
    page.get_by_role("link", name="Compare and merge").first.click()
    page.wait_for_url(f"**/people/{khaled.id}/merge?with={kaled.id}")
    page.get_by_label("Kal", exact=True).check()
    page.screenshot(path=ARTIFACTS / "merge-preview.png", full_page=True)
    page.get_by_role("button", name=f"Merge #{kaled.id} into #{khaled.id}").click()
    page.wait_for_url(f"**/people/{khaled.id}")
    assert page.get_by_text(f"Record #{kaled.id} is merged into this one").is_visible()
    page.screenshot(path=ARTIFACTS / "merge-done.png", full_page=True)
    db.session.expire_all()
    assert (
        db.session.scalar(select(Person.merged_into_id).where(Person.id == kaled.id)) == khaled.id
    )
    cases = db.session.scalars(select(Case.person_id).where(Case.person_id == khaled.id)).all()
    assert len(cases) == 2

    # An old link to the merged record leads to the survivor.
    page.goto(f"/people/{kaled.id}")
    page.wait_for_url(f"**/people/{khaled.id}")
    assert page.get_by_text(f"Record #{kaled.id} was merged into this one.").first.is_visible()
    page.screenshot(path=ARTIFACTS / "merge-old-link.png", full_page=True)

    page.get_by_role("link", name="Undo the merge").first.click()
    assert page.get_by_text("Nothing was added to record").is_visible()
    page.screenshot(path=ARTIFACTS / "merge-undo-confirm.png", full_page=True)
    page.get_by_role("button", name="Undo the merge").click()
    page.wait_for_url(f"**/people/{khaled.id}")
    assert page.get_by_text("The merge is undone").is_visible()
    page.screenshot(path=ARTIFACTS / "merge-undone.png", full_page=True)
    db.session.expire_all()
    assert db.session.scalar(select(Person.merged_into_id).where(Person.id == kaled.id)) is None
    assert db.session.scalar(select(Person.preferred_name).where(Person.id == khaled.id)) is None
    assert db.session.scalar(select(Case.id).where(Case.person_id == kaled.id)) is not None
