"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from coresponse import create_app
from coresponse.db_types import include_for
from coresponse.extensions import db


def test_migrations_match_the_models(empty_database_url: str) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            options = {"compare_type": True, "include_object": include_for(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=options), db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert {"user", "team", "team_membership", "person", "case", "contact", "audit_event"} <= tables
    assert diff == [], "models changed without a migration: run `flask db migrate`"


def test_a_migrated_database_appends_to_the_audit_chain(empty_database_url: str) -> None:
    """The append path relies on database functions (audit_chain_head() on PostgreSQL)
    that only the migrations create outside the tests' create_all()."""
    from coresponse.audit.categories import DataCategory
    from coresponse.audit.models import AuditAction
    from coresponse.audit.services import record_event
    from coresponse.audit.verify import verify_chain

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        for n in range(3):
            record_event(
                AuditAction.VIEW, by=None, record_type="test", record_id=n,
                category=DataCategory.OPERATIONAL,
            )  # fmt: skip
            db.session.commit()
        result = verify_chain()
        db.session.remove()
        db.engine.dispose()
    assert result.checked == 3
    assert result.intact


def test_a_migrated_database_indexes_only_people_on_record(empty_database_url: str) -> None:
    """0026: on PostgreSQL the trigger checks the people an event names (audit_event_person
    has no foreign keys there); SQLite's foreign keys do. Either way an event naming
    someone not on record is refused, and one naming people on record is indexed."""
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    from coresponse.audit.categories import DataCategory
    from coresponse.audit.models import AuditAction
    from coresponse.audit.services import record_event
    from tests.factories import make_person

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        known = [make_person().id, make_person().id]
        db.session.commit()
        with pytest.raises(IntegrityError):
            record_event(
                AuditAction.LIST, by=None, record_type="test", person_ids=[*known, 424242],
                category=DataCategory.OPERATIONAL,
            )  # fmt: skip
        db.session.rollback()
        event = record_event(
            AuditAction.LIST, by=None, record_type="test", person_ids=known,
            category=DataCategory.OPERATIONAL,
        )  # fmt: skip
        db.session.commit()
        indexed = db.session.execute(
            sa.text("SELECT person_id FROM audit_event_person WHERE event_id = :id"),
            {"id": event.id},
        ).scalars()
        assert sorted(indexed) == sorted(known)
        db.session.remove()
        db.engine.dispose()


def test_tokens_made_before_expiry_existed_get_one(empty_database_url: str) -> None:
    """0009: 90 days after the token was made, but at least 14 days after the upgrade."""
    from datetime import timedelta

    import sqlalchemy as sa

    from coresponse.clock import utcnow
    from coresponse.db_types import UTCDateTime

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    user = sa.table(
        "user", *(sa.column(name) for name in ("id", "username", "full_name", "role",
        "password_hash", "must_change_password", "active", "session_version")),
        sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
    )  # fmt: skip
    token = sa.table(
        "api_token", *(sa.column(name) for name in ("id", "user_id", "name", "prefix",
        "token_hash")), sa.column("created_at", UTCDateTime()),
        sa.column("expires_at", UTCDateTime()),
    )  # fmt: skip
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(user.insert().values(
                id=1, username="alice", full_name="Alice", role="officer", password_hash="x",
                must_change_password=False, active=True, session_version=1, created_at=now,
                updated_at=now,
            ))  # fmt: skip
            for token_id, age in ((1, timedelta(days=200)), (2, timedelta(days=10))):
                conn.execute(token.insert().values(
                    id=token_id, user_id=1, name="t", prefix=f"p{token_id}",
                    token_hash=f"h{token_id}", created_at=now - age,
                ))  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            expiry = dict(conn.execute(sa.select(token.c.id, token.c.expires_at)).all())
        db.engine.dispose()
    assert now + timedelta(days=14) <= expiry[1] <= utcnow() + timedelta(days=14)
    assert expiry[2] == now - timedelta(days=10) + timedelta(days=90)


def _insert(conn, table: str, /, **values: object) -> None:  # type: ignore[no-untyped-def]
    """A row written with the schema of the revision the database is at, not the models'."""
    import sqlalchemy as sa

    conn.execute(sa.table(table, *(sa.column(key) for key in values)).insert().values(**values))


def test_assignments_ended_by_a_closure_no_longer_name_its_reason(empty_database_url: str) -> None:
    """0010: police supervisors read assignment histories; the reason may tell of care."""
    import sqlalchemy as sa

    from coresponse.clock import utcnow

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    with app.app_context():
        upgrade(revision="0009")
        # Plain inserts: later revisions add columns the models (and factories) write.
        with db.engine.begin() as conn:
            _insert(conn, "team", id=1, name="Brooklyn South", base_address="1 Main St",
                    active=True, **stamps)  # fmt: skip
            _insert(conn, "person", id=1, first_name="Ana", last_name="Lopez",
                    first_name_key="ana", last_name_key="lopez", date_of_birth_estimated=False,
                    needs_interpreter=False, **stamps)  # fmt: skip
            for n, reason in (
                (1, "case closed: connected to care"),
                (2, "moved to Brooklyn South"),
            ):
                _insert(conn, "referral", id=n, person_id=1, source="call_911", received_at=now,
                        reason="Crisis", status="accepted", created_at=now)  # fmt: skip
                _insert(conn, "case", id=n, person_id=1, referral_id=n, status="open",
                        referred_at=now, accepted_at=now, **stamps)  # fmt: skip
                _insert(conn, "assignment", id=n, case_id=n, team_id=1, assigned_at=now,
                        first_contact_due_at=now, ended_at=now, end_reason=reason)  # fmt: skip
        upgrade()
        assignment = sa.table("assignment", sa.column("case_id"), sa.column("end_reason"))
        with db.engine.connect() as conn:
            reasons = dict(
                conn.execute(sa.select(assignment.c.case_id, assignment.c.end_reason)).all()
            )
        db.engine.dispose()
    assert reasons == {1: "case closed", 2: "moved to Brooklyn South"}


def test_break_glass_grants_made_before_coded_reasons_are_coded_other(
    empty_database_url: str,
) -> None:
    """0011: older grants keep their text, get the code "other", and no invented verdict."""
    import sqlalchemy as sa

    from coresponse.clock import utcnow

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now}
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            _insert(conn, "user", id=1, username="cara", full_name="Cara", role="clinician",
                    password_hash="x", must_change_password=False, active=True,
                    session_version=1, **stamps)  # fmt: skip
            _insert(conn, "person", id=1, first_name="Ana", last_name="Lopez",
                    first_name_key="ana", last_name_key="lopez", date_of_birth_estimated=False,
                    needs_interpreter=False, version=1, **stamps)  # fmt: skip
            _insert(conn, "break_glass_access", id=1, user_id=1, person_id=1,
                    reason="Routine look-up, no emergency at all", at=now, expires_at=now,
                    acknowledged_at=now)  # fmt: skip
        upgrade()
        access = sa.table(
            "break_glass_access", *(sa.column(c) for c in ("reason_code", "reason", "verdict"))
        )
        with db.engine.connect() as conn:
            row = conn.execute(sa.select(access)).one()
            flagged = conn.execute(sa.text('SELECT break_glass_flagged_at FROM "user"')).scalar()
        db.engine.dispose()
    assert tuple(row) == ("other", "Routine look-up, no emergency at all", None)
    assert flagged is None


