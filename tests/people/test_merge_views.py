"""The merge and unmerge pages: who may use them, the preview, refusals, old links."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.clock import utcnow
from coresponse.consent.models import BreakGlassReason
from coresponse.consent.services import break_glass
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from coresponse.people import limits
from coresponse.people.models import Person, PersonMerge
from tests.factories import make_case, make_person, make_staffed_team, make_user

TARGET = "CANARY-MERGE-PREVIEW-LINKAGE"


def _pair():  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    survivor = make_person(first_name="Khaled", last_name="El-Sayed")
    other = make_person(first_name="Kaled", last_name="El Sayed")
    case = make_case(team, other)
    create_linkage(case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC, target_name=TARGET)
    db.session.commit()
    return survivor, other, officer, clinician


def test_only_supervisors_merge(login) -> None:  # type: ignore[no-untyped-def]
    survivor, other, officer, clinician = _pair()
    url = f"/people/{survivor.id}/merge?with={other.id}"
    for user in (officer, clinician, make_user(Role.ANALYST), make_user(Role.ADMIN)):
        client = login(user)
        assert client.get(url).status_code == 403
        assert (
            client.post(f"/people/{survivor.id}/merge", data={"other_id": other.id}).status_code
            == 403
        )
        client.post("/logout")
    assert db.session.scalar(select(Person.merged_into_id).where(Person.id == other.id)) is None


def test_the_preview_shows_police_no_clinical_part(login) -> None:  # type: ignore[no-untyped-def]
    survivor, other, _, _ = _pair()
    url = f"/people/{survivor.id}/merge?with={other.id}"
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    police = client.get(url)
    page = police.get_data(as_text=True)
    assert police.status_code == 200
    assert "Kaled" in page and "Khaled" in page and "Case #" in page
    assert TARGET not in page and "Outpatient" not in page and ">Connections<" not in page
    client.post("/logout")
    clinical = login(make_user(Role.SUPERVISOR)).get(url).get_data(as_text=True)
    assert TARGET not in clinical  # the preview names a connection by kind and status only
    assert ">Connections<" in clinical and "Outpatient" in clinical


def test_a_merge_then_its_undo_over_http(login) -> None:  # type: ignore[no-untyped-def]
    survivor, other, _, _ = _pair()
    client = login(make_user(Role.SUPERVISOR))
    choose = client.get(f"/people/{survivor.id}/merge")
    assert choose.status_code == 200 and f"with={other.id}" in choose.get_data(as_text=True)
    sent = client.post(
        f"/people/{survivor.id}/merge",
        data={"other_id": other.id, "keep_first_name": "other", "version": survivor.version,
              "other_version": other.version},
    )  # fmt: skip
    assert sent.status_code == 302
    assert (
        db.session.scalar(select(Person.merged_into_id).where(Person.id == other.id)) == survivor.id
    )
    assert db.session.scalar(select(Person.first_name).where(Person.id == survivor.id)) == "Kaled"
    # An old link to the merged record leads to the survivor, and the read is audited.
    old = client.get(f"/people/{other.id}")
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/people/{survivor.id}")
    assert (
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.person_id == other.id, AuditEvent.action == AuditAction.VIEW
            )
        ).first()
        is not None
    )
    assert client.get(f"/people/{other.id}/edit").status_code == 302
    page = client.get(f"/people/{survivor.id}").get_data(as_text=True)
    merge = db.session.scalars(select(PersonMerge)).one()
    assert f"/people/merges/{merge.id}/undo" in page
    undo = client.get(f"/people/merges/{merge.id}/undo").get_data(as_text=True)
    assert "Nothing was added to record" in undo
    assert client.post(f"/people/merges/{merge.id}/undo").status_code == 302
    assert db.session.scalar(select(Person.merged_into_id).where(Person.id == other.id)) is None
    assert db.session.scalar(select(Person.first_name).where(Person.id == survivor.id)) == "Khaled"
    again = client.post(f"/people/merges/{merge.id}/undo")
    assert again.status_code == 422 and "already been undone" in again.get_data(as_text=True)


def test_refusals_are_4xx_with_a_reason(login) -> None:  # type: ignore[no-untyped-def]
    survivor, other, _, _ = _pair()
    team = make_staffed_team()[0]
    make_case(team, survivor)
    third = make_person()
    db.session.commit()
    client = login(make_user(Role.SUPERVISOR))
    itself = client.post(f"/people/{survivor.id}/merge", data={"other_id": survivor.id})
    assert itself.status_code == 422 and "cannot be merged into itself" in itself.get_data(
        as_text=True
    )
    both_open = client.get(f"/people/{survivor.id}/merge?with={other.id}")
    assert both_open.status_code == 422
    assert "Both records have an open case" in both_open.get_data(as_text=True)
    assert (
        client.post(f"/people/{survivor.id}/merge", data={"other_id": other.id}).status_code == 422
    )
    break_glass(
        third, by=make_staffed_team()[3], reason_code=BreakGlassReason.EMERGENCY_CALL,
        reason="A crisis call came in tonight",
    )  # fmt: skip
    db.session.commit()
    pending = client.post(f"/people/{third.id}/merge", data={"other_id": other.id})
    assert pending.status_code == 422 and "review" in pending.get_data(as_text=True)
    assert client.get(f"/people/{survivor.id}/merge?with=999999").status_code == 404
    assert db.session.scalar(select(Person.id).where(Person.merged_into_id.is_not(None))) is None


def test_a_merge_older_than_the_window_says_it_cannot_be_undone(login) -> None:  # type: ignore[no-untyped-def]
    survivor, other, _, _ = _pair()
    client = login(make_user(Role.SUPERVISOR))
    client.post(f"/people/{survivor.id}/merge", data={"other_id": other.id})
    merge = db.session.scalars(select(PersonMerge)).one()
    merge.merged_at = utcnow() - timedelta(days=limits.UNMERGE_DAYS + 1)
    db.session.commit()
    page = client.get(f"/people/merges/{merge.id}/undo").get_data(as_text=True)
    assert "can no longer be undone" in page and "Undo the merge</button>" not in page
    assert client.post(f"/people/merges/{merge.id}/undo").status_code == 422
