"""A small program built by hand, whose every indicator is known (test_known_answers.py).

Four people, two teams, six referrals and four cases from October to November 2025,
with the edges a report gets wrong: a first contact exactly 24 hours after assignment,
one across the night the clocks go back (1:00-2:00 happens twice on 2 November 2025),
a case closed, reopened and closed again, a person with two cases, contacts logged
days after they happened, a birthday on the evening a referral came in, and records
just outside the range on either side of a New York midnight. HMIS answers: P1 gives
two races, P2 two genders, P3 a null answer to each, P4 no answer at all ("Data not
collected").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coresponse.auth.models import Role, User
from coresponse.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    ClosureReason,
)
from coresponse.clock import local_to_utc
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageKind, LinkageStatus, VerificationMethod
from coresponse.people.models import (
    Borough,
    Gender,
    Person,
    PersonGender,
    PersonRaceEthnicity,
    RaceEthnicity,
)
from coresponse.referrals.models import DeclineReason, Referral, ReferralSource, ReferralStatus
from coresponse.teams.models import Team
from tests.factories import make_person, make_team, make_user

FIRST = date(2025, 10, 1)
LAST = date(2025, 11, 30)
# "Now" for the report: every 24-hour, 90- and 180-day window of the program has passed.
NOW = datetime.fromisoformat("2026-06-01T12:00:00+00:00")


def ny(text: str) -> datetime:
    """A New York wall-clock time ("2025-11-02 01:30" is the first, daylight, one)."""
    return local_to_utc(datetime.fromisoformat(text))


@dataclass
class Program:
    team_a: Team
    team_b: Team
    p1: Person
    p2: Person
    p3: Person
    p4: Person
    c1: Case
    c2: Case
    c3: Case
    c4: Case


def build() -> Program:
    team_a = make_team(name="Alpha", precincts=("75",))
    team_b = make_team(name="Bravo", precincts=("40",))
    clinician = make_user(Role.CLINICIAN)
    # Brooklyn, English, 35 in 2025.
    p1 = make_person(date_of_birth=date(1990, 1, 1))
    # Bronx, Spanish; turns 25 on 11 October 2025, the New York day after her referral
    # arrived at 22:00 (already the 11th in UTC).
    p2 = make_person(
        date_of_birth=date(2000, 10, 11), address={"borough": Borough.BRONX, "precinct": "40"}
    )
    p2.languages[0].language = "Spanish"
    p3 = make_person(date_of_birth=date(1950, 3, 1))  # 75: 65 and over
    p4 = make_person(date_of_birth=None, address={"borough": None, "precinct": None})
    _answers(p1, [RaceEthnicity.BLACK_AF_AMERICAN, RaceEthnicity.HISPANIC_LATINAEO], [Gender.MAN])
    _answers(p2, [RaceEthnicity.HISPANIC_LATINAEO], [Gender.WOMAN, Gender.TRANSGENDER])
    _answers(
        p3, [RaceEthnicity.CLIENT_PREFERS_NOT_TO_ANSWER], [Gender.CLIENT_DOESNT_KNOW]
    )  # P4: none recorded

    # 23:30 on 30 September in New York is already 1 October in UTC: outside the range.
    _referral(p4, ReferralSource.SHELTER, "2025-09-30 23:30")
    r1 = _referral(
        p1, ReferralSource.NYPD_PRECINCT, "2025-10-01 09:00", accepted="2025-10-01 11:00"
    )
    r2 = _referral(p2, ReferralSource.HOSPITAL, "2025-10-10 22:00", accepted="2025-10-11 01:00")
    # 20:00 on 31 October is 1 November in UTC: an October referral.
    r3 = _referral(p3, ReferralSource.CALL_911, "2025-10-31 20:00", accepted="2025-11-01 08:00")
    _referral(p4, ReferralSource.FAMILY_COMMUNITY, "2025-11-05 10:00", declined="2025-11-05 12:00")
    r5 = _referral(p1, ReferralSource.DOHMH, "2025-11-20 10:00", accepted="2025-11-20 14:00")
    _referral(p4, ReferralSource.SHELTER, "2025-12-01 00:30")  # after the range

    # C1: first contact exactly 24 hours after assignment; connected, closed, and its
    # person referred again three weeks later (r5).
    c1 = _case(r1, team_a, assigned="2025-10-01 12:00", ended="2025-10-30 15:00")
    _contact(c1, clinician, ContactType.IN_PERSON_HOME, ContactOutcome.ENGAGED, "2025-10-02 12:00")
    _contact(c1, clinician, ContactType.PHONE, ContactOutcome.REFUSED, "2025-10-10 10:00")
    _contact(
        c1, clinician, ContactType.IN_PERSON_OTHER, ContactOutcome.CRISIS_TRANSPORT_VOLUNTARY,
        "2025-10-20 09:00",
    )  # fmt: skip
    _linkage(c1, LinkageKind.OUTPATIENT_CLINIC, "2025-10-12 10:00", verified=date(2025, 10, 25))
    _close(c1, "2025-10-30 15:00", ClosureReason.CONNECTED_TO_CARE, final=True)

    # C2: reached by an attempt, a family member, then engaged 84 hours after assignment;
    # closed, reopened, closed again.
    c2 = _case(r2, team_b, assigned="2025-10-11 02:00", ended="2025-10-20 10:00")
    _contact(c2, clinician, ContactType.ATTEMPT, ContactOutcome.NOT_FOUND, "2025-10-11 10:00")
    _contact(
        c2, clinician, ContactType.COLLATERAL_FAMILY, ContactOutcome.ENGAGED, "2025-10-13 09:00"
    )
    _contact(
        c2, clinician, ContactType.IN_PERSON_HOME, ContactOutcome.BRIEF_ENGAGEMENT,
        "2025-10-14 14:00",
    )  # fmt: skip
    _linkage(c2, LinkageKind.IMT, "2025-10-15 10:00", status=LinkageStatus.WAITLISTED)
    _close(c2, "2025-10-20 10:00", ClosureReason.UNABLE_TO_LOCATE)
    _reopen(c2, team_b, "2025-11-10 09:00", ended="2025-11-25 16:00")
    _contact(c2, clinician, ContactType.PHONE, ContactOutcome.ENGAGED, "2025-11-12 11:00")
    _linkage(c2, LinkageKind.HOUSING, "2025-11-12 12:00", status=LinkageStatus.REFERRED)
    _close(c2, "2025-11-25 16:00", ClosureReason.DECLINED_SERVICES, final=True)

    # C3: assigned at 23:30 the evening before the clocks go back; first contact at 23:00
    # the next evening: 23.5 hours on the wall clock, 24.5 real hours. Logged 4 days late.
    c3 = _case(r3, team_a, assigned="2025-11-01 23:30")
    _contact(
        c3, clinician, ContactType.IN_PERSON_OTHER, ContactOutcome.ENGAGED, "2025-11-02 23:00",
        recorded="2025-11-06 09:00",
    )  # fmt: skip
    _contact(c3, clinician, ContactType.IN_PERSON_HOME, ContactOutcome.ARREST, "2025-11-03 10:00")
    _contact(
        c3, clinician, ContactType.IN_PERSON_OTHER, ContactOutcome.CRISIS_TRANSPORT_INVOLUNTARY,
        "2025-11-15 10:00",
    )  # fmt: skip
    # Happened on the range's last evening, logged after it ended: counted.
    _contact(
        c3, clinician, ContactType.IN_PERSON_HOME, ContactOutcome.ENGAGED, "2025-11-30 22:00",
        recorded="2025-12-02 09:00",
    )  # fmt: skip
    # Half an hour after the range (already logged): not counted.
    _contact(c3, clinician, ContactType.PHONE, ContactOutcome.ENGAGED, "2025-12-01 00:30")
    _linkage(c3, LinkageKind.FAMILY, "2025-11-04 10:00", verified=date(2025, 11, 6))

    # C4: P1's second case; nobody has reached out yet.
    c4 = _case(r5, team_a, assigned="2025-11-21 09:00")
    db.session.flush()
    return Program(team_a, team_b, p1, p2, p3, p4, c1, c2, c3, c4)


def _answers(person: Person, races: list[RaceEthnicity], genders: list[Gender]) -> None:
    for race in races:
        db.session.add(PersonRaceEthnicity(person_id=person.id, race_ethnicity=race))
    for gender in genders:
        db.session.add(PersonGender(person_id=person.id, gender=gender))
    db.session.flush()


def _referral(
    person: Person,
    source: ReferralSource,
    received: str,
    *,
    accepted: str | None = None,
    declined: str | None = None,
) -> Referral:
    referral = Referral(
        person_id=person.id, source=source, received_at=ny(received), reason="Known answers.",
        status=ReferralStatus.RECEIVED, risk_indicators=[], events=[],
    )  # fmt: skip
    if accepted:
        referral.status, referral.triaged_at = ReferralStatus.ACCEPTED, ny(accepted)
    if declined:
        referral.status, referral.triaged_at = ReferralStatus.DECLINED, ny(declined)
        referral.decline_reason = DeclineReason.NOT_ELIGIBLE
    db.session.add(referral)
    db.session.flush()
    return referral


def _case(referral: Referral, team: Team, *, assigned: str, ended: str | None = None) -> Case:
    at = ny(assigned)
    case = Case(
        person_id=referral.person_id, referral_id=referral.id, team_id=team.id,
        status=CaseStatus.OPEN, referred_at=referral.received_at, accepted_at=referral.triaged_at,
        first_assigned_at=at, assigned_at=at, first_contact_due_at=at + timedelta(hours=24),
        assignments=[], events=[],
    )  # fmt: skip
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseEvent(case_id=case.id, kind=CaseEventKind.OPENED, at=case.accepted_at))
    _assignment(case, team, at, ended)
    return case


def _assignment(case: Case, team: Team, at: datetime, ended: str | None) -> None:
    db.session.add(
        Assignment(
            case_id=case.id, team_id=team.id, assigned_at=at,
            first_contact_due_at=at + timedelta(hours=24), ended_at=ny(ended) if ended else None,
        )
    )  # fmt: skip
    db.session.add(CaseEvent(case_id=case.id, kind=CaseEventKind.ASSIGNED, at=at, team_id=team.id))
    db.session.flush()


def _contact(
    case: Case,
    by: User,
    type: ContactType,
    outcome: ContactOutcome,
    occurred: str,
    *,
    recorded: str | None = None,
) -> None:
    at = ny(occurred)
    db.session.add(
        Contact(
            case_id=case.id, person_id=case.person_id, type=type, outcome=outcome, occurred_at=at,
            transport_destination="Kings County Hospital" if outcome.is_transport else None,
            recorded_at=ny(recorded) if recorded else at + timedelta(minutes=20),
            recorded_by_id=by.id, participants=[], risk_factors=[], addenda=[],
        )
    )  # fmt: skip
    # What contacts.services keeps on the case: the earliest and latest contact times.
    case.first_contact_at = min(filter(None, [case.first_contact_at, at]))
    case.last_contact_at = max(filter(None, [case.last_contact_at, at]))
    db.session.flush()


def _linkage(
    case: Case,
    kind: LinkageKind,
    created: str,
    *,
    status: LinkageStatus = LinkageStatus.CONNECTED,
    verified: date | None = None,
) -> None:
    db.session.add(
        Linkage(
            person_id=case.person_id, case_id=case.id, kind=kind, status=status,
            status_changed_at=ny(created), created_at=ny(created), verified_on=verified,
            verification_method=VerificationMethod.PROVIDER_CONFIRMED if verified else None,
            changes=[],
        )
    )  # fmt: skip
    db.session.flush()


def _close(case: Case, at: str, reason: ClosureReason, *, final: bool = False) -> None:
    db.session.add(
        CaseEvent(case_id=case.id, kind=CaseEventKind.CLOSED, at=ny(at), closure_reason=reason)
    )
    case.status, case.closed_at, case.closure_reason = CaseStatus.CLOSED, ny(at), reason
    if not final:
        case.status = CaseStatus.OPEN
    db.session.flush()


def _reopen(case: Case, team: Team, at: str, *, ended: str) -> None:
    db.session.add(CaseEvent(case_id=case.id, kind=CaseEventKind.REOPENED, at=ny(at)))
    case.reopened_at, case.closed_at, case.closure_reason = ny(at), None, None
    case.status, case.assigned_at = CaseStatus.OPEN, ny(at)
    _assignment(case, team, ny(at), ended)


def crowd(
    team: Team,
    by: User,
    *,
    people: int,
    borough: Borough,
    precinct: str,
    connected: int,
    day: str = "2025-10-06",
) -> None:
    """`people` referrals on one day in one precinct, each accepted, assigned, engaged six
    hours later; the first `connected` closed with a verified connection (enough people
    that a report shows numbers rather than "<11")."""
    for i in range(people):
        person = make_person(address={"borough": borough, "precinct": precinct})
        referral = _referral(
            person, ReferralSource.NYPD_PRECINCT, f"{day} 09:00", accepted=f"{day} 10:00"
        )
        case = _case(referral, team, assigned=f"{day} 11:00")
        _contact(case, by, ContactType.IN_PERSON_HOME, ContactOutcome.ENGAGED, f"{day} 17:00")
        if i < connected:
            _linkage(
                case, LinkageKind.OUTPATIENT_CLINIC, f"{day} 18:00", verified=date(2025, 10, 20)
            )
            _close(case, "2025-10-21 12:00", ClosureReason.CONNECTED_TO_CARE, final=True)


def build_crowded() -> Program:
    """The known-answer program plus 24 people in Brooklyn (15 connected) and 12 in Queens
    (11 connected): columns big enough to show, beside the program's small ones."""
    built = build()
    clinician = make_user(Role.CLINICIAN)
    crowd(built.team_a, clinician, people=24, borough=Borough.BROOKLYN, precinct="75",
          connected=15)  # fmt: skip
    queens = make_team(name="Queens team", precincts=("105",))
    crowd(queens, clinician, people=12, borough=Borough.QUEENS, precinct="105", connected=11)
    return built