def test_events_on_record_are_found_by_person_after_0014_and_lists_block_a_downgrade(
    empty_database_url: str,
) -> None:
    """0014: an event written before it still verifies and is found through the person
    index; a downgrade that would drop lists of people (breaking their hashes) is refused."""
    from types import SimpleNamespace

    import sqlalchemy as sa
    from flask_migrate import downgrade

    from coresponse.audit.categories import DataCategory
    from coresponse.audit.models import AuditAction
    from coresponse.audit.services import GENESIS_HASH, event_hash, record_event
    from coresponse.audit.verify import verify_chain
    from coresponse.clock import utcnow
    from coresponse.db_types import UTCDateTime

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    old = {
        "at": now, "user_id": None, "username": None, "role": None, "action": "view",
        "person_id": 1, "record_type": "person", "record_id": "1", "category": "identity",
        "detail": None, "ip_address": None, "user_agent": None, "prev_hash": GENESIS_HASH,
    }  # fmt: skip
    # As verify reads the row once the column exists: no list of people.
    content = SimpleNamespace(**old, person_ids=None)
    content.action, content.category = AuditAction.VIEW, DataCategory.IDENTITY
    row_hash = event_hash(content)  # type: ignore[arg-type]
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            _insert(conn, "person", id=1, first_name="Ana", last_name="Lopez",
                    first_name_key="ana", last_name_key="lopez", date_of_birth_estimated=False,
                    needs_interpreter=False, version=1, created_at=now,
                    updated_at=now)  # fmt: skip
            event = sa.table(
                "audit_event", *(sa.column(k) for k in old if k != "at"),
                sa.column("at", UTCDateTime()), sa.column("row_hash"),
            )  # fmt: skip
            conn.execute(event.insert().values(row_hash=row_hash, **old))
        upgrade()
        with db.engine.connect() as conn:
            indexed = conn.execute(
                sa.text("SELECT event_id, person_id FROM audit_event_person")
            ).all()
        record_event(
            AuditAction.LIST, by=None, record_type="caseload", person_ids=[1],
            category=DataCategory.OPERATIONAL,
        )  # fmt: skip
        db.session.commit()
        verified = verify_chain()
        # Flask-Migrate prints the migration's refusal and exits non-zero.
        with pytest.raises(SystemExit):
            downgrade(revision="0013")
        db.session.remove()
        with db.engine.connect() as conn:
            listed = conn.execute(sa.text("SELECT count(*) FROM audit_event_person")).scalar()
        db.engine.dispose()
    assert [tuple(row) for row in indexed] == [(1, 1)]
    assert verified.intact and verified.checked == 2
    assert listed == 2  # still at 0014: the old event and the list, both indexed


