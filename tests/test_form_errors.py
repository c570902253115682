"""Forms that help: every error of a submit at once, above the form and beside each field;
required fields marked; e-mail and phone numbers checked before anything is saved."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from coresponse.auth.models import Role, User
from coresponse.cases.models import Case, CaseStatus
from coresponse.extensions import db
from coresponse.people.models import Person, PersonPhone
from coresponse.referrals.models import Referral
from tests.factories import make_case, make_person, make_staffed_team, make_user

NEW_PASSWORD = "a brand new passphrase"
INTAKE = {
    "source": "nypd_precinct",
    "received_at": "2026-11-20T09:30",
    "reason": "Threatening neighbours; stopped medication.",
    "first_name": "Maria",
    "last_name": "Lopez",
    "date_of_birth": "1979-05-04",
    "languages": "English",
    "line1": "500 Sutter Ave",
    "postal_code": "11207",
}


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def summary(html: str) -> list[tuple[str | None, str]]:
    """The error summary's items: (the id its link points to, its text)."""
    box = BeautifulSoup(html, "html.parser").select_one("[data-error-summary]")
    assert box is not None, "no error summary on the page"
    assert box.get("role") == "alert" and box.get("tabindex") == "-1"
    items = []
    for li in box.select("li"):
        link = li.find("a")
        items.append((link["href"].lstrip("#") if link else None, li.get_text(" ", strip=True)))
    return items


def beside(html: str, field_id: str) -> str:
    """The error shown under the field itself."""
    error = BeautifulSoup(html, "html.parser").find(id=f"{field_id}-error")
    assert error is not None, f"no error beside {field_id}"
    return error.get_text(" ", strip=True)


def test_intake_shows_every_error_at_once_and_saves_nothing(login) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_user(Role.SUPERVISOR)
    client = login(supervisor)
    data = {
        **INTAKE, "reason": "", "last_name": "", "line1": "",
        "referrer_email": "not-an-email", "referrer_phone": "call the desk", "phone": "555",
    }  # fmt: skip
    response = client.post("/referrals/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    items = dict(summary(html))
    # Six problems, each linking to its own field.
    assert set(items) == {
        "reason", "last_name", "line1", "referrer_email", "referrer_phone", "phone",
    }  # fmt: skip
    assert "is not an e-mail address" in items["referrer_email"]
    assert "'call the desk' is not a phone number" in items["referrer_phone"]
    assert "too short for a phone number" in items["phone"]
    assert "is not an e-mail address: write it like name@example.org." in beside(
        html, "referrer_email"
    )
    assert count(Referral) == 0 and count(Person) == 0


def test_intake_marks_required_fields_and_takes_good_contact_details(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    page = BeautifulSoup(client.get("/referrals/new").get_data(as_text=True), "html.parser")
    assert page.select_one("[data-error-summary]") is None
    for name in ("reason", "first_name", "last_name", "line1"):
        assert page.find(id=name).has_attr("required"), name
        assert "(required)" in page.find("label", attrs={"for": name}).get_text(), name
    assert "(required)" not in page.find("label", attrs={"for": "referrer_email"}).get_text()
    data = {**INTAKE, "referrer_email": "desk@nypd.example.org", "phone": "+1 (718) 555-0142"}
    response = client.post("/referrals/new", data=data)
    assert response.status_code == 302, summary(response.get_data(as_text=True))
    assert count(Referral) == 1


def test_person_form_names_each_bad_phone_line(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    person = make_person()
    make_case(team, person)
    client = login(officer)
    before = count(PersonPhone)
    response = client.post(
        f"/people/{person.id}/edit",
        data={
            "first_name": "", "last_name": person.last_name, "languages": "English",
            "date_of_birth": person.date_of_birth.isoformat(),
            "phones": "(718) 555-0001\nask her sister\n12",
        },
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    items = dict(summary(html))
    assert set(items) == {"first_name", "phones"}
    assert "'ask her sister' is not a phone number" in items["phones"]
    assert "'12' is too short for a phone number" in items["phones"]
    assert "(718) 555-0001" not in items["phones"]
    db.session.expire_all()
    assert count(PersonPhone) == before
    assert db.session.get(Person, person.id).first_name == person.first_name


def test_new_user_refuses_a_bad_email_with_the_other_errors(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    response = client.post(
        "/users/new",
        data={
            "username": "newbie", "full_name": "", "role": "", "email": "newbie at example",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        },
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    items = dict(summary(html))
    assert {"full_name", "role", "email"} <= set(items)
    assert "'newbie at example' is not an e-mail address" in items["email"]
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


def test_a_refused_close_shows_its_errors_at_the_top(login) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    case = make_case(team)
    client = login(clinician)
    response = client.post(f"/cases/{case.id}/close", data={"reason": "connected_to_care"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    items = summary(html)
    assert items and all(target for target, _ in items)
    # The summary comes before the history and the close form it links to.
    assert html.index("data-error-summary") < html.index("<h2>History</h2>")
    for target, _ in items:
        assert re.search(rf'id="{target}"', html), target
    db.session.expire_all()
    assert db.session.get(Case, case.id).status is CaseStatus.OPEN
