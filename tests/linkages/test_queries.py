"""Read paths: nearest providers by real distance, keyset pages, visibility, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, render_template
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus
from coresponse.clock import program_today, utcnow
from coresponse.extensions import db
from coresponse.linkages import queries, services
from coresponse.linkages.models import LinkageKind, LinkageStatus, VerificationMethod
from coresponse.pagination import BadCursor
from coresponse.privacy.policy import case_visibility
from tests.conftest import count_statements
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.linkages.helpers import make_linkage, make_provider, make_support_contact

TIMES_SQUARE = (40.7580, -73.9855)


def test_nearest_providers_are_ranked_by_geodesic_distance(app: Flask) -> None:
    imt = LinkageKind.IMT
    # 0.03° north is farther than 0.035° east at this latitude: ranking by raw degrees
    # would get these two the wrong way round.
    north = make_provider(imt, name="North", latitude=40.7880, longitude=-73.9855)
    far = make_provider(imt, name="Far (JFK)", latitude=40.6413, longitude=-73.7781)
    unplaced = make_provider(imt, name="Unplaced", latitude=None, longitude=None)
    east = make_provider(imt, name="East", latitude=40.7580, longitude=-73.9505)
    make_provider(imt, name="Full", latitude=40.7581, longitude=-73.9855, accepting_referrals=False)
    make_provider(imt, name="Retired", latitude=40.7581, longitude=-73.9855, active=False)
    make_provider(LinkageKind.ACT, name="Other kind", latitude=40.7581, longitude=-73.9855)

    ranked = queries.nearest_providers(imt, TIMES_SQUARE)
    assert [p.name for p, _ in ranked] == ["East", "North", "Far (JFK)", "Unplaced"]
    assert [p for p, _ in ranked] == [east, north, far, unplaced]
    distances = [km for _, km in ranked]
    assert distances[:3] == pytest.approx([2.9555, 3.3315, 21.799], abs=0.001)
    assert distances[3] is None

    with_full = queries.nearest_providers(imt, TIMES_SQUARE, accepting_only=False, limit=2)
    assert [p.name for p, _ in with_full] == ["Full", "East"]


def test_without_a_point_nearest_providers_come_in_name_order(app: Flask) -> None:
    for name in ("Charlie", "alpha", "Bravo"):
        make_provider(LinkageKind.HOUSING, name=name)
    ranked = queries.nearest_providers(LinkageKind.HOUSING, None, limit=5)
    assert [(p.name, km) for p, km in ranked] == [
        ("alpha", None),
        ("Bravo", None),
        ("Charlie", None),
    ]


def test_the_directory_pages_by_name_without_gaps_or_repeats(app: Flask) -> None:
    names = ["Delta", "Alpha", "Echo", "Bravo", "Alpha", "Charlie", "Foxtrot"]
    for name in names:
        make_provider(LinkageKind.BENEFITS, name=name)
    make_provider(LinkageKind.BENEFITS, name="Retired One", active=False)
    make_provider(LinkageKind.LEGAL, name="Legal Aid")

    seen: list[tuple[str, int]] = []
    cursor = None
    pages = 0
    while True:
        page = queries.list_providers(LinkageKind.BENEFITS, cursor=cursor, size=3)
        seen += [(p.name, p.id) for p in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert [name for name, _ in seen] == sorted(names)
    assert len(set(seen)) == len(names)

    everything = queries.list_providers(include_inactive=True, size=50).items
    assert {p.name for p in everything} >= {"Retired One", "Legal Aid"}
    assert "Retired One" not in {p.name for p in queries.list_providers(size=50).items}
    with pytest.raises(BadCursor):
        queries.list_providers(cursor="not-a-cursor")


def test_accepting_only_filter(app: Flask) -> None:
    make_provider(LinkageKind.LEGAL, name="Open")
    make_provider(LinkageKind.LEGAL, name="Closed", accepting_referrals=False)
    page = queries.list_providers(LinkageKind.LEGAL, accepting_only=True, size=10)
    assert [p.name for p in page.items] == ["Open"]


def test_case_linkages_come_newest_first_with_everything_loaded(app: Flask) -> None:
    team, _, _, clinician = make_staffed_team()
    person = make_person()  # held here: the session keeps only weak references to rows
    case = make_case(team, person)
    older = make_linkage(case, clinician, target_name="Older", kind=LinkageKind.HOUSING)
    older.created_at -= timedelta(days=3)
    sister = make_support_contact(person, name="Ana")
    newer = make_linkage(case, clinician, kind=LinkageKind.FAMILY, support_contact=sister)
    services.change_linkage_status(older, by=clinician, to_status=LinkageStatus.REFERRED)
    db.session.commit()
    db.session.expire_all()

    found = queries.case_linkages(case.id)
    assert [link.id for link in found] == [newer.id, older.id]
    # Loaded up front: touching these would raise under lazy="raise_on_sql" otherwise.
    assert found[0].target == "Ana" and found[1].target == "Older"
    assert [c.by.full_name for c in found[1].changes] == [clinician.full_name] * 2


def test_person_linkages_only_come_from_cases_the_filter_lets_through(app: Flask) -> None:
    team, _, _, clinician = make_staffed_team()
    other_team, _, _, other_clinician = make_staffed_team()
    person = make_person()
    earlier = make_case(team, person)
    mine = make_linkage(earlier, clinician, target_name="Mine", kind=LinkageKind.LEGAL)
    # A person has one open case at a time: the team's case closed before the other opened.
    earlier.status, earlier.closed_at = CaseStatus.CLOSED, utcnow()
    db.session.flush()
    make_linkage(
        make_case(other_team, person), other_clinician, target_name="Theirs", kind=LinkageKind.LEGAL
    )
    db.session.commit()
    assert [link.id for link in queries.person_linkages(person.id, case_visibility(clinician))] == [
        mine.id
    ]
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    assert len(queries.person_linkages(person.id, case_visibility(supervisor))) == 2


def test_get_visible_linkage_is_a_404_for_anyone_who_may_not_see_it(app: Flask) -> None:
    team, officer, _, clinician = make_staffed_team()
    *_, other_clinician = make_staffed_team()
    linkage = make_linkage(make_case(team), clinician)
    db.session.commit()
    assert queries.get_visible_linkage(clinician, linkage.id).id == linkage.id
    clinical_supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    assert queries.get_visible_linkage(clinical_supervisor, linkage.id).id == linkage.id
    for viewer in (
        officer,
        other_clinician,
        make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        make_user(Role.ANALYST),
        make_user(Role.ADMIN),
    ):
        with pytest.raises(NotFound):
            queries.get_visible_linkage(viewer, linkage.id)
    with pytest.raises(NotFound):
        queries.get_visible_linkage(clinician, linkage.id + 1000)


def _listed_statements(app: Flask, case_id: int, viewer) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    with app.test_request_context("/"):
        login_user(viewer)
        with count_statements() as statements:
            html = render_template("linkages/_list.html", linkages=queries.case_linkages(case_id))
        assert "Verified" in html
    return len(statements)


def test_the_list_of_a_case_with_many_linkages_costs_the_same_queries(app: Flask) -> None:
    team, _, _, clinician = make_staffed_team()
    person = make_person()
    case = make_case(team, person)

    def add_connected() -> None:
        linkage = make_linkage(case, clinician, kind=LinkageKind.PRIMARY_CARE)
        services.change_linkage_status(linkage, by=clinician, to_status=LinkageStatus.REFERRED)
        services.change_linkage_status(
            linkage,
            by=clinician,
            to_status=LinkageStatus.CONNECTED,
            verified_on=program_today(),
            verification_method=VerificationMethod.RECORDS,
            verified_by="Records",
        )
        make_linkage(
            case,
            clinician,
            kind=LinkageKind.FAMILY,
            support_contact=make_support_contact(person),
        )

    add_connected()
    db.session.commit()
    few = _listed_statements(app, case.id, clinician)
    for _ in range(6):
        add_connected()
    db.session.commit()
    many = _listed_statements(app, case.id, clinician)
    assert len(queries.case_linkages(case.id)) == 14
    assert many == few


def test_family_contacts_lists_only_active_family_and_friends(app: Flask) -> None:
    from coresponse.people.models import SupportContact, SupportRelationship

    person = make_person()
    make_support_contact(person, SupportRelationship.PARENT, name="Mom")
    make_support_contact(person, SupportRelationship.FRIEND, name="Bea")
    make_support_contact(person, SupportRelationship.PROVIDER, name="Dr. Who")
    make_support_contact(person, SupportRelationship.SIBLING, name="Gone", active=False)
    make_support_contact(make_person(), SupportRelationship.SIBLING, name="Other's")
    assert [c.name for c in queries.family_contacts(person.id)] == ["Bea", "Mom"]
    assert len(db.session.scalars(select(SupportContact)).all()) == 5