def test_requests_made_before_reset_approval_are_role_requests_and_nobody_is_held(
    empty_database_url: str,
) -> None:
    """0015: a waiting new account stays a role request; no account is held by the upgrade;
    the downgrade refuses while a reset holds an account."""
    import pytest
    import sqlalchemy as sa
    from flask_migrate import downgrade

    from coresponse.clock import utcnow

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now}
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            for n, (name, role, approved) in enumerate(
                (("dana", "admin", True), ("jpark", "clinician", False)), start=1
            ):
                _insert(conn, "user", id=n, username=name, full_name=name, role=role,
                        password_hash="x", must_change_password=False, active=approved,
                        access_approved=approved, session_version=1, **stamps)  # fmt: skip
            _insert(conn, "access_request", id=1, user_id=2, role="clinician",
                    approver_discipline="clinical", status="pending", requested_by_id=1,
                    requested_at=now)  # fmt: skip
        upgrade()
        with db.engine.begin() as conn:
            kind = conn.execute(sa.text("SELECT kind FROM access_request")).scalar()
            held = conn.execute(sa.text('SELECT count(*) FROM "user" WHERE held_after_reset'))
            held_count = held.scalar()
            conn.execute(sa.text('UPDATE "user" SET held_after_reset = true WHERE id = 2'))
        # `flask db downgrade` says why and exits 1 (Flask-Migrate turns the error into that).
        with pytest.raises(SystemExit):
            downgrade(revision="0014")
        with db.engine.connect() as conn:
            still = {c["name"] for c in sa.inspect(conn).get_columns("user")}
        with db.engine.begin() as conn:
            conn.execute(sa.text('UPDATE "user" SET held_after_reset = false'))
        downgrade(revision="0014")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("access_request")}
        db.engine.dispose()
    assert kind == "role" and held_count == 0
    assert "held_after_reset" in still and "kind" not in columns


