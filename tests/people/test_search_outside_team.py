"""Emergency access from search: a clinician learns how many people outside their team
match, sees each by name, year of birth and borough only, and can break the glass from
there; officers learn nothing of them; supervisors see everyone in the results."""

from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.consent.models import BreakGlassAccess, BreakGlassReason, BreakGlassVerdict
from coresponse.consent.services import acknowledge_break_glass, break_glass
from coresponse.extensions import db
from coresponse.people import services
from coresponse.people.models import Person
from tests.factories import add_alias, make_case, make_person, make_staffed_team, make_user

FORM = re.compile(r'<form method="post" action="(/people/(\d+)/break-glass)"')


def _world():  # type: ignore[no-untyped-def]
    """Team A's clinician and officer; two people named Khaled El-Sayed on team B."""
    team, officer, _, clinician = make_staffed_team()
    other_team, *_ = make_staffed_team()
    ours = make_person(first_name="Khaled", last_name="Haddad")
    make_case(team, ours)
    theirs = make_person(
        first_name="Khaled", last_name="El-Sayed", date_of_birth=date(1985, 6, 15),
        address={"line1": "88 Linden Blvd", "postal_code": "11226"},
    )  # fmt: skip
    services.add_phone(theirs, "(347) 555-0199")
    add_alias(theirs, "Kal the Quiet")
    make_case(other_team, theirs)
    namesake = make_person(first_name="Kaled", last_name="Elsayed", date_of_birth=None)
    make_case(other_team, namesake)
    db.session.commit()
    return clinician, officer, ours, theirs, namesake


def _named(event: AuditEvent) -> set[int]:
    """The people a list event names (a JSON array of ids)."""
    return set(json.loads(event.person_ids or "[]"))


def _search_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.SEARCH)
            .order_by(AuditEvent.id)
        )
    )


def test_a_clinician_sees_how_many_match_outside_the_team_in_brief(login) -> None:  # type: ignore[no-untyped-def]
    clinician, _, ours, theirs, namesake = _world()
    client = login(clinician)
    page = client.get("/people/?q=Khaled+El+Sayed").get_data(as_text=True)
    assert "No one on your team matches" in page
    assert "2 people outside your team match" in page
    _results, outside = page.split("outside your team match", 1)
    assert "Khaled El-Sayed" in outside and "born 1985" in outside and "Brooklyn" in outside
    assert "Kaled Elsayed" in outside and "similar spelling" in outside
    # Nothing more than name, year of birth and borough: not the day, address, phone or alias.
    for detail in ("15 Jun 1985", "1985-06-15", "88 Linden", "0199", "Kal the Quiet"):
        assert detail not in page, detail
    assert f'href="/people/{theirs.id}"' not in page  # no link to a record they cannot open
    # Break-glass, with its reason form, for each of them.
    forms = {int(person_id): action for action, person_id in FORM.findall(outside)}
    assert set(forms) == {theirs.id, namesake.id}
    assert 'name="reason_code"' in outside and 'name="reason"' in outside
    # The brief rows are audited as search results, said to be shown in brief.
    event = _search_events()[-1]
    assert event.user_id == clinician.id and _named(event) == {theirs.id, namesake.id}
    assert f"in brief (outside the user's team): #{theirs.id}" in (event.detail or "")
    assert ours.id not in _named(event)


def test_the_clinicians_own_team_comes_first_and_the_others_are_counted(login) -> None:  # type: ignore[no-untyped-def]
    clinician, _, ours, _theirs, _namesake = _world()
    page = login(clinician).get("/people/?q=khaled").get_data(as_text=True)
    results, outside = page.split("outside your team match", 1)
    assert "Khaled Haddad" in results and f'href="/people/{ours.id}"' in results
    assert "2 people" in results[-200:] and "Khaled El-Sayed" in outside


def test_breaking_the_glass_from_search_opens_the_record(login) -> None:  # type: ignore[no-untyped-def]
    clinician, _, _, theirs, _ = _world()
    client = login(clinician)
    page = client.get("/people/?q=El-Sayed").get_data(as_text=True)
    action = {int(pid): url for url, pid in FORM.findall(page)}[theirs.id]
    refused = client.post(action, data={"reason_code": BreakGlassReason.CRISIS.value})
    assert refused.status_code == 422  # no reason written: the break-glass page says so
    assert "State your reason" in refused.get_data(as_text=True)
    response = client.post(
        action,
        data={
            "reason_code": BreakGlassReason.EMERGENCY_CALL.value,
            "reason": "Kings County ER called: he is in crisis and they need his history.",
        },
    )
    assert response.status_code == 302 and response.location == f"/people/{theirs.id}"
    assert client.get(f"/people/{theirs.id}").status_code == 200
    # Now he is among the results in full, and only his namesake is outside.
    page = client.get("/people/?q=El-Sayed").get_data(as_text=True)
    results, outside = page.split("outside your team match", 1)
    assert f'href="/people/{theirs.id}"' in results and "88 Linden Blvd" in results
    assert "1 person outside your team matches" in page and "Kaled Elsayed" in outside


def test_a_record_a_review_closed_to_the_clinician_is_not_offered(login) -> None:  # type: ignore[no-untyped-def]
    clinician, _, _, theirs, _namesake = _world()
    person = db.session.get(Person, theirs.id)
    access = break_glass(
        person, by=clinician, reason_code=BreakGlassReason.OTHER, reason="Curious about him, sorry."
    )
    reviewer = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    acknowledge_break_glass(access, by=reviewer, verdict=BreakGlassVerdict.NOT_JUSTIFIED)
    db.session.commit()
    assert db.session.get(BreakGlassAccess, access.id).ended_at is not None
    page = login(clinician).get("/people/?q=El+Sayed").get_data(as_text=True)
    assert "1 person outside your team matches" in page
    assert "Kaled Elsayed" in page and "Khaled El-Sayed" not in page


def test_officers_learn_nothing_of_people_outside_their_team(login) -> None:  # type: ignore[no-untyped-def]
    _, officer, _ours, theirs, _ = _world()
    page = login(officer).get("/people/?q=khaled").get_data(as_text=True)
    assert "Khaled Haddad" in page
    assert "outside your team" not in page and "El-Sayed" not in page and "Elsayed" not in page
    assert "break-glass" not in page
    page = login(officer).get("/people/?q=El+Sayed").get_data(as_text=True)
    assert "No one you can see matches" in page and "El-Sayed" not in page
    assert all(theirs.id not in _named(event) for event in _search_events())


def test_supervisors_see_everyone_in_the_results(login) -> None:  # type: ignore[no-untyped-def]
    _, _, ours, theirs, namesake = _world()
    page = login(make_user(Role.SUPERVISOR)).get("/people/?q=khaled").get_data(as_text=True)
    assert "outside your team" not in page
    for person in (ours, theirs, namesake):
        assert f'href="/people/{person.id}"' in page
    assert "88 Linden Blvd" in page
