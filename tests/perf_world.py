"""A small program with every kind of row the main pages show, and a way to grow it.

Used by the statement-budget and query-plan tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from coresponse.auth.models import Discipline, Role, User
from coresponse.auth.queries import pending_access_request
from coresponse.auth.services import create_user, reset_password
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import program_today, utcnow
from coresponse.consent.models import ConsentMethod, DisclosureBasis, ShareScope
from coresponse.consent.services import (
    break_glass,
    record_consent,
    record_disclosure,
    resolve_recipient,
)
from coresponse.contacts import services as contact_services
from coresponse.contacts.models import Contact, ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageKind, LinkageStatus
from coresponse.linkages.services import change_linkage_status, create_linkage
from coresponse.people.matching import person_keys
from coresponse.people.models import Person, PersonAlias, PersonPhone, PersonSearchKey
from coresponse.referrals.models import Referral, ReferralRiskIndicator, RiskIndicator
from coresponse.teams.models import Team
from tests.factories import (
    PASSWORD,
    make_case,
    make_person,
    make_referral,
    make_staffed_team,
    make_user,
)
from tests.linkages.helpers import make_provider, make_support_contact


@dataclass
class World:
    """Two teams, every role, and a person with a long history on team A's case."""

    team: Team
    other_team: Team
    users: dict[str, User]
    person: Person
    case: Case
    contact: Contact
    linkage: Linkage
    referral: Referral
    stranger: Person
    ids: dict[str, object] = field(default_factory=dict)


def _ago(**kwargs: float) -> datetime:
    return utcnow() - timedelta(**kwargs)


def add_history(w: World, copies: int) -> None:
    """Add `copies` units of data everywhere a page reads from; 1 unit = the small world."""
    clinician, officer = w.users["clinician"], w.users["officer"]
    for _ in range(copies):
        # The focus case: contacts by both disciplines, clinical parts, addenda.
        for i in range(20):
            by = clinician if i % 2 else officer
            clinical: dict[str, Any] = {}
            if by is clinician:
                clinical = {
                    "clinical_note": "Calmer; taking medication.",
                    "risk_level": RiskLevel.MODERATE,
                    "risk_factors": [RiskFactor.ACCESS_TO_MEANS, RiskFactor.RECENT_LOSS],
                }
            contact = contact_services.log_contact(
                w.case, by=by, type=ContactType.IN_PERSON_HOME, outcome=ContactOutcome.ENGAGED,
                occurred_at=_ago(days=25, minutes=-i * 90 - w.ids.setdefault("tick", 0)),
                participants=[clinician, officer], operational_note="Met at the door.",
                others_present="Sister", **clinical,
            )  # fmt: skip
            w.ids["tick"] = int(w.ids["tick"]) + 7  # type: ignore[call-overload]
            if i % 4 == 0:
                contact_services.add_addendum(
                    contact, by=clinician, reason="Missing detail",
                    operational_text="Neighbour was present.", clinical_text="Mentioned voices.",
                )  # fmt: skip
        linkage = create_linkage(
            w.case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC,
            provider=make_provider(LinkageKind.OUTPATIENT_CLINIC),
        )  # fmt: skip
        change_linkage_status(linkage, by=clinician, to_status=LinkageStatus.REFERRED, note="Faxed")
        # A connection still at its first step, for the page that moves one along.
        w.ids["fresh_linkage"] = create_linkage(
            w.case, by=clinician, kind=LinkageKind.HOUSING, target_name="Shelter intake"
        ).id
        sister = make_support_contact(w.person)
        consent = record_consent(
            w.person, by=clinician, recipient=resolve_recipient(w.person.id, f"contact-{sister.id}"),
            scopes=[ShareScope.ATTENDANCE], purpose="Family support", method=ConsentMethod.WRITTEN,
            given_on=program_today() - timedelta(days=1),  # in force an hour ago, at 00:30 too
        )  # fmt: skip
        record_disclosure(
            w.person, by=clinician, recipient=resolve_recipient(w.person.id, f"contact-{sister.id}"),
            scopes=[ShareScope.ATTENDANCE], description="Next visit time", purpose="Family support",
            disclosed_at=_ago(hours=1), basis=DisclosureBasis.CONSENT,
        )  # fmt: skip
        assert consent.id
        # The person is referred again; a second phone and an alias.
        again = make_referral(w.person, received_at=_ago(days=3))
        db.session.add(
            ReferralRiskIndicator(referral_id=again.id, indicator=RiskIndicator.HARM_TO_SELF)
        )
        db.session.add(PersonAlias(person_id=w.person.id, name="Lexi", name_key="lexi"))
        n = w.person.id * 1000 + len(w.ids)
        w.ids[f"phone{n}"] = n
        db.session.add(PersonPhone(person_id=w.person.id, number=f"(917) 555-{n % 10000:04d}", digits=f"917555{n % 10000:04d}"))  # fmt: skip
        # Their search keys, as the people services would write them.
        keys = person_keys(
            first_name="", last_name="", aliases=["Lexi"], phones=[f"917555{n % 10000:04d}"]
        )
        db.session.add_all(
            PersonSearchKey(person_id=w.person.id, kind=k.kind, key=k.key, phonetic=k.phonetic)
            for k in keys
        )
        # The rest of the program: the caseload, every queue, another team, search hits.
        for j in range(3):
            other = make_person(last_name=f"Rivera{w.person.id}{len(w.ids)}{j}")
            case = make_case(w.team, other, referred_at=_ago(days=30))
            contact_services.log_contact(
                case, by=officer, type=ContactType.PHONE, outcome=ContactOutcome.ENGAGED,
                occurred_at=_ago(days=12, hours=j), participants=[officer],
            )  # fmt: skip
        make_case(w.team)  # waiting for its first contact, past the deadline
        make_case(w.other_team)
        make_case()  # accepted, waiting for a team
        make_case(w.team, status=CaseStatus.CLOSED, closed_at=_ago(days=2))
        for _j in range(3):
            make_referral()  # waiting for triage
        # New accounts waiting for a supervisor's approval (four eyes): clinical and police.
        unit = len(w.ids)
        for role in (Role.OFFICER, Role.CLINICIAN):
            waiting = create_user(
                f"new.{role.value}{unit}", full_name=f"New {role.label} {unit}", role=role,
                password="four eyes see more than two", by=w.users["admin"],
            )  # fmt: skip
        w.ids["fresh_access_request"] = pending_access_request(waiting).id  # type: ignore[union-attr]
        # An account held after the administrator reset its password, and one to reset.
        held = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
        reset_password(held, "four eyes see more than two", by=w.users["admin"])
        w.ids["fresh_reset_request"] = pending_access_request(held).id  # type: ignore[union-attr]
        w.ids["reset_target"] = make_user(Role.CLINICIAN).id
        w.ids[f"unit{len(w.ids)}"] = 1
    db.session.commit()