def test_hmis_answers_come_and_go_and_the_free_text_gender_is_kept(
    empty_database_url: str,
) -> None:
    """0016: the free-text gender becomes the person's own words; the HMIS answers get
    tables of their own, and a downgrade gives the free text back."""
    import sqlalchemy as sa
    from flask_migrate import downgrade

    from coresponse.clock import utcnow

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    with app.app_context():
        upgrade(revision="0015")
        with db.engine.begin() as conn:
            _insert(conn, "person", id=1, first_name="Ana", last_name="Lopez",
                    first_name_key="ana", last_name_key="lopez", date_of_birth_estimated=False,
                    needs_interpreter=False, gender="Two-Spirit", created_at=now,
                    updated_at=now, version=1)  # fmt: skip
        upgrade()
        with db.engine.begin() as conn:
            described = conn.execute(sa.text("SELECT gender_description FROM person")).scalar()
            _insert(conn, "person_race_ethnicity", id=1, person_id=1, race_ethnicity="white")
            _insert(conn, "person_gender", id=1, person_id=1, gender="culturally_specific")
            # Each answer once per person.
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                _insert(conn, "person_gender", id=2, person_id=1, gender="culturally_specific")
        downgrade(revision="0015")
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            gender = conn.execute(sa.text("SELECT gender FROM person")).scalar()
        upgrade()
        db.engine.dispose()
    assert described == "Two-Spirit"
    assert gender == "Two-Spirit"
    assert not {"person_race_ethnicity", "person_gender"} & tables


def test_precincts_follow_the_point_after_0019(empty_database_url: str) -> None:
    """0019: a whole-borough coverage becomes its precincts; addresses with a point get the
    precinct and borough of that point; a team base typed by hand is placed."""
    import sqlalchemy as sa
    from flask_migrate import downgrade

    from coresponse.clock import utcnow

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    with app.app_context():
        upgrade(revision="0018")
        with db.engine.begin() as conn:
            _insert(conn, "team", id=1, name="Staten Island", base_address="78 Richmond Ter",
                    base_latitude=40.6417, base_longitude=-74.0768, active=True,
                    created_at=now, updated_at=now, version=1)  # fmt: skip
            _insert(conn, "team", id=2, name="Bronx", base_address="No point",
                    active=True, created_at=now, updated_at=now, version=1)  # fmt: skip
            _insert(conn, "team_coverage", team_id=1, area_type="borough", area_code="SI",
                    sort_key=4)  # fmt: skip
            _insert(conn, "team_coverage", team_id=1, area_type="precinct", area_code="120",
                    sort_key=120)  # fmt: skip
            _insert(conn, "person", id=1, first_name="Ana", last_name="Lopez",
                    first_name_key="ana", last_name_key="lopez", date_of_birth_estimated=False,
                    needs_interpreter=False, created_at=now, updated_at=now, version=1)  # fmt: skip
            common = {"person_id": 1, "city": "New York", "state": "NY", "current": False,
                      "recorded_at": now}  # fmt: skip
            # Typed as the 6th in Brooklyn, but the point is on the Great Lawn (the 22nd).
            _insert(conn, "person_address", id=1, line1="Central Park", borough="BK",
                    precinct="6", latitude=40.7812, longitude=-73.9665,
                    location_status="manual", **common)  # fmt: skip
            _insert(conn, "person_address", id=2, line1="The harbour", borough="MN",
                    precinct="1", latitude=40.66, longitude=-74.05, location_status="manual",
                    **common)  # fmt: skip
            _insert(conn, "person_address", id=3, line1="Somewhere", borough="QN",
                    precinct="105", location_status="needed", **common)  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            coverage = conn.execute(
                sa.text("SELECT area_type, area_code FROM team_coverage ORDER BY sort_key")
            ).all()
            addresses = conn.execute(
                sa.text("SELECT precinct, borough FROM person_address ORDER BY id")
            ).all()
            bases = conn.execute(
                sa.text("SELECT base_precinct, base_location_status FROM team ORDER BY id")
            ).all()
        downgrade(revision="0018")
        upgrade()
        db.engine.dispose()
    assert coverage == [("precinct", "120"), ("precinct", "121"), ("precinct", "122"),
                        ("precinct", "123")]  # fmt: skip
    assert addresses == [("22", "MN"), (None, None), ("105", "QN")]
    assert bases == [("120", "manual"), (None, "needed")]