@dataclass
class RepeatProgram:
    team: Team
    case: Case


def build_repeat() -> RepeatProgram:
    """One person referred three times in the range: the first referral opens a case, the
    two others join it while it is open (a "new referral" entry, as
    cases.services.add_referral_to_case records it). Engaged on 2 and 25 October, an
    attempt on 12 November: the second referral (20 October) is engaged by the 25 October
    contact, the third (10 November) only reached by the attempt."""
    team = make_team(name="Charlie", precincts=("75",))
    clinician = make_user(Role.CLINICIAN)
    person = make_person(date_of_birth=date(1980, 5, 5))
    first = _referral(
        person, ReferralSource.NYPD_PRECINCT, "2025-10-01 09:00", accepted="2025-10-01 10:00"
    )
    case = _case(first, team, assigned="2025-10-01 11:00")
    _contact(
        case, clinician, ContactType.IN_PERSON_HOME, ContactOutcome.ENGAGED, "2025-10-02 09:00"
    )
    _join(case, _referral(
        person, ReferralSource.HOSPITAL, "2025-10-20 09:00", accepted="2025-10-20 12:00"
    ))  # fmt: skip
    _contact(case, clinician, ContactType.PHONE, ContactOutcome.ENGAGED, "2025-10-25 15:00")
    _join(case, _referral(
        person, ReferralSource.CALL_911, "2025-11-10 09:00", accepted="2025-11-10 10:00"
    ))  # fmt: skip
    _contact(case, clinician, ContactType.ATTEMPT, ContactOutcome.NOT_FOUND, "2025-11-12 09:00")
    return RepeatProgram(team, case)


def _join(case: Case, referral: Referral) -> None:
    db.session.add(
        CaseEvent(
            case_id=case.id, kind=CaseEventKind.NEW_REFERRAL, at=referral.triaged_at,
            referral_id=referral.id,
        )
    )  # fmt: skip
    db.session.flush()
