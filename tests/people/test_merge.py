"""Merging two records of one person, and undoing the merge exactly (people.services)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role, User
from coresponse.cases.models import Case, ClosureReason
from coresponse.cases.services import close_case
from coresponse.clock import program_today, utcnow
from coresponse.consent.models import (
    BreakGlassReason,
    BreakGlassVerdict,
    ConsentMethod,
    DisclosureBasis,
    RecipientKind,
    ShareScope,
)
from coresponse.consent.services import (
    Recipient,
    acknowledge_break_glass,
    break_glass,
    record_consent,
    record_disclosure,
)
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.contacts.services import add_addendum, log_contact
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from coresponse.people import limits
from coresponse.people.models import (
    Gender,
    Person,
    PersonGender,
    PersonLanguage,
    PersonMerge,
    PersonRaceEthnicity,
    RaceEthnicity,
    SupportContact,
    SupportRelationship,
)
from coresponse.people.queries import find_possible_duplicates, search_people
from coresponse.people.services import (
    MERGE_MOVES_ALL,
    MERGE_MOVES_SOME,
    MERGE_STAYS,
    MergeError,
    merge_people,
    unmerge_people,
    unmerge_plan,
)
from tests.factories import add_alias, make_case, make_person, make_staffed_team, make_user

# Rows that record what happened rather than what is: they grow.
_GROWING = {"audit_event", "audit_event_person", "person_merge"}


def _dump() -> dict[str, Any]:
    """Every row of every table (the audit trail and the merges aside), as stored.

    A person's lock counter (`version`) moves on with every change, undo included: a
    form opened while the records were merged must not save over them. Search keys are
    a read model rebuilt from the record: compared by content, not by id."""
    out: dict[str, Any] = {}
    with db.session.no_autoflush:
        for table in db.metadata.sorted_tables:
            if table.name in _GROWING:
                continue
            rows = [dict(row._mapping) for row in db.session.execute(select(table))]
            if table.name == "person":
                for row in rows:
                    row.pop("version")
            if table.name == "person_search_key":
                rows = [{k: v for k, v in row.items() if k != "id"} for row in rows]
            if table.name == "outcome_tally":  # counts: a cell emptied may stay, at 0
                rows = [{k: v for k, v in row.items() if k != "id"} for row in rows if row["n"]]
            out[table.name] = sorted(rows, key=repr)
    return out


def _supervisor() -> User:
    return make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)


def _load(person_id: int) -> Person:
    from coresponse.people.services import _reload

    return _reload(person_id)


def _full_record(person: Person, team, clinician: User, *, closed: bool) -> None:  # type: ignore[no-untyped-def]
    """Everything a person's record can hold, on one person."""
    add_alias(person, f"Alias of {person.first_name}")
    db.session.add(
        SupportContact(
            person_id=person.id, name=f"Sister of {person.first_name}",
            relationship_type=SupportRelationship.SIBLING, phone="718 555 0000",
        )
    )  # fmt: skip
    db.session.add(PersonLanguage(person_id=person.id, language="Arabic", position=1))
    db.session.add(PersonRaceEthnicity(person_id=person.id, race_ethnicity=RaceEthnicity.WHITE))
    db.session.flush()
    case = make_case(team, person)
    contact = log_contact(
        case, by=clinician, type=ContactType.IN_PERSON_HOME, occurred_at=utcnow(),
        outcome=ContactOutcome.ENGAGED, participants=[clinician], clinical_note="Talked.",
    )  # fmt: skip
    add_addendum(contact, by=clinician, reason="Late entry", clinical_text="More.")
    create_linkage(case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC, target_name="Clinic")
    recipient = Recipient(kind=RecipientKind.OTHER, name="Rosa", detail="sister")
    record_consent(
        person, by=clinician, recipient=recipient, scopes=[ShareScope.ATTENDANCE],
        purpose="Family", method=ConsentMethod.VERBAL, witness_name="W", given_on=program_today(),
    )  # fmt: skip
    record_disclosure(
        person, by=clinician, recipient=recipient, scopes=[ShareScope.ATTENDANCE],
        description="Came to the visit", purpose="Family",
        disclosed_at=utcnow() - timedelta(minutes=3), basis=DisclosureBasis.CONSENT,
    )  # fmt: skip
    access = break_glass(
        person, by=make_staffed_team()[3], reason_code=BreakGlassReason.EMERGENCY_CALL,
        reason="The ER called about a crisis",
    )  # fmt: skip
    acknowledge_break_glass(access, by=_supervisor(), verdict=BreakGlassVerdict.JUSTIFIED)
    if closed:
        close_case(case, by=clinician, reason=ClosureReason.DECLINED_SERVICES, note="Done.")
    db.session.flush()


@pytest.fixture
def two(app: Flask) -> dict[str, Any]:
    team, _, _, clinician = make_staffed_team()
    survivor = make_person(first_name="Khaled", last_name="El-Sayed")
    other = make_person(first_name="Kaled", last_name="El Sayed")
    _full_record(survivor, team, clinician, closed=False)
    _full_record(other, team, clinician, closed=True)
    db.session.add(PersonGender(person_id=other.id, gender=Gender.MAN))
    db.session.commit()
    return {"survivor": survivor.id, "other": other.id, "clinician": clinician, "team": team}


