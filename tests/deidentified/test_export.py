"""The de-identified case export: Safe Harbor shaping, filters, audit, access, streaming."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus, ClosureReason
from coresponse.clock import local_to_utc
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.deidentified.queries import age_band, zip3
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageKind, LinkageStatus
from coresponse.people.models import Borough, PersonAlias
from coresponse.people.services import set_demographics
from tests.conftest import count_statements
from tests.factories import make_case, make_person, make_staffed_team, make_team, make_user
from tests.reports import program

RANGE = {"from": "2025-10-01", "to": "2025-11-30"}
URL = "/reports/export/cases.csv"
CANARY = "Zqxcanary"


def ny(text: str) -> datetime:
    return local_to_utc(datetime.fromisoformat(text))


def _rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _analyst(login):  # type: ignore[no-untyped-def]
    return login(make_user(Role.ANALYST))


def _plant_canary() -> int:
    """A person and case with a distinctive string in every identity and free-text field."""
    team = make_team(name="Canary team")
    clinician = make_user(Role.CLINICIAN)
    person = make_person(
        first_name=f"{CANARY}First", last_name=f"{CANARY}Last", middle_name=f"{CANARY}Middle",
        preferred_name=f"{CANARY}Preferred", date_of_birth=date(1931, 7, 4),
        gender_description=f"{CANARY} in their own words",
        address={"line1": f"77 {CANARY} Street", "line2": f"Apt {CANARY}",
                 "city": f"{CANARY}ville", "postal_code": "10453"},
    )  # fmt: skip
    set_demographics(person, gender=["different_identity"], race_ethnicity=["white"])
    person.phones[0].number = "(212) 555-9876"
    person.phones[0].digits = "2125559876"
    person.aliases.append(PersonAlias(name=f"{CANARY}Alias", name_key=f"{CANARY}alias".lower()))
    case = make_case(
        team, person, referred_at=ny("2025-10-05 10:00"), accepted_at=ny("2025-10-05 12:00"),
        closed_at=ny("2025-11-01 10:00"), status=CaseStatus.CLOSED,
        closure_reason=ClosureReason.OTHER, closure_note=f"{CANARY} clinical closing",
        closure_operational_note=f"{CANARY} operational closing",
    )  # fmt: skip
    referral = case.referral
    referral.received_at = ny("2025-10-05 10:00")
    referral.reason = f"{CANARY} reason"
    referral.referrer_name = f"{CANARY} Referrer"
    referral.referrer_phone = "(917) 555-4321"
    referral.referrer_email = f"{CANARY}@example.org"
    referral.source_detail = f"{CANARY} detail"
    referral.triage_note = f"{CANARY} triage"
    db.session.add(
        Contact(
            case_id=case.id, person_id=person.id, type=ContactType.IN_PERSON_OTHER,
            occurred_at=ny("2025-10-06 10:00"), outcome=ContactOutcome.ENGAGED,
            location=f"{CANARY} corner", operational_note=f"{CANARY} op note",
            clinical_note=f"{CANARY} clinical note", others_present=f"{CANARY} mother",
            transport_destination=f"{CANARY} hospital", recorded_by_id=clinician.id,
        )
    )  # fmt: skip
    db.session.add(
        Linkage(
            person_id=person.id, case_id=case.id, kind=LinkageKind.OUTPATIENT_CLINIC,
            target_name=f"{CANARY} clinic", status=LinkageStatus.CONNECTED,
            verified_on=date(2025, 10, 20), verified_by=f"{CANARY} verifier",
            note=f"{CANARY} linkage note",
        )
    )  # fmt: skip
    db.session.flush()
    return case.id


def test_no_identity_or_free_text_leaves_in_the_file(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    case_id = _plant_canary()
    client = _analyst(login)
    response = client.get(URL, query_string=RANGE)
    text = response.get_data(as_text=True)
    rows = _rows(response)
    assert len(rows) == 1
    assert CANARY.lower() not in text.lower()
    for identifier in ("555", "9876", "4321", "1931", "07-04", "Street", "10453", "Canary team"):
        if identifier == "Canary team":
            continue  # the team's name is about the team, not the person (kept)
        assert identifier not in text, identifier
    assert not any(name.endswith("id") for name in rows[0]), rows[0].keys()
    assert rows[0]["case_key"] != str(case_id)
    # Born 4 July 1931, referred October 2025: 94, top-coded. The Bronx ZIP 10453 -> 104.
    assert rows[0]["age_band"] == "90 and over"
    assert rows[0]["zip3"] == "104"
    # The HMIS code is exported; the person's own description of it never is.
    assert (rows[0]["gender"], rows[0]["race_ethnicity"]) == ("different_identity", "white")


def test_known_rows_in_new_york_time(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    built = program.build()
    db.session.flush()
    client = _analyst(login)
    rows = _rows(client.get(URL, query_string=RANGE))
    # Three cases referred in the range (r1, r2, r3), r5 in November too: four rows, in
    # referral order; C3's referral at 20:00 on 31 October (1 November in UTC) is October.
    assert len(rows) == 4
    first, second, third = rows[0], rows[1], rows[2]
    assert [r["referral_year"] for r in rows] == ["2025"] * 4
    assert first["referral_source"] == "nypd_precinct"
    assert first["triage_hours"] == "2.0"
    assert first["hours_to_first_contact"] == "24.0" and first["first_contact_within_24h"] == "yes"
    assert first["closure_reason"] == "connected_to_care"
    assert first["closed_day"] == "29"  # 1 to 30 October
    assert first["treatment_connected"] == "yes" and first["verified_connections"] == "1"
    assert first["days_to_first_verified_connection"] == "24"
    assert first["re_referred_within_90_days"] == "yes"
    assert (first["engagements"], first["attempts"], first["voluntary_transports"]) == (
        "1",
        "2",
        "1",
    )
    # C2: referred 22:00 on 10 October (11 October UTC), reopened, closed 25 November.
    assert second["reopened"] == "yes" and second["closed_day"] == "46"
    assert second["collateral_contacts"] == "1" and second["treatment_connected"] == "no"
    assert second["age_band"] == "18–24"  # 24 on the New York day of her referral
    assert second["zip3"] == "112" and second["preferred_language"] == "Spanish"
    # C3: 24.5 real hours across the night the clocks went back.
    assert third["hours_to_first_contact"] == "24.5" and third["first_contact_within_24h"] == "no"
    assert third["age_band"] == "75–89"
    assert built.c1.id not in {int(r["case_key"], 16) for r in rows}


def test_hmis_answers_as_codes_in_the_standards_order(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    at = {"accepted_at": ny("2025-10-05 11:00")}
    several = make_person()
    # Recorded in another order than the standard's: the file keeps the standard's.
    set_demographics(
        several, gender=["transgender", "man"], race_ethnicity=["white", "hispanic_latinaeo"]
    )
    declined = make_person()
    set_demographics(
        declined,
        gender=["client_prefers_not_to_answer"],
        race_ethnicity=["client_doesnt_know"],
    )
    unrecorded = make_person()
    make_case(person=several, referred_at=ny("2025-10-05 08:00"), **at)
    make_case(person=declined, referred_at=ny("2025-10-05 09:00"), **at)
    make_case(person=unrecorded, referred_at=ny("2025-10-05 10:00"), **at)
    rows = _rows(_analyst(login).get(URL, query_string=RANGE))
    assert [(r["gender"], r["race_ethnicity"]) for r in rows] == [
        ("man;transgender", "hispanic_latinaeo;white"),
        ("client_prefers_not_to_answer", "client_doesnt_know"),
        ("data_not_collected", "data_not_collected"),  # nothing recorded
    ]


def test_a_referral_on_new_years_eve_evening_is_that_year(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    make_case(referred_at=ny("2025-12-31 23:30"), accepted_at=ny("2026-01-01 00:30"))
    rows = _rows(_analyst(login).get(URL, query_string={"from": "2025-12-31", "to": "2025-12-31"}))
    assert [(r["referral_year"], r["triage_hours"]) for r in rows] == [("2025", "1.0")]


def test_zip3_and_the_restricted_list() -> None:
    assert zip3("11207") == "112"
    assert zip3("10212-1234") == "000"  # 102: 20,000 or fewer people
    assert zip3("03601") == "000"
    assert zip3(None) == zip3("") == zip3("N/A") == ""


def test_age_bands_top_code_90() -> None:
    on = date(2025, 10, 1)
    assert age_band(date(1935, 10, 2), on) == "75–89"  # 89, a day before turning 90
    assert age_band(date(1935, 10, 1), on) == "90 and over"
    assert age_band(date(1900, 1, 1), on) == "90 and over"
    assert age_band(date(1960, 10, 1), on) == "65–74"
    assert age_band(None, on) == ""


def test_case_keys_are_random_unique_and_new_each_time(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    for _ in range(30):
        make_case(referred_at=ny("2025-10-05 10:00"), accepted_at=ny("2025-10-05 11:00"))
    client = _analyst(login)
    once = [r["case_key"] for r in _rows(client.get(URL, query_string=RANGE))]
    twice = [r["case_key"] for r in _rows(client.get(URL, query_string=RANGE))]
    assert len(set(once)) == len(once) == 30
    assert not set(once) & set(twice)
    assert all(len(k) == 16 for k in once)


def test_filters_by_range_team_and_borough(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    team, *_ = make_staffed_team()
    other = make_team(name="Other")
    at = {"referred_at": ny("2025-10-05 10:00"), "accepted_at": ny("2025-10-05 11:00")}
    make_case(team, **at)
    make_case(other, make_person(address={"borough": Borough.QUEENS}), **at)
    make_case(team, referred_at=ny("2025-09-30 23:59"), accepted_at=ny("2025-10-01 09:00"))
    client = _analyst(login)
    assert len(_rows(client.get(URL, query_string=RANGE))) == 2
    assert len(_rows(client.get(URL, query_string={**RANGE, "team": other.id}))) == 1
    queens = _rows(client.get(URL, query_string={**RANGE, "borough": "QN"}))
    assert [r["team"] for r in queens] == ["Other"]
    page = client.get("/reports/export/", query_string={**RANGE, "team": team.id})
    assert page.status_code == 200 and "1 case<" in page.get_data(as_text=True)


def test_each_export_is_audited_with_its_rows(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        make_case(referred_at=ny("2025-10-05 10:00"), accepted_at=ny("2025-10-05 11:00"))
    analyst = make_user(Role.ANALYST)
    response = login(analyst).get(URL, query_string=RANGE)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="cases-deidentified-'
    )
    assert len(_rows(response)) == 3
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT))
    )
    assert [(e.user_id, e.record_type, e.category) for e in events] == [
        (analyst.id, "deidentified_export", DataCategory.OPERATIONAL)
    ]
    assert "referrals received 2025-10-01 to 2025-11-30; 3 rows" in (events[0].detail or "")


@pytest.mark.parametrize(
    ("role", "discipline", "status"),
    [
        (Role.OFFICER, None, 403),
        (Role.CLINICIAN, None, 403),
        (Role.ANALYST, None, 200),
        (Role.ADMIN, None, 200),
        (Role.SUPERVISOR, Discipline.CLINICAL, 200),
        (Role.SUPERVISOR, Discipline.POLICE, 200),
    ],
)
def test_who_may_export(app: Flask, login, role, discipline, status) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role, discipline=discipline) if discipline else make_user(role)
    client = login(user)
    assert client.get("/reports/export/").status_code == status
    assert client.get(URL, query_string=RANGE).status_code == status


def test_police_readers_get_no_connection_columns(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    _plant_canary()
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    with count_statements() as statements:
        rows = _rows(client.get(URL, query_string=RANGE))
    assert "connections" not in rows[0] and "treatment_connected" not in rows[0]
    assert not any("linkage" in s for s in statements)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"from": "2025-11-30", "to": "2025-10-01"}, "swap the dates"),
        ({"from": "2015-01-01", "to": "2025-01-01"}, "at most 5 years"),
        ({"from": "2025-13-01"}, "YYYY-MM-DD"),
        ({"team": "99999"}, "choose a team"),
        ({"team": "abc"}, "choose a team"),
        ({"borough": "XX"}, "choose a borough"),
    ],
)
def test_bad_input_is_a_422_with_a_message(app: Flask, login, args, field) -> None:  # type: ignore[no-untyped-def]
    client = _analyst(login)
    for url in ("/reports/export/", URL):
        response = client.get(url, query_string=args)
        assert response.status_code == 422, url
        assert field in response.get_data(as_text=True)
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).all()


def test_the_export_runs_a_bounded_number_of_statements(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    """No query per row: the same statements for 3 cases as for 30."""
    client = _analyst(login)

    def export_statements(cases: int) -> int:
        for _ in range(cases):
            case = make_case(
                make_team(), referred_at=ny("2025-10-05 10:00"), accepted_at=ny("2025-10-05 11:00")
            )
            db.session.add(
                Contact(
                    case_id=case.id, person_id=case.person_id, type=ContactType.PHONE,
                    occurred_at=ny("2025-10-06 10:00"), outcome=ContactOutcome.ENGAGED,
                    recorded_by_id=make_user().id,
                )
            )  # fmt: skip
        db.session.commit()
        with count_statements() as statements:
            _rows(client.get(URL, query_string=RANGE))
        return len(statements)

    small = export_statements(3)
    assert export_statements(27) == small
    assert small <= 12


def test_default_range_is_the_last_12_months(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    make_case(referred_at=datetime.now().astimezone() - timedelta(days=3))
    make_case(referred_at=datetime.now().astimezone() - timedelta(days=400))
    assert len(_rows(_analyst(login).get(URL))) == 1