def test_0020_keeps_one_open_case_per_person_and_closes_the_others(
    empty_database_url: str,
) -> None:
    """0020: a person's second open cases (possible before it) are closed with a note and
    a history entry naming the case kept; the kept case hears of their referrals; the
    unique index then holds."""
    from datetime import timedelta

    import sqlalchemy as sa

    from coresponse.clock import utcnow
    from coresponse.db_types import UTCDateTime

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    case = sa.table(
        "case", *(sa.column(c) for c in ("id", "person_id", "status", "closure_reason",
        "closure_operational_note", "version")), sa.column("closed_at", UTCDateTime()),
        sa.column("new_referral_at", UTCDateTime()),
    )  # fmt: skip
    event = sa.table(
        "case_event", *(sa.column(c) for c in ("case_id", "kind", "referral_id", "by_id",
        "closure_reason", "operational_note", "summary")),
    )  # fmt: skip
    assignment = sa.table("assignment", sa.column("case_id"), sa.column("end_reason"))
    with app.app_context():
        upgrade(revision="0019")
        with db.engine.begin() as conn:
            _insert(conn, "team", id=1, name="Brooklyn North", base_address="1 Main St",
                    active=True, **stamps)  # fmt: skip
            for person_id in (1, 2):
                _insert(conn, "person", id=person_id, first_name="Khaled", last_name="El-Sayed",
                        first_name_key="khaled", last_name_key="el-sayed",
                        date_of_birth_estimated=False, needs_interpreter=False, **stamps)  # fmt: skip
            # Person 1: waiting for a team (1), open and seen last week (2), open and seen
            # yesterday (3: the team works from it), and closed long ago (4).
            # Person 2: one open case, left alone.
            cases = (
                (1, 1, "awaiting_assignment", None, None),
                (2, 1, "open", now - timedelta(days=7), None),
                (3, 1, "open", now - timedelta(days=1), None),
                (4, 1, "closed", None, now - timedelta(days=90)),
                (5, 2, "open", now - timedelta(days=2), None),
            )
            for case_id, person_id, status, last_contact, closed in cases:
                _insert(conn, "referral", id=case_id, person_id=person_id, source="call_911",
                        received_at=now, reason="Crisis", status="accepted", created_at=now)  # fmt: skip
                _insert(conn, "case", id=case_id, person_id=person_id, referral_id=case_id,
                        team_id=None if status == "awaiting_assignment" else 1, status=status,
                        referred_at=now, accepted_at=now - timedelta(days=30 - case_id),
                        last_contact_at=last_contact, closed_at=closed, **stamps)  # fmt: skip
                if status == "open":
                    _insert(conn, "assignment", id=case_id, case_id=case_id, team_id=1,
                            assigned_at=now, first_contact_due_at=now)  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(sa.select(case).order_by(case.c.id))}
            events = conn.execute(sa.select(event).order_by(event.c.case_id, event.c.kind)).all()
            ends = dict(
                conn.execute(sa.select(assignment.c.case_id, assignment.c.end_reason)).all()
            )
        # The index holds now: a second open case of person 2 is refused.
        with db.engine.begin() as conn:
            _insert(conn, "referral", id=9, person_id=2, source="call_911", received_at=now,
                    reason="Again", status="accepted", created_at=now)  # fmt: skip
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _insert(conn, "case", id=9, person_id=2, referral_id=9, status="awaiting_assignment",
                    referred_at=now, accepted_at=now, **stamps)  # fmt: skip
        # The downgrade drops what 0020 added (the closed cases stay closed), and the
        # upgrade runs again on the data it left.
        from flask_migrate import downgrade

        downgrade(revision="0019")
        upgrade()
        db.engine.dispose()

    open_now = [i for i, r in rows.items() if r.closed_at is None]
    assert open_now == [3, 5]
    for closed in (1, 2):
        row = rows[closed]
        assert (row.status, row.closure_reason, row.version) == ("closed", "other", 2)
        assert "case #3 stays open" in row.closure_operational_note
        assert row.new_referral_at is None
    assert rows[4].closure_reason is None and rows[4].status == "closed"  # untouched
    assert rows[3].new_referral_at is not None and rows[5].new_referral_at is None
    assert ends == {2: "case closed", 3: None, 5: None}
    closings = [(e.case_id, e.closure_reason, e.by_id) for e in events if e.kind == "closed"]
    assert closings == [(1, "other", None), (2, "other", None)]
    joined = [(e.case_id, e.referral_id, e.summary) for e in events if e.kind == "new_referral"]
    assert sorted(joined) == [(3, 1, "#1, from case #1"), (3, 2, "#2, from case #2")]