def _merge(two: dict[str, Any], by: User | None = None, **kwargs: Any) -> PersonMerge:
    return merge_people(
        _load(two["survivor"]), _load(two["other"]), by=by or _supervisor(), **kwargs
    )


def test_a_merge_moves_every_row_and_leaves_a_tombstone(two: dict[str, Any]) -> None:
    merge = _merge(two, take_from_other=["date_of_birth"])
    db.session.commit()
    survivor, other = _load(two["survivor"]), _load(two["other"])
    assert other.merged_into_id == survivor.id
    assert survivor.date_of_birth == other.date_of_birth
    for name in MERGE_MOVES_ALL:
        table = db.metadata.tables[name]
        left = db.session.scalar(select(db.func.count()).where(table.c.person_id == other.id))
        assert left == 0, name
    # Arabic is spoken on both: the survivor keeps its own; the tombstone keeps its copy.
    assert [lang.language for lang in survivor.languages] == ["English", "Arabic"]
    assert [lang.language for lang in other.languages] == ["English", "Arabic"]
    # The survivor had no gender answer: the other's moves; race answers stay apart.
    assert survivor.gender == [Gender.MAN]
    assert len(survivor.race_ethnicity_rows) == 1 and len(other.race_ethnicity_rows) == 1
    assert len(merge.moved) > 10
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.MERGE)
    ).one()
    assert event.person_id == survivor.id and str(other.id) in (event.person_ids or "")


def test_search_and_the_duplicate_check_no_longer_find_the_tombstone(
    two: dict[str, Any],
) -> None:
    _merge(two)
    db.session.commit()
    supervisor = _supervisor()
    found = {
        hit.person.id for hit in search_people(supervisor, "Kaled", cursor=None, size=20).items
    }
    assert found == {two["survivor"]}
    # The merged-away name is no longer a key: the survivor is found by its alias, moved.
    found = {
        hit.person.id
        for hit in search_people(supervisor, "Alias of Kaled", cursor=None, size=20).items
    }
    assert found == {two["survivor"]}
    offered = find_possible_duplicates(first_name="Kaled", last_name="El Sayed")
    assert two["other"] not in {m.person.id for m in offered}


def test_merge_then_unmerge_restores_every_row_exactly(two: dict[str, Any]) -> None:
    supervisor = _supervisor()
    db.session.commit()
    before = _dump()
    merge = _merge(
        two, by=supervisor, take_from_other=["first_name", "date_of_birth", "needs_interpreter"],
        current_address_from_other=True,
    )  # fmt: skip
    db.session.commit()
    assert _dump() != before
    unmerge_people(merge, by=supervisor)
    db.session.commit()
    db.session.expire_all()
    after = _dump()
    for name in before:
        assert after[name] == before[name], name
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert AuditAction.MERGE in actions and AuditAction.UNMERGE in actions


def test_rows_added_since_stay_with_the_survivor_and_the_plan_says_so(
    two: dict[str, Any],
) -> None:
    merge = _merge(two)
    db.session.commit()
    survivor = _load(two["survivor"])
    add_alias(survivor, "Added later")
    db.session.commit()
    plan = unmerge_plan(merge, survivor, _load(two["other"]))
    assert plan.refusal is None
    assert plan.staying == {"person_alias": 1}
    unmerge_people(merge, by=_supervisor())
    db.session.commit()
    names = {a.name for a in _load(two["survivor"]).aliases}
    assert "Added later" in names and "Alias of Kaled" not in names


def test_a_contact_logged_since_on_a_moved_case_goes_back_with_its_case(
    two: dict[str, Any],
) -> None:
    # The other way round: the record with the open case is merged away.
    moving = db.session.scalars(
        select(Case).where(Case.person_id == two["survivor"], Case.closed_at.is_(None))
    ).one()
    merge = merge_people(_load(two["other"]), _load(two["survivor"]), by=_supervisor())
    db.session.commit()
    later = log_contact(
        moving, by=two["clinician"], type=ContactType.PHONE, occurred_at=utcnow(),
        outcome=ContactOutcome.ENGAGED, participants=[two["clinician"]],
    )  # fmt: skip
    db.session.commit()
    assert later.person_id == two["other"]
    plan = unmerge_plan(merge, _load(two["other"]), _load(two["survivor"]))
    assert plan.with_cases == [{"table": "contact", "id": later.id}]
    assert plan.staying == {}
    unmerge_people(merge, by=_supervisor())
    db.session.commit()
    moved_back = db.session.scalar(select(Contact.person_id).where(Contact.id == later.id))
    assert moved_back == two["survivor"]


def test_a_record_is_not_merged_into_itself(two: dict[str, Any]) -> None:
    person = _load(two["survivor"])
    with pytest.raises(MergeError, match="into itself"):
        merge_people(person, person, by=_supervisor())