def build_world() -> World:
    """The small world, saved (an app context must be pushed: the `app` fixture does)."""
    team, officer, _officer_b, clinician = make_staffed_team(name="Brownsville")
    other_team, _, _, other_clinician = make_staffed_team(name="East New York")
    users = {
        "clinician": clinician,
        "officer": officer,
        "other_clinician": other_clinician,
        "break_glass_clinician": make_staffed_team()[3],
        "clin_sup": make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        "pol_sup": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "admin": make_user(Role.ADMIN),
        "analyst": make_user(Role.ANALYST),
    }
    person = make_person(first_name="Alex", last_name="Rivera")
    case = make_case(team, person, referred_at=_ago(days=60), accepted_at=_ago(days=59))
    first = contact_services.log_contact(
        case, by=clinician, type=ContactType.PHONE, outcome=ContactOutcome.ENGAGED,
        occurred_at=_ago(days=50), participants=[clinician], clinical_note="First call.",
        risk_level=RiskLevel.LOW,
    )  # fmt: skip
    linkage = create_linkage(
        case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC,
        provider=make_provider(LinkageKind.OUTPATIENT_CLINIC),
    )  # fmt: skip
    break_glass(
        person, by=users["break_glass_clinician"], reason_code="emergency_call",
        reason="Called by the ER about a crisis tonight",
    )  # fmt: skip
    w = World(
        team=team, other_team=other_team, users=users, person=person, case=case, contact=first,
        linkage=linkage, referral=make_referral(), stranger=make_person(),
    )  # fmt: skip
    add_history(w, 1)
    return w


def login(app: Flask, user: User) -> FlaskClient:
    """A client logged in as `user` through the form, past its first page."""
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    # The first page after login may touch the session row; measure from the second.
    client.get("/")
    return client
