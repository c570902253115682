"""The audit report, its CSV export and a person's access log, over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.audit.services import record_event
from coresponse.auth.models import Discipline, Role
from coresponse.clock import utcnow
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.contacts.services import add_addendum, log_contact
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from coresponse.pagination import encode_cursor
from tests.audit.helpers import record
from tests.conftest import count_statements
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.linkages.helpers import make_provider

CANARY_REASON = "CANARY-AUDIT-ADDENDUM-REASON-9d"
CANARY_PROVIDER = "CANARY-AUDIT-PROVIDER-1e"
CLINICAL_WORDS = ("Substance use", "linkage", CANARY_REASON, CANARY_PROVIDER)


@pytest.fixture
def world(app: Flask, login):  # type: ignore[no-untyped-def]
    """A person whose record was opened, changed, and touched clinically (and by substance use)."""
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    contact = log_contact(
        case, by=clinician, type=ContactType.PHONE, occurred_at=utcnow() - timedelta(hours=2),
        outcome=ContactOutcome.ENGAGED, participants=[clinician], operational_note="Spoke.",
        clinical_note="Low mood.",
    )  # fmt: skip
    add_addendum(contact, by=clinician, reason=CANARY_REASON, clinical_text="More.")
    provider = make_provider(LinkageKind.SUBSTANCE_USE_PROGRAM, name=CANARY_PROVIDER)
    create_linkage(case, by=clinician, kind=LinkageKind.SUBSTANCE_USE_PROGRAM, provider=provider)
    db.session.commit()
    # The officer opens the person's page: a VIEW with the officer's address.
    client = login(officer)
    assert client.get(f"/people/{case.person_id}").status_code == 200
    client.post("/logout")
    return {
        "person_id": case.person_id,
        "officer": officer,
        "clinician": clinician,
        "admin": make_user(Role.ADMIN),
        "clinical_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        "police_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "analyst": make_user(Role.ANALYST),
    }


def _events(**where: object) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(stmt))


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# Who may open what -------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/audit/", "/audit/export.csv", "/audit/people/1"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url


def test_only_admins_get_the_report_and_supervisors_the_access_log(world, login) -> None:  # type: ignore[no-untyped-def]
    log = f"/audit/people/{world['person_id']}"
    expected = {
        "admin": (200, 200, 403),
        "clinical_supervisor": (403, 403, 200),
        "police_supervisor": (403, 403, 200),
        "clinician": (403, 403, 403),  # even on the person's team
        "officer": (403, 403, 403),
        "analyst": (403, 403, 403),
    }
    for who, statuses in expected.items():
        client = login(world[who])
        got = tuple(client.get(url).status_code for url in ("/audit/", "/audit/export.csv", log))
        assert got == statuses, who
        client.post("/logout")


def test_the_access_log_of_no_one_is_not_found(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["clinical_supervisor"])
    assert client.get("/audit/people/999999").status_code == 404
    assert client.get("/audit/people/99999999999999999999999").status_code == 404


# The person's access log -------------------------------------------------------------


def test_a_supervisor_sees_who_opened_the_record_and_the_viewing_is_recorded(world, login) -> None:  # type: ignore[no-untyped-def]
    person_id = world["person_id"]
    supervisor = world["clinical_supervisor"]
    page = login(supervisor).get(f"/audit/people/{person_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    officer = world["officer"]
    assert officer.username in html and officer.full_name in html and "Police officer" in html
    assert "127.0.0.1" in html and "Viewed" in html and f"person #{person_id}" in html
    # A clinical supervisor reads clinical detail: which connection. An addendum is named,
    # its reason stays on the contact (the trail never copies a note's text).
    assert "Substance use (42 CFR Part 2)" in html and "addendum" in html
    assert CANARY_REASON not in html
    # The newest event comes first.
    assert html.index(officer.username) < html.index(world["clinician"].username)
    logged = _events(record_type="access_log", person_id=person_id)
    assert [(e.user_id, e.action, e.category) for e in logged] == [
        (supervisor.id, AuditAction.VIEW, DataCategory.IDENTITY)
    ]


def test_a_police_supervisor_sees_accesses_but_no_clinical_detail(world, login) -> None:  # type: ignore[no-untyped-def]
    html = (
        login(world["police_supervisor"])
        .get(f"/audit/people/{world['person_id']}")
        .get_data(as_text=True)
    )
    assert world["clinician"].username in html and "Clinical (restricted)" in html
    for word in CLINICAL_WORDS:
        assert word not in html, word


def test_the_person_page_links_supervisors_to_the_access_log(world, login) -> None:  # type: ignore[no-untyped-def]
    link = f'href="/audit/people/{world["person_id"]}"'
    page = login(world["police_supervisor"]).get(f"/people/{world['person_id']}")
    assert link in page.get_data(as_text=True)
    login(world["police_supervisor"]).post("/logout")
    page = login(world["clinician"]).get(f"/people/{world['person_id']}")
    assert link not in page.get_data(as_text=True)


def test_the_access_log_pages_newest_first(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    app.config["PAGE_SIZE"] = 4
    person_id = world["person_id"]
    record(9, person_id=person_id)
    expected = [e.id for e in reversed(_events(person_id=person_id))]
    client = login(world["clinical_supervisor"])
    seen: list[int] = []
    url = f"/audit/people/{person_id}"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in _ids(html)]
        url = _next_link(html)
    # Each visit adds one access_log event at the top; those are newer than the walk's start.
    assert [i for i in seen if i in expected] == expected
    assert client.get(f"/audit/people/{person_id}?after=not-a-cursor").status_code == 400


def _ids(html: str) -> list[str]:
    import re

    return re.findall(r'data-event="(\d+)"', html)


def _next_link(html: str) -> str | None:
    import re

    found = re.search(r'href="([^"]+)">Older events<', html)
    return found.group(1).replace("&amp;", "&") if found else None


# The admins' report ------------------------------------------------------------------


def test_the_report_lists_every_event_and_is_itself_audited(world, login) -> None:  # type: ignore[no-untyped-def]
    admin = world["admin"]
    html = login(admin).get("/audit/").get_data(as_text=True)
    assert world["officer"].username in html and world["clinician"].username in html
    # Admins read no clinical content: the addendum's reason and the program stay hidden.
    for word in CLINICAL_WORDS:
        assert word not in html, word
    assert "Clinical (restricted)" in html
    viewed = _events(record_type="audit_report", user_id=admin.id)
    assert [(e.action, e.detail) for e in viewed] == [
        (AuditAction.VIEW, "audit report: no filters")
    ]


def test_the_report_filters_by_user_person_action_and_record_type(world, login) -> None:  # type: ignore[no-untyped-def]
    other = make_person()
    record_event(AuditAction.PRINT, by=world["clinician"], record_type="case", record_id=7,
                 person_id=other.id, category=DataCategory.OPERATIONAL)  # fmt: skip
    db.session.commit()
    client = login(world["admin"])

    def ids(**args: str) -> set[int]:
        response = client.get("/audit/", query_string=args)
        assert response.status_code == 200, response.get_data(as_text=True)
        return {int(i) for i in _ids(response.get_data(as_text=True))}

    officer = world["officer"]
    assert ids(user=officer.username) == {e.id for e in _events(user_id=officer.id)}
    about_other = {e.id for e in _events(person_id=other.id)}
    assert ids(person=str(other.id)) == about_other
    assert ids(action="print") == {e.id for e in _events(action=AuditAction.PRINT)}
    assert ids(record_type="case", action="print", user=world["clinician"].username) == {
        e.id for e in _events(action=AuditAction.PRINT)
    }
    detail = _events(record_type="audit_report")[-1].detail
    clinician = world["clinician"].username
    assert detail == f"audit report: user {clinician}, action print, record type case"
    # A record type an admin may not read about finds nothing, rather than revealing it.
    assert _events(record_type="linkage") and ids(record_type="linkage") == set()


def test_the_report_filters_by_local_dates(world, login, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # 03:30 UTC on 10 March 2026 is 23:30 on 9 March in New York.
    late_evening = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)
    monkeypatch.setattr("coresponse.audit.services.utcnow", lambda: late_evening)
    event = record_event(AuditAction.VIEW, by=None, record_type="person", record_id=1,
                         category=DataCategory.IDENTITY)  # fmt: skip
    db.session.commit()
    monkeypatch.undo()
    client = login(world["admin"])

    def ids(**args: str) -> list[str]:
        return _ids(client.get("/audit/", query_string=args).get_data(as_text=True))

    assert str(event.id) in ids(date_from="2026-03-09", date_to="2026-03-09")
    assert str(event.id) not in ids(date_from="2026-03-10")
    assert str(event.id) not in ids(date_to="2026-03-08")


BAD_FILTERS = [
    ({"person": "abc"}, "Not a valid integer value."),
    ({"person": "999999"}, "No person has the id 999999."),
    ({"person": "99999999999999999999999"}, "Give a person&#39;s id number."),
    ({"user": "nobody-here"}, "No account has the username &#39;nobody-here&#39;."),
    ({"action": "shred"}, "Not a valid choice."),
    ({"record_type": "x; DROP TABLE"}, "Lower-case letters and _ only"),
    ({"date_from": "2026-02-30"}, "Not a valid date value."),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "The end date is before"),
]


def test_bad_filters_are_a_400_with_a_message(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["admin"])
    before = len(_events())
    for args, message in BAD_FILTERS:
        response = client.get("/audit/", query_string=args)
        assert response.status_code == 400, args
        assert message in response.get_data(as_text=True), args
        export = client.get("/audit/export.csv", query_string=args)
        assert export.status_code == 400, args
        assert "The export was not made" in export.get_data(as_text=True)
    assert len(_events()) == before  # nothing was read, so nothing is recorded


def test_a_forged_page_link_is_a_400(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["admin"])
    forged = (
        ["x", 1],  # not a time
        ["2026-01-01", 1],  # no time zone
        ["2026-01-01T00:00+00:00", 10**22],  # an id no database holds
        ["2026-01-01T00:00+00:00", "1"],
    )
    for cursor in ("garbage", *(encode_cursor(values) for values in forged)):
        assert client.get(f"/audit/?after={cursor}").status_code == 400, cursor


def test_the_report_pages_through_everything_once(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    app.config["PAGE_SIZE"] = 5
    record(12)
    expected = [e.id for e in reversed(_events())]
    client = login(world["admin"])
    seen: list[int] = []
    url: str | None = "/audit/?record_type=person"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in _ids(html)]
        url = _next_link(html)
    assert seen == [i for i in expected if _is_person(i)]


def _is_person(event_id: int) -> bool:
    event = db.session.get(AuditEvent, event_id)
    return event.record_type == "person" and not event.category.clinical


def test_report_pages_run_a_constant_number_of_statements(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["admin"])
    supervisor = make_user(Role.SUPERVISOR)
    counts = []
    for more in (0, 30):
        record(more, by=world["clinician"], person_id=world["person_id"])
        pages = []
        for url, who in (("/audit/", client), (f"/audit/people/{world['person_id']}", None)):
            if who is None:
                client.post("/logout")
                who = login(supervisor)
            with count_statements() as statements:
                assert who.get(url).status_code == 200
            pages.append(len(statements))
        client.post("/logout")
        client = login(world["admin"])
        counts.append(pages)
    assert counts[0] == counts[1]


# The CSV export ----------------------------------------------------------------------


def test_the_export_is_a_csv_download_and_is_itself_audited(world, login) -> None:  # type: ignore[no-untyped-def]
    admin = world["admin"]
    officer = world["officer"]
    client = login(admin)
    response = client.get(f"/audit/export.csv?user={officer.username}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = _csv(response)
    officer_events = _events(user_id=officer.id)
    assert [int(r["event_id"]) for r in rows] == [e.id for e in reversed(officer_events)]
    first = rows[-1]
    assert first["username"] == officer.username and first["role"] == "officer"
    assert first["row_hash"] == officer_events[0].row_hash
    assert first["at_utc"] == officer_events[0].at.isoformat()
    assert first["at_local"].endswith(("-04:00", "-05:00"))
    exported = _events(action=AuditAction.EXPORT)
    assert [(e.user_id, e.category, e.detail) for e in exported] == [
        (admin.id, DataCategory.ACCOUNT,
         f"audit report CSV: user {officer.username}; {len(rows)} rows")
    ]  # fmt: skip


def test_the_export_holds_no_clinical_free_text(world, login) -> None:  # type: ignore[no-untyped-def]
    record_event(AuditAction.UPDATE, by=world["clinician"], record_type="case", record_id=3,
                 category=DataCategory.OPERATIONAL, detail="closed: moved out of area")  # fmt: skip
    db.session.commit()
    response = login(world["admin"]).get("/audit/export.csv")
    body = response.get_data(as_text=True)
    for word in CLINICAL_WORDS:
        assert word not in body, word
    rows = _csv(response)
    clinical = [r for r in rows if r["category"] == "clinical"]
    assert clinical and all(
        r["detail"] == "" and r["record_id"] == "" and r["record_type"] == "clinical record"
        for r in clinical
    )
    # Operational and account events keep their detail.
    assert {"operational": "closed: moved out of area"}.items() <= {
        r["category"]: r["detail"] for r in rows if r["record_type"] == "case"
    }.items()


def test_the_export_neutralises_spreadsheet_formulas(world, login) -> None:  # type: ignore[no-untyped-def]
    record_event(AuditAction.UPDATE, by=world["admin"], record_type="team", record_id=1,
                 category=DataCategory.ACCOUNT, detail="=HYPERLINK(\"http://x\")")  # fmt: skip
    db.session.commit()
    rows = _csv(login(world["admin"]).get("/audit/export.csv?record_type=team"))
    assert rows[0]["detail"] == '\'=HYPERLINK("http://x")'


def test_a_large_export_streams_every_row(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    from coresponse.audit import queries

    record(25)
    client = login(world["admin"])
    everything = len(_events())
    original = queries.EXPORT_BATCH
    queries.EXPORT_BATCH = 7
    try:
        response = client.get("/audit/export.csv")
    finally:
        queries.EXPORT_BATCH = original
    ids = [int(r["event_id"]) for r in _csv(response)]
    assert len(ids) == everything and ids == sorted(ids, reverse=True)