def test_people_on_record_get_their_search_keys(empty_database_url: str) -> None:
    """0021: everyone already on record is found by the new matcher at once: their names
    (whole and by part), alias, birth date, phone and address, as the services write
    them. The revision before it is taken relatively: 0021 is re-chained on merge."""
    from datetime import date

    from coresponse.auth.models import Role
    from coresponse.clock import utcnow
    from coresponse.people.queries import find_possible_duplicates, search_people
    from tests.factories import make_user

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    with app.app_context():
        upgrade(revision="0021-1")
        with db.engine.begin() as conn:
            _insert(conn, "person", id=1, first_name="Khaled", last_name="El-Sayed",
                    preferred_name="Kal", first_name_key="khaled", last_name_key="el-sayed",
                    date_of_birth=date(1985, 6, 15), date_of_birth_estimated=False,
                    needs_interpreter=False, **stamps)  # fmt: skip
            _insert(conn, "person_alias", id=1, person_id=1, name="Lil K", name_key="lil k",
                    created_at=now)  # fmt: skip
            _insert(conn, "person_phone", id=1, person_id=1, number="(718) 555-4321",
                    digits="7185554321", kind="mobile", current=True, recorded_at=now)  # fmt: skip
            _insert(conn, "person_address", id=1, person_id=1, line1="12 Pennsylvania Avenue",
                    city="New York", state="NY", location_status="needed", current=True,
                    recorded_at=now)  # fmt: skip
        upgrade()
        supervisor = make_user(Role.SUPERVISOR)
        found = {
            text: [hit.reasons for hit in search_people(supervisor, text, cursor=None, size=5).items]
            for text in ("elsayed", "Kaled", "Kal", "lil k", "1985-06-15", "4321", "12 Pennsylvania Ave")
        }  # fmt: skip
        offered = find_possible_duplicates(first_name="Khaled", last_name="El Sayed")
        db.session.remove()
        db.engine.dispose()
    assert found == {
        "elsayed": [("name",)],
        "Kaled": [("similar spelling",)],
        "Kal": [("preferred name",)],
        "lil k": [("alias",)],
        "1985-06-15": [("same date of birth",)],
        "4321": [("phone ends 4321",)],
        "12 Pennsylvania Ave": [("address",)],
    }
    assert [m.reasons for m in offered] == [["same name"]]


def test_0024_leaves_everyone_unmerged_and_a_standing_merge_blocks_a_downgrade(
    empty_database_url: str,
) -> None:
    """0024: people on record are records of their own (no tombstones); a downgrade below
    it is refused while a merged record stands (it would come back as a second live
    record of its person). The revision before it is taken relatively: 0024 is re-chained
    on merge."""
    import sqlalchemy as sa
    from flask_migrate import downgrade

    from coresponse.clock import utcnow

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now, "version": 1}
    person = {"date_of_birth_estimated": False, "needs_interpreter": False, **stamps}
    with app.app_context():
        upgrade(revision="0024-1")
        with db.engine.begin() as conn:
            for n, (first, last) in enumerate((("Khaled", "El-Sayed"), ("Kaled", "El Sayed")), 1):
                _insert(conn, "person", id=n, first_name=first, last_name=last,
                        first_name_key=first.lower(), last_name_key=last.lower(), **person)  # fmt: skip
                # Rows pointing at the person: SQLite must not rebuild the table under them.
                _insert(conn, "referral", id=n, person_id=n, source="call_911", received_at=now,
                        reason="Crisis", status="received", created_at=now)  # fmt: skip
        upgrade()
        with db.engine.begin() as conn:
            merged = conn.execute(
                sa.text("SELECT id, merged_into_id FROM person ORDER BY id")
            ).all()
            assert conn.execute(sa.text("SELECT count(*) FROM person_merge")).scalar() == 0
            conn.execute(sa.text("UPDATE person SET merged_into_id = 1 WHERE id = 2"))
        with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError's message
            downgrade(revision="0024-1")
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE person SET merged_into_id = NULL WHERE id = 2"))
        downgrade(revision="0024-1")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("person")}
            tables = set(inspect(conn).get_table_names())
        db.session.remove()
        db.engine.dispose()
    assert merged == [(1, None), (2, None)]
    assert "merged_into_id" not in columns and "person_merge" not in tables