def test_nothing_is_merged_into_or_from_a_tombstone(two: dict[str, Any]) -> None:
    _merge(two)
    db.session.commit()
    third = make_person()
    db.session.commit()
    with pytest.raises(MergeError, match="already merged into"):
        merge_people(_load(third.id), _load(two["other"]), by=_supervisor())
    with pytest.raises(MergeError, match="already merged into"):
        merge_people(_load(two["other"]), _load(third.id), by=_supervisor())


def test_two_open_cases_must_be_resolved_first(two: dict[str, Any]) -> None:
    make_case(two["team"], _load(two["other"]))
    supervisor = _supervisor()
    db.session.commit()
    before = _dump()
    with pytest.raises(MergeError, match="Both records have an open case"):
        _merge(two, by=supervisor)
    db.session.rollback()
    assert _dump() == before


def test_a_pending_break_glass_review_blocks_the_merge(two: dict[str, Any]) -> None:
    break_glass(
        _load(two["other"]), by=make_staffed_team()[3],
        reason_code=BreakGlassReason.EMERGENCY_CALL, reason="A crisis call came in tonight",
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(MergeError, match="waits for a clinical supervisor's review"):
        _merge(two)


def test_an_unmerge_is_refused_twice_and_after_the_window(two: dict[str, Any]) -> None:
    merge = _merge(two)
    db.session.commit()
    merge.merged_at = utcnow() - timedelta(days=limits.UNMERGE_DAYS, minutes=1)
    db.session.commit()
    with pytest.raises(MergeError, match="can no longer be undone"):
        unmerge_people(merge, by=_supervisor())
    db.session.rollback()
    merge.merged_at = utcnow() - timedelta(days=limits.UNMERGE_DAYS - 1)
    db.session.commit()
    unmerge_people(merge, by=_supervisor())
    db.session.commit()
    with pytest.raises(MergeError, match="already been undone"):
        unmerge_people(merge, by=_supervisor())


def test_a_field_changed_since_the_merge_keeps_its_new_value(two: dict[str, Any]) -> None:
    merge = _merge(two, take_from_other=["first_name"])
    db.session.commit()
    survivor = _load(two["survivor"])
    survivor.first_name = "Khalid"
    db.session.commit()
    plan = unmerge_plan(merge, survivor, _load(two["other"]))
    assert plan.fields_kept == ["first_name"]
    unmerge_people(merge, by=_supervisor())
    db.session.commit()
    assert _load(two["survivor"]).first_name == "Khalid"


def test_every_table_about_a_person_is_moved_or_stays_on_purpose(app: Flask) -> None:
    """A new table with a person_id must be decided: moved by a merge, or kept apart."""
    about_a_person = {
        table.name for table in db.metadata.sorted_tables if "person_id" in table.columns
    }
    decided = set(MERGE_MOVES_ALL) | set(MERGE_MOVES_SOME) | set(MERGE_STAYS)
    assert about_a_person == decided


def test_intake_links_no_referral_to_a_tombstone(two: dict[str, Any]) -> None:
    from coresponse.people.details import PersonDetails
    from coresponse.referrals.models import ReferralSource
    from coresponse.referrals.services import ReferralDetails, ReferralError, take_referral

    _merge(two)
    db.session.commit()
    with pytest.raises(ReferralError, match="link the referral to that record"):
        take_referral(
            _load(two["other"]), PersonDetails("Kaled", "El Sayed"),
            ReferralDetails(ReferralSource.NYPD_PRECINCT, utcnow(), "Calls overnight."),
            by=_supervisor(),
        )  # fmt: skip


def test_a_merge_prepared_from_an_older_version_is_refused(two: dict[str, Any]) -> None:
    """The preview carries both versions: a record changed since is not merged unseen."""
    from coresponse.locking import StaleRecord

    seen = _load(two["other"]).version
    other = _load(two["other"])
    other.preferred_name = "Kal"
    db.session.commit()
    with pytest.raises(StaleRecord):
        merge_people(
            _load(two["survivor"]), _load(two["other"]), by=_supervisor(),
            expected_versions=(None, seen),
        )  # fmt: skip


def test_the_survivor_keeps_one_current_address(two: dict[str, Any]) -> None:
    mine = _load(two["survivor"]).current_address
    theirs = _load(two["other"]).current_address
    assert mine is not None and theirs is not None
    _merge(two)
    db.session.commit()
    current = [a.id for a in _load(two["survivor"]).addresses if a.current]
    assert current == [mine.id]


def test_the_other_records_current_address_may_be_chosen(two: dict[str, Any]) -> None:
    theirs = _load(two["other"]).current_address
    assert theirs is not None
    merge = _merge(two, current_address_from_other=True)
    db.session.commit()
    current = [a.id for a in _load(two["survivor"]).addresses if a.current]
    assert current == [theirs.id]
    # The survivor's own address retired by the merge is not "going back".
    plan = unmerge_plan(merge, _load(two["survivor"]), _load(two["other"]))
    assert plan.going_back["person_address"] == 1
