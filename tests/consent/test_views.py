"""Consent, disclosure and break-glass screens over HTTP."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.clock import program_zone, utcnow
from coresponse.consent import services
from coresponse.consent.break_glass import (
    break_glass_prompt_for_case_or_404,
    break_glass_prompt_or_404,
)
from coresponse.consent.models import BreakGlassAccess, Consent, Disclosure
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.contacts.services import log_contact
from coresponse.extensions import db
from coresponse.pagination import encode_cursor
from tests.conftest import count_statements
from tests.consent.helpers import a_month_ago, disclose, give_consent, make_world
from tests.factories import make_case, make_person, make_staffed_team, make_user

REASON = "Kings County ER called: she is in crisis and they need her history."


def _form(**overrides: str) -> dict[str, str]:
    """The break-glass form as a clinician fills it in."""
    return {"reason_code": "emergency_call", "reason": REASON, **overrides}


def _break_glass(world, user, **overrides):  # type: ignore[no-untyped-def]
    fields = {"reason_code": "emergency_call", "reason": REASON, **overrides}
    return services.break_glass(world.person, by=user, **fields)


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    world = make_world()
    db.session.commit()
    return world


def _urls(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    person = world.person.id
    consent = give_consent(world)
    db.session.commit()
    return {
        "consents": f"/people/{person}/consents",
        "new_consent": f"/people/{person}/consents/new",
        "revoke": f"/consents/{consent.id}/revoke",
        "new_disclosure": f"/people/{person}/disclosures/new",
        "accounting": f"/people/{person}/disclosures",
        "print": f"/people/{person}/disclosures?print=1",
        "break_glass": f"/people/{person}/break-glass",
        "queue": "/break-glass/",
        "acknowledge": "/break-glass/1/acknowledge",
    }


POSTS = ("revoke", "acknowledge")


def _consent_form(world, **overrides) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "recipient": f"contact-{world.mother.id}",
        "scopes": ["attendance", "treatment"],
        "purpose": "So her mother can help her keep appointments.",
        "method": "written",
        "given_on": a_month_ago().isoformat(),
    }
    data.update(overrides)
    return data


def _disclosure_form(world, **overrides) -> dict[str, object]:  # type: ignore[no-untyped-def]
    at = (utcnow() - timedelta(hours=1)).astimezone(program_zone())
    data: dict[str, object] = {
        "recipient": f"contact-{world.mother.id}",
        "disclosed_at": at.strftime("%Y-%m-%dT%H:%M"),
        "scopes": ["attendance"],
        "description": "Told her she attended clinic twice this month.",
        "purpose": "Family asked how to help.",
        "basis": "consent",
    }
    data.update(overrides)
    return data


# --- Who may open what -------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, world) -> None:  # type: ignore[no-untyped-def]
    for name, url in _urls(world).items():
        response = client.post(url) if name in POSTS else client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url


@pytest.mark.parametrize("who", ["officer", "police_supervisor", "analyst", "admin"])
def test_non_clinical_roles_find_no_consent_pages_at_all(login, world, who: str) -> None:  # type: ignore[no-untyped-def]
    user = {
        "officer": world.officer,
        "police_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "analyst": make_user(Role.ANALYST),
        "admin": make_user(Role.ADMIN),
    }[who]
    _break_glass(world, make_staffed_team()[3])
    urls = _urls(world)
    client = login(user)
    for name, url in urls.items():
        response = client.post(url) if name in POSTS else client.get(url)
        assert response.status_code == 404, (who, url)
    assert client.post(urls["new_consent"], data=_consent_form(world)).status_code == 404
    assert client.post(urls["new_disclosure"], data=_disclosure_form(world)).status_code == 404
    assert db.session.scalar(select(Consent).where(Consent.revoked_at.is_not(None))) is None


def test_a_clinician_of_another_team_needs_break_glass_first(login, world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team()
    urls = _urls(world)
    client = login(outsider)
    for name in ("consents", "new_consent", "new_disclosure", "accounting", "print", "revoke"):
        url = urls[name]
        response = client.post(url) if name in POSTS else client.get(url)
        assert response.status_code == 404, url
    assert client.get(urls["queue"]).status_code == 404


# --- Consents ----------------------------------------------------------------------------------


def test_team_clinician_records_and_revokes_a_consent(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.clinician)
    form_page = client.get(f"/people/{world.person.id}/consents/new")
    assert form_page.status_code == 200
    body = form_page.get_data(as_text=True)
    assert "Rosa Lopez — Parent" in body and "Kings County Hospital" in body

    response = client.post(f"/people/{world.person.id}/consents/new", data=_consent_form(world))
    assert response.status_code == 302
    consent = db.session.scalar(select(Consent))
    assert consent.recipient_name == "Rosa Lopez"

    page = client.get(f"/people/{world.person.id}/consents").get_data(as_text=True)
    assert "Consent to share with Rosa Lopez recorded." in page
    assert "Attendance and engagement" in page and "Active" in page

    response = client.post(f"/consents/{consent.id}/revoke", data={"note": "Called to withdraw."})
    assert response.status_code == 302
    page = client.get(f"/people/{world.person.id}/consents").get_data(as_text=True)
    assert "Revoked" in page and "Called to withdraw." in page and "Revoke…" not in page
    assert client.post(f"/consents/{consent.id}/revoke").status_code == 409
    assert client.post("/consents/999999/revoke").status_code == 404


def test_invalid_consent_forms_come_back_with_the_problem_marked(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.clinician)
    url = f"/people/{world.person.id}/consents/new"
    response = client.post(url, data=_consent_form(world, scopes=[], purpose=""))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose at least one kind of information." in body
    assert "Say what the information may be shared for." in body

    response = client.post(url, data=_consent_form(world, method="verbal"))
    assert response.status_code == 422
    assert "needs the name of the staff member who witnessed it" in response.get_data(as_text=True)

    response = client.post(url, data=_consent_form(world, recipient="contact-999999"))
    assert response.status_code == 422
    assert "Choose who receives the information from the list." in response.get_data(as_text=True)

    for bad in ("contact-" + "9" * 30, "provider-²", "contact-", "provider-1-2"):
        assert client.post(url, data=_consent_form(world, recipient=bad)).status_code == 422, bad

    response = client.post(url, data=_consent_form(world, given_on="not a date"))
    assert response.status_code == 422
    assert db.session.scalar(select(Consent)) is None


def test_consent_list_statements_stay_constant_as_consents_grow(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.clinician)
    url = f"/people/{world.person.id}/consents"
    give_consent(world)
    db.session.commit()
    with count_statements() as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        services.revoke_consent(give_consent(world), by=world.clinician)
    db.session.commit()
    with count_statements() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# --- Disclosures and the accounting ------------------------------------------------------------


def test_a_disclosure_without_consent_is_refused_with_the_reason(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.clinician)
    url = f"/people/{world.person.id}/disclosures/new"
    response = client.post(url, data=_disclosure_form(world, scopes=["substance_use"]))
    assert response.status_code == 422
    assert (
        "No active consent covers substance-use information to Rosa Lopez; record one, "
        "or use the emergency basis."
    ) in response.get_data(as_text=True)
    response = client.post(url, data=_disclosure_form(world, basis="emergency"))
    assert response.status_code == 422
    assert "needs a justification" in response.get_data(as_text=True)
    assert db.session.scalar(select(Disclosure)) is None


def test_disclosures_under_consent_and_in_an_emergency_reach_the_accounting(login, world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world)
    db.session.commit()
    client = login(world.clinician)
    url = f"/people/{world.person.id}/disclosures/new"
    assert client.get(url).status_code == 200
    assert client.post(url, data=_disclosure_form(world)).status_code == 302
    emergency = _disclosure_form(
        world,
        recipient=f"provider-{world.hospital.id}",
        scopes=["substance_use", "safety"],
        basis="emergency",
        emergency_justification="Overdose in progress; EMS asked what she had taken.",
        description="Told EMS she uses fentanyl daily.",
    )
    assert client.post(url, data=emergency).status_code == 302

    page = client.get(f"/people/{world.person.id}/disclosures").get_data(as_text=True)
    assert "recorded on the emergency basis" in page
    assert "Rosa Lopez (Parent)" in page and "Kings County Hospital (Hospital" in page
    assert page.index("Told EMS") < page.index("attended clinic twice")  # newest first
    assert "Overdose in progress" in page and "Consent given" in page


def test_the_accounting_lists_six_years_and_prints_on_the_record(app: Flask, login, world) -> None:  # type: ignore[no-untyped-def]
    app.config["PAGE_SIZE"] = 2
    give_consent(world, given_on=a_month_ago() - timedelta(days=365 * 8))
    now = utcnow()
    for n, days in enumerate((1, 100, 365 * 5, 365 * 6 - 2, 365 * 6 + 2, 365 * 7)):
        disclose(world, disclosed_at=now - timedelta(days=days), description=f"Item-{n}-shared")
    db.session.commit()
    client = login(world.clinician)
    url = f"/people/{world.person.id}/disclosures"

    first = client.get(url).get_data(as_text=True)
    assert "Item-0-shared" in first and "Item-1-shared" in first and "Item-2-shared" not in first
    [older] = re.findall(r'href="([^"]*after=[^"]*)">Older disclosures', first)
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "Item-2-shared" in second and "Item-3-shared" in second
    assert "Item-1-shared" not in second and "Older disclosures" not in second

    printed = client.get(f"{url}?print=1")
    body = printed.get_data(as_text=True)
    for n in range(4):
        assert f"Item-{n}-shared" in body
    assert "Item-4-shared" not in body and "Item-5-shared" not in body
    assert "Do not redisclose" in body and "Log out" not in body
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "accounting_of_disclosures")
    ).all()
    assert actions == [AuditAction.VIEW, AuditAction.VIEW, AuditAction.PRINT]
    assert client.get(f"{url}?after=garbage").status_code == 400
    for values in (["2026-01-01T00:00:00+00:00", 10**30], ["not a time", 1], ["2026-01-01", 1]):
        assert client.get(f"{url}?after={encode_cursor(values)}").status_code == 400, values


def test_accounting_statements_stay_constant_as_disclosures_grow(login, world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world)
    disclose(world)
    db.session.commit()
    client = login(world.clinician)
    url = f"/people/{world.person.id}/disclosures"
    with count_statements() as few:
        assert client.get(url).status_code == 200
    for _ in range(5):
        disclose(world)
    db.session.commit()
    with count_statements() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# --- Break-glass -------------------------------------------------------------------------------


def _contact_for(world) -> None:  # type: ignore[no-untyped-def]
    log_contact(
        world.case,
        by=world.clinician,
        type=ContactType.IN_PERSON_HOME,
        occurred_at=utcnow() - timedelta(hours=3),
        outcome=ContactOutcome.ENGAGED,
        participants=[world.clinician],
        operational_note="Met her at the door.",
    )


def test_break_glass_gives_read_only_access_for_the_configured_hours(
    app: Flask, login, world
) -> None:  # type: ignore[no-untyped-def]
    _contact_for(world)
    _, _, _, outsider = make_staffed_team()
    db.session.commit()
    client = login(outsider)
    person_url, case_url = f"/people/{world.person.id}", f"/cases/{world.case.id}"
    # Before break-glass, the case page offers it (403 with the prompt), never the record.
    blocked = client.get(case_url)
    assert blocked.status_code == 403
    assert world.person.last_name not in blocked.get_data(as_text=True)

    url = f"/people/{world.person.id}/break-glass"
    page = client.get(url)
    assert page.status_code == 200
    assert "You are not on this person's team" in page.get_data(as_text=True)
    short = client.post(url, data=_form(reason="urgent"))
    assert short.status_code == 422 and "at least 15 characters" in short.get_data(as_text=True)

    response = client.post(url, data=_form())
    assert response.status_code == 302 and response.location == person_url
    access = db.session.scalar(select(BreakGlassAccess))
    assert access.user_id == outsider.id and access.reason == REASON
    assert access.expires_at - access.at == timedelta(hours=app.config["BREAK_GLASS_HOURS"])

    assert client.get(person_url).status_code == 200
    case_page = client.get(case_url)
    assert case_page.status_code == 200 and "Met her at the door." in case_page.get_data(
        as_text=True
    )
    assert "Log contact" not in case_page.get_data(as_text=True)
    assert client.get(f"/people/{world.person.id}/consents").status_code == 200
    # Read-only: no contacts, connections, closing, consents or disclosures.
    assert client.get(f"/cases/{world.case.id}/contacts/new").status_code == 403
    assert client.post(f"/cases/{world.case.id}/contacts/new", data={}).status_code == 403
    assert client.get(f"/cases/{world.case.id}/linkages/new").status_code == 404
    assert client.post(f"/cases/{world.case.id}/close", data={}).status_code == 403
    assert client.get(f"/people/{world.person.id}/consents/new").status_code == 403
    assert client.get(f"/people/{world.person.id}/disclosures/new").status_code == 403
    # Opening break-glass again while it holds goes straight to the record.
    assert client.get(url).status_code == 302

    # The consents page viewed through break-glass is marked so in the audit trail.
    detail = db.session.scalar(
        select(AuditEvent.detail).where(
            AuditEvent.record_type == "consents", AuditEvent.user_id == outsider.id
        )
    )
    assert detail == "break-glass"

    access.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(person_url).status_code in (403, 404)  # the prompt again, or not found
    assert client.get(case_url).status_code in (403, 404)
    assert "Met her at the door." not in client.get(case_url).get_data(as_text=True)
    assert client.get(f"/people/{world.person.id}/consents").status_code == 404


def test_break_glass_returns_to_the_case_that_was_being_opened(login, world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team()
    client = login(outsider)
    response = client.post(
        f"/people/{world.person.id}/break-glass",
        data=_form(case_id=str(world.case.id)),
    )
    assert response.location == f"/cases/{world.case.id}"
    client.post("/logout")
    client = login(make_staffed_team()[3])
    response = client.post(f"/people/{world.person.id}/break-glass", data=_form(case_id="9" * 40))
    assert response.location == f"/people/{world.person.id}"


def test_break_glass_is_for_clinicians_and_real_people_only(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(make_staffed_team()[3])
    assert client.get("/people/999999/break-glass").status_code == 404
    client.post("/logout")
    for user in (world.officer, make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)):
        client = login(user)
        assert client.get(f"/people/{world.person.id}/break-glass").status_code == 404
        assert (
            client.post(f"/people/{world.person.id}/break-glass", data=_form()).status_code == 404
        )
        client.post("/logout")
    assert db.session.scalar(select(BreakGlassAccess)) is None


def test_the_prompt_helpers_tell_only_clinicians_that_the_person_exists(
    app: Flask, login, world
) -> None:  # type: ignore[no-untyped-def]
    app.add_url_rule(
        "/_test/person/<int:person_id>",
        "test_person",
        lambda person_id: break_glass_prompt_or_404(person_id),
    )
    app.add_url_rule(
        "/_test/case/<int:case_id>",
        "test_case",
        lambda case_id: break_glass_prompt_for_case_or_404(case_id),
    )
    _, _, _, outsider = make_staffed_team()
    client = login(outsider)
    prompt = client.get(f"/_test/person/{world.person.id}")
    assert prompt.status_code == 403
    body = prompt.get_data(as_text=True)
    assert (
        "You are not on this person's team. To open the record in an emergency, state your reason"
        in body
    )
    assert f'action="/people/{world.person.id}/break-glass"' in body
    case_prompt = client.get(f"/_test/case/{world.case.id}")
    assert case_prompt.status_code == 403
    assert f'name="case_id" type="hidden" value="{world.case.id}"' in case_prompt.get_data(
        as_text=True
    )
    assert client.get("/_test/person/999999").status_code == 404
    assert client.get("/_test/case/999999").status_code == 404
    prompt_views = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.record_type == "break_glass")
    ).all()
    assert prompt_views == ["break-glass prompt", "break-glass prompt"]
    client.post("/logout")

    client = login(make_user(Role.OFFICER))
    assert client.get(f"/_test/person/{world.person.id}").status_code == 404
    assert client.get(f"/_test/case/{world.case.id}").status_code == 404


def test_clinical_supervisors_review_and_acknowledge_break_glass(login, world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team(name="Bronx North")
    _break_glass(world, outsider)
    db.session.commit()
    access = db.session.scalar(select(BreakGlassAccess))

    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    page = client.get("/break-glass/").get_data(as_text=True)
    assert outsider.full_name in page and "Ana Lopez" in page and REASON in page
    too_long = client.post(
        f"/break-glass/{access.id}/acknowledge", data={"verdict": "justified", "note": "x" * 1001}
    )
    assert too_long.status_code == 422
    no_verdict = client.post(f"/break-glass/{access.id}/acknowledge", data={"note": "Checked."})
    assert no_verdict.status_code == 422
    assert "Say whether the access was justified or not." in no_verdict.get_data(as_text=True)
    response = client.post(
        f"/break-glass/{access.id}/acknowledge", data={"verdict": "justified", "note": "Checked."}
    )
    assert response.status_code == 302
    page = client.get("/break-glass/").get_data(as_text=True)
    assert "Nothing to review." in page and REASON not in page
    again = client.post(f"/break-glass/{access.id}/acknowledge", data={"verdict": "justified"})
    assert again.status_code == 409
    assert client.post("/break-glass/999999/acknowledge").status_code == 404
    assert access.acknowledgement_note == "Checked."


def test_the_review_queue_pages_with_constant_statements(app: Flask, login, world) -> None:  # type: ignore[no-untyped-def]
    app.config["PAGE_SIZE"] = 3
    for _ in range(2):
        _break_glass(world, make_staffed_team()[3])
    db.session.commit()
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    with count_statements() as few:
        assert client.get("/break-glass/").status_code == 200
    for _ in range(5):
        _break_glass(world, make_staffed_team()[3])
    db.session.commit()
    with count_statements() as many:
        page = client.get("/break-glass/").get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count(">Justified</button>") == 3 and "after=" in page
    assert client.get("/break-glass/?after=nonsense").status_code == 400
    for values in ([10**30], ["text"], [-1]):
        assert client.get(f"/break-glass/?after={encode_cursor(values)}").status_code == 400


# --- Break-glass is an exception ----------------------------------------------------------------

NY = ZoneInfo("America/New_York")
LIMIT_MESSAGE = "the most allowed in one day. Ask a clinical supervisor"


def test_the_form_offers_coded_reasons_and_refuses_a_missing_one(login, world) -> None:  # type: ignore[no-untyped-def]
    client = login(make_staffed_team()[3])
    url = f"/people/{world.person.id}/break-glass"
    form = client.get(url).get_data(as_text=True)
    assert 'type="radio"' in form and 'value="crisis"' in form
    assert "Call from 911, EMS, police or a hospital" in form

    missing = client.post(url, data={"reason": REASON})
    assert missing.status_code == 422
    assert "Choose what is happening from the list." in missing.get_data(as_text=True)
    made_up = client.post(url, data=_form(reason_code="curiosity"))
    assert made_up.status_code == 422
    assert db.session.scalar(select(BreakGlassAccess)) is None

    assert client.post(url, data=_form(reason_code="crisis")).status_code == 302
    access = db.session.scalar(select(BreakGlassAccess))
    assert access.reason_code.value == "crisis" and access.reason == REASON


def test_a_fourth_grant_in_one_new_york_day_is_refused_and_the_next_day_allowed(
    app: Flask, login, time_machine
) -> None:  # type: ignore[no-untyped-def]
    # 10:00 in New York is 15:00 UTC; 23:30 and 00:30 are already the next UTC day, so
    # a UTC day would count one grant too few at 23:30, and a rolling 24 hours one too
    # many at 00:30.
    time_machine.move_to(datetime(2026, 12, 6, 10, 0, tzinfo=NY), tick=False)
    team, *_ = make_staffed_team()
    people = [make_person() for _ in range(5)]
    for person in people:
        make_case(team, person)
    clinician = make_staffed_team()[3]
    db.session.commit()

    def open_record(client, person):  # type: ignore[no-untyped-def]
        return client.post(f"/people/{person.id}/break-glass", data=_form())

    client = login(clinician)
    assert open_record(client, people[0]).status_code == 302
    time_machine.move_to(datetime(2026, 12, 6, 23, 30, tzinfo=NY), tick=False)
    client = login(clinician)
    assert open_record(client, people[1]).status_code == 302
    assert open_record(client, people[2]).status_code == 302
    refused = open_record(client, people[3])
    assert refused.status_code == 429
    assert LIMIT_MESSAGE in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BreakGlassAccess.id))) == 3
    assert client.get(f"/people/{people[3].id}").status_code == 403  # still only the prompt

    time_machine.move_to(datetime(2026, 12, 7, 0, 30, tzinfo=NY), tick=False)
    client = login(clinician)
    assert open_record(client, people[3]).status_code == 302
    assert client.get(f"/people/{people[3].id}").status_code == 200


def test_the_daily_limit_is_a_setting(app: Flask, login, world) -> None:  # type: ignore[no-untyped-def]
    app.config["BREAK_GLASS_PER_DAY"] = 1
    other = make_person()
    make_case(world.team, other)
    client = login(make_staffed_team()[3])
    assert client.post(f"/people/{world.person.id}/break-glass", data=_form()).status_code == 302
    refused = client.post(f"/people/{other.id}/break-glass", data=_form())
    assert refused.status_code == 429
    assert "already opened 1 records" in refused.get_data(as_text=True)


def test_not_justified_ends_the_access_at_once_and_flags_the_account(login, world) -> None:  # type: ignore[no-untyped-def]
    outsiders_team, _, _, outsider = make_staffed_team()
    admin = make_user(Role.ADMIN)
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    client = login(outsider)
    person_url = f"/people/{world.person.id}"
    client.post(f"{person_url}/break-glass", data=_form(reason="Routine look-up, no emergency"))
    assert client.get(person_url).status_code == 200
    access = db.session.scalar(select(BreakGlassAccess))
    client.post("/logout")

    client = login(supervisor)
    response = client.post(
        f"/break-glass/{access.id}/acknowledge",
        data={"verdict": "not_justified", "note": "No emergency."},
    )
    assert response.status_code == 302
    assert "the access has ended" in client.get("/break-glass/").get_data(as_text=True)
    # The supervisor sees the flag on the clinician's team page.
    team_page = client.get(f"/teams/{outsiders_team.id}").get_data(as_text=True)
    assert "Break-glass flagged" in team_page
    client.post("/logout")

    client = login(outsider)
    assert client.get(person_url).status_code == 404
    assert client.get(f"/cases/{world.case.id}").status_code == 404
    assert client.get(f"{person_url}/break-glass").status_code == 404
    assert client.post(f"{person_url}/break-glass", data=_form()).status_code == 404
    client.post("/logout")

    # Nothing is deleted: the access is kept, ended, with the finding.
    db.session.expire_all()
    access = db.session.scalar(select(BreakGlassAccess))
    assert access.ended_at is not None and access.verdict.value == "not_justified"
    client = login(admin)
    users_page = client.get("/users/").get_data(as_text=True)
    assert users_page.count("Break-glass flagged") == 1
    assert "Break-glass flagged" in client.get(f"/users/{outsider.id}/edit").get_data(as_text=True)


def test_a_justified_access_stays_open_and_unflagged(login, world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team()
    access = _break_glass(world, outsider)
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    response = client.post(f"/break-glass/{access.id}/acknowledge", data={"verdict": "justified"})
    assert response.status_code == 302
    client.post("/logout")
    client = login(outsider)
    assert client.get(f"/people/{world.person.id}").status_code == 200
    assert outsider.break_glass_flagged_at is None


@pytest.mark.parametrize(
    ("role", "discipline", "shown"),
    [
        (Role.SUPERVISOR, Discipline.CLINICAL, True),
        (Role.SUPERVISOR, Discipline.POLICE, False),
        (Role.CLINICIAN, None, False),
        (Role.ADMIN, None, False),
    ],
)
def test_the_home_page_shows_pending_reviews_to_clinical_supervisors(
    login, world, role: Role, discipline: Discipline | None, shown: bool
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        _break_glass(world, make_staffed_team()[3])
    reviewed = _break_glass(world, make_staffed_team()[3])
    services.acknowledge_break_glass(
        reviewed, by=make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL), verdict="justified"
    )
    client = login(make_user(role, discipline=discipline))
    home = client.get("/").get_data(as_text=True)
    pending = re.search(r"Emergency access to review <span[^>]*>(\d+)</span>", home)
    assert (pending is not None) is shown
    assert ('href="/break-glass/"' in home) is shown
    if shown:
        assert pending.group(1) == "2"
